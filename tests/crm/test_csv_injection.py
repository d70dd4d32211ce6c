"""Every CSV export neutralises cells a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from kehu.crm.integration.models import ImportJob, QuarantinedRow
from kehu.crm.integration.quarantine import csv_lines
from kehu.crm.lists import SafeCsvWriter

DANGEROUS = ['=HYPERLINK("http://x")', "+1+2", "-2+3", "@SUM(A1)", "\tX=1", "\rX=1"]


def _rows(body: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))


@pytest.mark.parametrize("value", DANGEROUS)
def test_writer_prefixes_a_formula_like_text_cell_with_a_quote(value):
    line = SafeCsvWriter().writerow([value, "plain", -5, 1.5, None])
    cells = _rows(line)[0]
    assert cells[0] == "'" + value
    assert cells[1:4] == ["plain", "-5", "1.5"]  # numbers stay numbers


@pytest.mark.django_db
def test_customer_export_neutralises_names_and_emails(admin_user, make_customer, client_for):
    make_customer("=cmd|' /C calc'!A0", city="@Berlin", phone="+49 30 1234")
    response = client_for(admin_user).get(reverse("customers:export"))
    assert response["Cache-Control"] == "no-store"
    header, row = _rows(b"".join(response.streaming_content).decode())
    record = dict(zip(header, row, strict=True))
    assert record["name"] == "'=cmd|' /C calc'!A0"
    assert record["city"] == "'@Berlin"
    assert record["phone"] == "'+49 30 1234"


@pytest.mark.django_db
def test_quarantine_download_neutralises_the_original_columns():
    # a job and a quarantined row as an import leaves them: raw rows, since start_job
    # would launch an import process
    job = ImportJob.objects.create(
        entity="customers", source_name="x.csv", details={"columns": ["name", "city"]}
    )
    QuarantinedRow.objects.create(
        job=job, row_number=2, reason="bad", data={"name": "=1+1", "city": "-Oslo"}
    )
    rows = _rows("".join(csv_lines(job)))
    assert rows[1] == ["2", "bad", "'=1+1", "'-Oslo"]
