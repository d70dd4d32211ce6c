"""The ready-made reports on the small world of conftest.py, checked by hand:

orders  Fjord Traders  2025-03-10 Green tea 20   2026-03-12 Green tea 30
        Bergen Kaffe   2025-06-01 Espresso  50   2026-07-01 Black tea 20
        Roma Caffè     2026-02-01 Espresso 100
"""

from __future__ import annotations

import pytest
from tests.crm.reports.html_tables import read_table

pytestmark = pytest.mark.django_db


def test_the_list_links_each_report_and_each_opens(viewer, built):
    page = viewer.get("/reports/").content.decode()
    keys = [
        "sales-by-customer",
        "sales-by-product",
        "sales-by-region",
        "sales-by-period",
        "customer-ranking",
        "product-ranking",
        "customer-flow",
        "idle-products",
        "new-products",
    ]
    for key in keys:
        assert f'data-report="{key}"' in page
    links = [
        chunk.split('href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
        for chunk in page.split('<li class="card" data-report=')[1:]
    ]
    assert len(links) == len(keys)
    for link in links:
        assert viewer.get(link).status_code == 200, link


def test_sales_by_period_compares_the_last_twelve_months_with_a_year_before(viewer, built):
    page = viewer.get("/reports/").content.decode()
    chunk = page.split('data-report="sales-by-period"', 1)[1]
    link = chunk.split('href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    # the last sale is on 2026-07-01: August 2025 to July 2026
    assert "date_from=2025-08-01" in link and "date_to=2026-07-01" in link
    rows = read_table(viewer.get(link).content.decode(), "pivot-table")
    assert rows[0][:4] == ["Month Up", "Net sales", "Net sales, previous year", "Net sales, change"]
    assert [r[0] for r in rows[1:]] == ["2026-02", "2026-03", "2026-07", "Total"]
    assert rows[2][:4] == ["2026-03", "30.00", "20.00", "+50.0%"]


def test_new_repeat_and_lost_customers_per_month(viewer, built):
    page = viewer.get(
        "/reports/customers-per-month/?date_from=2025-01-01&date_to=2026-10-31&days=180"
    ).content.decode()
    rows = read_table(page, "customer-flow")
    assert rows[0] == ["Month", "Customers", "New customers", "Repeat customers", "Lost customers"]
    assert rows[1:] == [
        ["2025-03", "1", "1", "0", "0"],
        ["2025-06", "1", "1", "0", "0"],
        ["2025-09", "0", "0", "0", "1"],  # Fjord Traders: 180 days after 2025-03-10
        ["2025-11", "0", "0", "0", "1"],  # Bergen Kaffe: 180 days after 2025-06-01
        ["2026-02", "1", "1", "0", "0"],
        ["2026-03", "1", "0", "1", "0"],
        ["2026-07", "1", "0", "1", "1"],  # Roma Caffè: 180 days after 2026-02-01
        ["2026-09", "0", "0", "0", "1"],  # Fjord Traders again
    ]
    assert 'data-chart="customer-flow"' in page


def test_a_shorter_gap_loses_customers_sooner(viewer, built):
    page = viewer.get(
        "/reports/customers-per-month/?date_from=2026-01-01&date_to=2026-06-30&days=30"
    ).content.decode()
    lost = {r[0]: r[4] for r in read_table(page, "customer-flow")[1:]}
    assert lost["2026-03"] == "1"  # Roma Caffè, 30 days after 2026-02-01
    assert lost["2026-04"] == "1"  # Fjord Traders, 30 days after 2026-03-12


def test_no_customer_is_lost_ahead_of_today(viewer, built):
    from django.utils import timezone

    page = viewer.get(
        "/reports/customers-per-month/?date_from=2025-01-01&date_to=2099-12-31&days=180"
    ).content.decode()
    this_month = timezone.localdate().strftime("%Y-%m")
    rows = read_table(page, "customer-flow")[1:]
    assert rows and all(r[0] <= this_month for r in rows if r[4] != "0")


def test_products_with_no_sale_in_n_days(viewer, built):
    page = viewer.get("/reports/products-without-sales/?days=90").content.decode()
    rows = read_table(page, "idle-products")
    # as of the last sale, 2026-07-01: Espresso last sold 150 days before, Green tea 111
    assert [r[0] for r in rows[1:]] == ["Espresso beans", "Green tea"]
    assert rows[1][3] == "150" and rows[2][3] == "111"
    page = viewer.get("/reports/products-without-sales/?days=120").content.decode()
    assert [r[0] for r in read_table(page, "idle-products")[1:]] == ["Espresso beans"]


def test_new_products_share_of_sales(viewer, built):
    page = viewer.get(
        "/reports/new-products/?date_from=2026-01-01&date_to=2026-12-31"
    ).content.decode()
    # Black tea was first sold in 2026 (20 of the year's 150)
    assert "made 20.00 of its 150.00 net sales (13.3%)" in page
    assert [r[0] for r in read_table(page, "new-products")[1:]] == ["Black tea"]
    assert 'data-chart="new-products"' in page


@pytest.mark.parametrize(
    "path",
    [
        "/reports/products-without-sales/?days=0",
        "/reports/products-without-sales/?days=many",
        "/reports/customers-per-month/?date_from=2026-02-30",
        "/reports/customers-per-month/?date_from=2026-03-01&date_to=2026-02-01",
        "/reports/new-products/?date_to=yesterday",
    ],
)
def test_a_bad_parameter_of_a_report_is_a_400_that_names_it(viewer, built, path):
    response = viewer.get(path)
    assert response.status_code == 400
    assert "must be" in response.content.decode()


def test_a_report_page_before_the_warehouse_is_built(viewer, sales_world, warehouse_home):
    page = viewer.get("/reports/customers-per-month/").content.decode()
    assert "The sales warehouse has not been built yet." in page


def _csv(viewer, path: str) -> list[list[str]]:
    import csv
    import io

    response = viewer.get(path)
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def test_each_report_exports_the_table_it_shows(viewer, built):
    query = "?date_from=2025-01-01&date_to=2026-10-31&days=180"
    page = viewer.get("/reports/customers-per-month/" + query).content.decode()
    assert 'href="/reports/customers-per-month/export.csv?' in page
    shown = read_table(page, "customer-flow")
    assert _csv(viewer, "/reports/customers-per-month/export.csv" + query) == shown

    page = viewer.get("/reports/products-without-sales/?days=90").content.decode()
    exported = _csv(viewer, "/reports/products-without-sales/export.csv?days=90")
    assert exported == [
        ["Product", "Category", "Last sold", "Days since"],
        ["Espresso beans", "Coffee", "2026-02-01", "150"],
        ["Green tea", "Tea", "2026-03-12", "111"],
    ]
    assert [r[0] for r in read_table(page, "idle-products")] == [r[0] for r in exported]

    exported = _csv(
        viewer, "/reports/new-products/export.csv?date_from=2026-01-01&date_to=2026-12-31"
    )
    assert exported == [
        ["Month", "Net sales", "New products", "Share (%)"],
        ["2026-02", "100.00", "0.00", "0.0"],
        ["2026-03", "30.00", "0.00", "0.0"],
        ["2026-07", "20.00", "20.00", "100.0"],
    ]


def test_a_report_export_before_the_warehouse_is_built_says_why(
    viewer, sales_world, warehouse_home
):
    response = viewer.get("/reports/products-without-sales/export.csv")
    assert response.status_code == 409
    assert "The sales warehouse has not been built yet." in response.content.decode()
