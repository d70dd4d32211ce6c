"""CSV as RFC 4180 writes it, end to end through `kehu import` into the database:
quoted delimiters, doubled quotes, quoted line breaks, a byte-order mark, CRLF, empty
quoted values, a quote inside an unquoted value, other delimiters with quoting; rows
wider than the header are set aside alone; duplicate headers are renamed and said."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from kehu.cli import main
from kehu.crm.customers.models import Customer
from kehu.crm.integration.models import ImportJob
from kehu.crm.integration.quarantine import csv_lines

pytestmark = pytest.mark.django_db

HEADER = "external_id,name,city,email"


def _import(path, *args):
    return CliRunner().invoke(
        main, ["import", str(path), "--entity", "customers", *args], catch_exceptions=False
    )


def _write(tmp_path, lines, newline="\r\n", name="customers.csv", prefix=b""):
    path = tmp_path / name
    path.write_bytes(prefix + newline.join(lines).encode() + newline.encode())
    return path


def _stored():
    return {c.external_id: (c.name, c.city) for c in Customer.objects.all()}


@pytest.mark.parametrize("newline", ["\r\n", "\n"])
def test_quoted_values_read_as_rfc_4180_writes_them(tmp_path, newline):
    lines = [
        HEADER,
        'K1,"Shop ""A"", Berlin",Paris,a@example.com',  # doubled quotes, quoted delimiter
        f'K2,"Two{newline}lines",Rome,b@example.com',  # a quoted line break
        'K3,5" screen shop,Oslo,c@example.com',  # a quote inside an unquoted value
        'K4,Empty City,"",d@example.com',  # an empty quoted value
        '"K5","Fully quoted","Lima","e@example.com"',
        'K6,"""Quoted"" start",Kyiv,f@example.com',
    ]
    result = _import(_write(tmp_path, lines, newline))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "rows=6 imported=6 merged=0 quarantined=0"
    assert _stored() == {
        "K1": ('Shop "A", Berlin', "Paris"),
        "K2": (f"Two{newline}lines", "Rome"),
        "K3": ('5" screen shop', "Oslo"),
        "K4": ("Empty City", ""),
        "K5": ("Fully quoted", "Lima"),
        "K6": ('"Quoted" start', "Kyiv"),
    }


def test_a_byte_order_mark_does_not_become_part_of_the_first_header(tmp_path):
    path = _write(tmp_path, [HEADER, 'K1,"Shop ""A""",Paris,a@example.com'], prefix=b"\xef\xbb\xbf")
    result = _import(path)
    assert "rows=1 imported=1" in result.output, result.output
    assert "mapping: external_id<-external_id" in result.output
    assert _stored() == {"K1": ('Shop "A"', "Paris")}


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_other_delimiters_are_found_and_still_quote(tmp_path, delimiter):
    d = delimiter
    lines = [
        d.join(["external_id", "name", "city", "email"]),
        d.join(["K1", f'"Müller{d} Söhne ""GmbH"""', "Köln", "m@example.de"]),
        d.join(["K2", '"Line\r\nbreak"', "Bonn", "b@example.de"]),
    ]
    result = _import(_write(tmp_path, lines))
    assert result.exit_code == 0, result.output
    assert "rows=2 imported=2 merged=0 quarantined=0" in result.output
    assert _stored() == {
        "K1": (f'Müller{d} Söhne "GmbH"', "Köln"),
        "K2": ("Line\r\nbreak", "Bonn"),
    }


def test_a_row_wider_than_the_header_is_quarantined_alone_and_kept_whole(tmp_path):
    lines = [
        HEADER,
        "K1,Alpha,Paris,a@example.com",
        "K2,Beta, Ltd,Rome,b@example.com",  # an unquoted comma: one cell too many
        "K3,Gamma,Oslo,c@example.com,,",  # trailing empty cells are no data
    ]
    result = _import(_write(tmp_path, lines))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "rows=3 imported=2 merged=0 quarantined=1"
    job = ImportJob.objects.get()
    row = job.quarantine.get()
    assert row.row_number == 2
    assert row.reason.startswith("the row has 5 cells but the header has 4 columns")
    assert set(_stored()) == {"K1", "K3"}
    csv = "".join(csv_lines(job)).splitlines()
    assert csv[0] == "row,reason,external_id,name,city,email,extra cells"
    assert csv[1].endswith(",K2,Beta, Ltd,Rome,b@example.com")  # every cell, in order


def test_a_quote_that_never_closes_refuses_the_file_naming_its_line(tmp_path):
    lines = [HEADER, "K1,Alpha,Paris,a@example.com", 'K2,"Beta,Rome,b@example.com']
    lines += [f"K{i},Name {i},City,x{i}@example.com" for i in range(3, 20)]
    result = CliRunner().invoke(
        main, ["import", str(_write(tmp_path, lines)), "--entity", "customers"]
    )
    assert result.exit_code == 2
    assert "line 3: a quoted value starts there and never ends" in result.output
    assert "Traceback" not in result.output
    assert not Customer.objects.exists()


def test_duplicate_headers_are_renamed_and_said(tmp_path):
    lines = ["external_id,name,email,Email", "K1,Alpha,a@example.com,other@example.com"]
    result = _import(_write(tmp_path, lines))
    assert result.exit_code == 0, result.output
    assert "note: the header 'Email' appears more than once: column 4 is read as 'Email (2)'" in (
        result.output
    )
    assert Customer.objects.get().email == "a@example.com"
    again = _import(_write(tmp_path, lines), "--map", "email=Email (2)")
    assert again.exit_code == 0, again.output
    assert Customer.objects.get().email == "other@example.com"
