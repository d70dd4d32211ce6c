"""The explorer's CSV and Excel files hold exactly what the page shows: the same
headers, rows, order and rounding."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from tests.crm.reports.html_tables import read_table

pytestmark = pytest.mark.django_db
QUERY = (
    "?measures=net_sales,orders&rows=region&columns=year&share_of_total=1"
    "&filter_region=North&filter_region=South"
)


def _shown(viewer, query: str) -> list[list[str]]:
    return read_table(viewer.get("/reports/explore/" + query).content.decode(), "pivot-table")


def _csv(viewer, query: str) -> list[list[str]]:
    response = viewer.get("/reports/explore/export.csv" + query)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_the_csv_holds_the_rows_and_values_shown(viewer, built):
    shown = _shown(viewer, QUERY)
    exported = _csv(viewer, QUERY)
    # the page's body rows, the total last, numbers without grouping
    assert [row[0] for row in exported[1:]] == [row[0] for row in shown[-3:]]
    for page_row, file_row in zip(shown[-3:], exported[1:], strict=True):
        page = [c.replace(",", "").removesuffix("%") for c in page_row[1:]]
        assert page == [c or "—" for c in file_row[1:]]
    assert exported[0][:4] == [
        "Region",
        "2025 · Net sales",
        "2025 · Net sales, share (%)",
        "2025 · Orders",
    ]
    assert exported[0][-1] == "Total · Orders, share (%)"
    assert exported[1][:5] == ["North", "70.00", "31.8", "2", "40.0"]


def test_the_csv_of_a_year_over_year_pivot(viewer, built):
    query = (
        "?measures=net_sales&rows=region&date_from=2026-01-01&date_to=2026-12-31"
        "&compare_previous_year=1"
    )
    assert _csv(viewer, query) == [
        ["Region", "Net sales", "Net sales, previous year", "Net sales, change (%)"],
        ["North", "50.00", "70.00", "-28.6"],
        ["South", "100.00", "", ""],
        ["Total", "150.00", "70.00", "114.3"],
    ]


def test_the_workbook_holds_numbers_in_the_formats_shown(viewer, built):
    response = viewer.get("/reports/explore/export.xlsx" + QUERY)
    assert response.status_code == 200
    assert "spreadsheetml" in response["Content-Type"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0] == [h.removesuffix(" (%)") for h in _csv(viewer, QUERY)[0]]
    assert values[1][:5] == ["North", 70.0, 0.318, 2, 0.4]
    assert values[-1][0] == "Total"
    assert sheet.cell(row=2, column=2).number_format == "#,##0.00"
    assert sheet.cell(row=2, column=3).number_format == "0.0%"
    assert len(values) == 1 + len(_shown(viewer, QUERY)) - 2  # the page has two header rows


def test_a_cell_that_looks_like_a_formula_is_text_in_both_files(viewer, built, make_customer):
    from datetime import UTC, datetime
    from decimal import Decimal

    from kehu.crm.intelligence.warehouse import build_warehouse
    from kehu.crm.sales.actions import create_order

    customer = make_customer(name="Evil", region="=HYPERLINK(1)")
    product = built["products"][0]
    create_order(
        customer,
        [{"product": product, "quantity": Decimal(1)}],
        ordered_at=datetime(2026, 5, 1, 12, tzinfo=UTC),
    )
    build_warehouse()
    query = "?measures=net_sales&rows=region"
    assert ["'=HYPERLINK(1)", "10.00"] in _csv(viewer, query)
    sheet = openpyxl.load_workbook(
        io.BytesIO(viewer.get("/reports/explore/export.xlsx" + query).content)
    ).active
    assert sheet.cell(row=2, column=1).value == "'=HYPERLINK(1)"
    assert sheet.cell(row=2, column=1).data_type == "s"


def test_a_bad_address_exports_nothing_but_says_why(viewer, built):
    response = viewer.get("/reports/explore/export.csv?measures=bogus")
    assert response.status_code == 400
    assert "cannot be used as given" in response.content.decode()
