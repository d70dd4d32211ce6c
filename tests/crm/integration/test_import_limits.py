"""Files an import must refuse, with a message naming what is wrong or which limit, and
without filling memory or the disk first: random bytes named .xlsx, zip and gzip bombs,
a sheet with one far cell, more rows than allowed. The import's temporary folder goes
however the import ends; that of a killed import is swept when noticed."""

from __future__ import annotations

import gzip
import io
import os
import signal
import struct
import subprocess
import sys
import tempfile
import zipfile

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from kehu.cli import main
from kehu.crm.integration import workdirs
from kehu.crm.integration.limits import LimitError, Limits, ReadError
from kehu.crm.integration.packed import check_zip
from kehu.crm.integration.readers import read_file
from kehu.crm.integration.workdirs import make_workdir, sweep_workdirs

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


@pytest.fixture(autouse=True)
def own_temp(tmp_path, monkeypatch):
    """Import folders go to a temporary folder of this test's own."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def _import(path, entity="customers"):
    return CliRunner().invoke(main, ["import", str(path), "--entity", entity])


def _refused(result, *words):
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for word in words:
        assert word in result.output, result.output


def _workbook(path, rows=(("external_id", "name"), ("K1", "Alpha"))):
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(list(row))
    book.save(path)
    return book


def test_random_bytes_named_xlsx_get_a_sentence_not_a_traceback(tmp_path):
    path = tmp_path / "customers.xlsx"
    path.write_bytes(os.urandom(5000))
    _refused(_import(path), "'customers.xlsx' is not an Excel workbook")
    xls = tmp_path / "customers.xls"
    xls.write_bytes(os.urandom(5000))
    _refused(_import(xls), "cannot read 'customers.xls' as a spreadsheet")


def test_a_zip_bomb_in_a_workbook_is_refused_at_the_limit(tmp_path, settings):
    settings.KEHU_IMPORT_MAX_MB = 2
    path = tmp_path / "bomb.xlsx"
    _workbook(path)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", b"\0" * (20 * MB))  # about 20 KB packed
    assert path.stat().st_size < MB
    _refused(_import(path), "'bomb.xlsx' unpacks to more than 2 MB", "KEHU_IMPORT_MAX_MB")


def test_sizes_a_zip_declares_are_not_believed(tmp_path):
    path = tmp_path / "liar.xlsx"
    _workbook(path)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", b"\0" * (3 * MB))
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("xl/media/padding.bin")
    struct.pack_into("<I", data, info.header_offset + 22, 100)  # local header: 100 bytes
    central = data.find(b"xl/media/padding.bin", data.find(b"PK\x01\x02")) - 46
    struct.pack_into("<I", data, central + 24, 100)  # central directory: 100 bytes
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as archive:  # what the archive claims
        assert archive.getinfo("xl/media/padding.bin").file_size == 100
    with pytest.raises(LimitError, match="unpacks to more than 1 MB"):
        check_zip(path, Limits(max_bytes=MB, max_rows=100))


def test_one_far_cell_is_refused_before_calamine_allocates_the_sheet(tmp_path):
    path = tmp_path / "far.xlsx"
    book = _workbook(path)
    book.active["XFD1048576"] = "far"  # calamine would allocate 17 billion cells (abort)
    book.save(path)
    _refused(_import(path), "spans 1,048,576 rows x 16,384 columns", "export it as CSV")


def test_a_gzip_bomb_is_refused_at_the_limit_and_while_reading(tmp_path, settings):
    settings.KEHU_IMPORT_MAX_MB = 1
    path = tmp_path / "customers.csv.gz"
    with gzip.open(path, "wb") as f:
        f.write(b"external_id,name\n")
        for i in range(200_000):
            f.write(b"K%d,Name %d\n" % (i, i))
    _refused(_import(path), "'customers.csv.gz' unpacks to more than 1 MB")
    with pytest.raises(LimitError, match="KEHU_IMPORT_MAX_MB"):  # the streaming bound too
        read_file(path, checked=True)


def test_more_rows_than_allowed_are_refused_naming_the_limit(tmp_path, settings):
    settings.KEHU_IMPORT_MAX_ROWS = 5
    lines = ["external_id,name"] + [f"K{i},Name {i}" for i in range(6)]
    csv = tmp_path / "customers.csv"
    csv.write_text("\n".join(lines) + "\n")
    _refused(_import(csv), "more than 5 rows", "KEHU_IMPORT_MAX_ROWS")
    xlsx = tmp_path / "customers.xlsx"
    _workbook(xlsx, [line.split(",") for line in lines])
    _refused(_import(xlsx), "more than 5 rows")
    parquet = tmp_path / "customers.parquet"
    pd.DataFrame(
        [line.split(",") for line in lines[1:]], columns=["external_id", "name"]
    ).to_parquet(parquet)
    _refused(_import(parquet), "more than 5 rows")
    csv.write_text("\n".join(lines[:6]) + "\n")
    assert "rows=5 imported=5" in _import(csv).output  # at the limit: fine


def test_an_import_leaves_no_temporary_folder_whatever_its_end(tmp_path, own_temp):
    good = tmp_path / "customers.csv"
    good.write_text("external_id,name\nK1,Alpha\n")
    assert "rows=1 imported=1" in _import(good).output
    bad = tmp_path / "bad.csv"
    bad.write_text('external_id,name\nK1,"Alpha\nK2,Beta\n')
    _refused(_import(bad), "never ends")
    assert list(own_temp.iterdir()) == []


def test_the_folder_of_a_killed_import_is_swept_when_noticed(own_temp):
    code = (
        "import os, signal, tempfile; tempfile.tempdir = os.environ['TEMP_ROOT']; "
        "import django; os.environ['DJANGO_SETTINGS_MODULE'] = 'kehu.crm.settings'; "
        "django.setup(); from kehu.crm.integration.workdirs import make_workdir; "
        "folder = make_workdir(); (folder / 'spill.tmp').write_bytes(b'x' * 1000); "
        "print(folder, flush=True); os.kill(os.getpid(), signal.SIGKILL)"
    )
    env = dict(os.environ, TEMP_ROOT=str(own_temp))
    killed = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    left = own_temp / os.path.basename(killed.stdout.strip())
    assert left.is_dir()  # a SIGKILL cannot clean up
    mine = make_workdir()  # a live import's folder stays
    assert sweep_workdirs() == []  # make_workdir swept already
    assert not left.exists() and mine.is_dir()
    workdirs.remove_workdir(mine)


def test_reading_a_file_that_is_not_there_or_not_a_kind_we_read(tmp_path):
    with pytest.raises(ReadError, match="does not exist"):
        read_file(tmp_path / "none.csv")
    (tmp_path / "notes.docx").write_bytes(b"PK")
    with pytest.raises(ReadError, match="use CSV/TSV"):
        read_file(tmp_path / "notes.docx")


ODS_MANIFEST = (
    '<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:'
    'xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type='
    '"application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path='
    '"content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
)


def _ods(path, rows_xml):
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:'
        'names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:'
        'xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
        'office:version="1.2"><office:body><office:spreadsheet><table:table table:name="S">'
        + rows_xml
        + "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet"
        )
        archive.writestr("content.xml", content)
        archive.writestr("META-INF/manifest.xml", ODS_MANIFEST)


def _ods_row(*values, repeated=1):
    cells = "".join(
        f'<table:table-cell office:value-type="string"><text:p>{v}</text:p></table:table-cell>'
        for v in values
    )
    return f'<table:table-row table:number-rows-repeated="{repeated}">{cells}</table:table-row>'


def test_an_ods_whose_repeats_spread_to_billions_of_cells_is_refused(tmp_path):
    bomb = tmp_path / "bomb.ods"
    _ods(
        bomb,
        _ods_row("name")
        + _ods_row("x", repeated=1_000_000).replace(
            "<table:table-cell ", '<table:table-cell table:number-columns-repeated="16000" '
        ),
    )
    assert bomb.stat().st_size < 2000
    _refused(_import(bomb), "span 16,000,000,001 cells", "export it as CSV")
    # as LibreOffice saves a sheet: its empty rows and columns repeated to the sheet's end
    fine = tmp_path / "customers.ods"
    empty = (
        '<table:table-row table:number-rows-repeated="1048574">'
        '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
    )
    _ods(fine, _ods_row("external_id", "name") + _ods_row("K1", "Alpha") + empty)
    result = _import(fine)
    assert result.output.splitlines()[-1] == "rows=1 imported=1 merged=0 quarantined=0", (
        result.output
    )


def test_a_cut_short_or_fake_gzip_gets_a_sentence(tmp_path):
    import random

    data = b"external_id,name\n" + b"".join(
        b"K%d,Name %d\n" % (random.randrange(10**9), i) for i in range(50_000)
    )
    packed = gzip.compress(data)
    cut = tmp_path / "cut.csv.gz"
    cut.write_bytes(packed[: len(packed) // 2])
    _refused(_import(cut), "'cut.csv.gz' is cut short")
    with pytest.raises(ReadError, match="not a readable gzip file"):  # past the check too
        read_file(cut, checked=True)
    fake = tmp_path / "fake.csv.gz"
    fake.write_bytes(b"external_id,name\nK1,Alpha\n")
    _refused(_import(fake), "'fake.csv.gz' is not a readable gzip file")
