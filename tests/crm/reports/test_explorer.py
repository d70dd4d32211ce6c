"""The pivot explorer's page on a small built warehouse (tests/crm/reports/conftest.py):
pivots, filters, drilling by the links it shows, comparing, ranking, bad addresses."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from tests.crm.reports.html_tables import read_table, table_links

pytestmark = pytest.mark.django_db
URL = "/reports/explore/"


def _pivot(viewer, query: str = "") -> list[list[str]]:
    response = viewer.get(URL + query)
    assert response.status_code == 200, response.content.decode()[:2000]
    return read_table(response.content.decode(), "pivot-table")


def test_a_blank_address_shows_net_sales_by_year(viewer, built):
    rows = _pivot(viewer)
    assert rows[-3:] == [
        ["2025", "70.00"],
        ["2026", "150.00"],
        ["Total", "220.00"],
    ]


def test_sales_by_region_and_year_with_totals_both_ways(viewer, built):
    rows = _pivot(viewer, "?measures=net_sales&rows=region&columns=year")
    assert rows[0][1:] == ["2025", "2026", "Total"]
    assert rows[-3:] == [
        ["North", "70.00", "50.00", "120.00"],
        ["South", "—", "100.00", "100.00"],
        ["Total", "70.00", "150.00", "220.00"],
    ]


def test_a_filter_keeps_the_members_chosen(viewer, built):
    rows = _pivot(viewer, "?measures=net_sales,orders&rows=city&filter_region=North")
    assert rows[-3:] == [
        ["Bergen", "70.00", "2"],
        ["Oslo", "50.00", "2"],
        ["Total", "120.00", "4"],
    ]


def test_clicking_a_region_drills_into_its_cities_and_up_comes_back(viewer, built):
    page = viewer.get(URL + "?measures=net_sales&rows=region").content.decode()
    north = table_links(page, "pivot-table")["North"]
    params = parse_qs(urlsplit(north).query)
    assert params["rows"] == ["city"] and params["filter_region"] == ["North"]

    page = viewer.get(URL + north).content.decode()
    assert [r[0] for r in read_table(page, "pivot-table")[-3:]] == ["Bergen", "Oslo", "Total"]
    up = table_links(page, "pivot-table")["Up"]
    params = parse_qs(urlsplit(up).query)
    assert params["rows"] == ["region"] and "filter_region" not in params
    assert [
        r[0] for r in read_table(viewer.get(URL + up).content.decode(), "pivot-table")[-3:]
    ] == [
        "North",
        "South",
        "Total",
    ]


def test_clicking_a_year_drills_into_its_quarters(viewer, built):
    page = viewer.get(URL + "?measures=net_sales&rows=year").content.decode()
    rows = _pivot(viewer, table_links(page, "pivot-table")["2026"])
    assert rows[1:] == [
        ["2026-Q1", "130.00"],
        ["2026-Q3", "20.00"],
        ["Total", "150.00"],
    ]


def test_same_period_last_year_and_the_change(viewer, built):
    rows = _pivot(
        viewer,
        "?measures=net_sales&rows=region&date_from=2026-01-01&date_to=2026-12-31"
        "&compare_previous_year=1",
    )
    assert rows[0] == ["Region", "Net sales", "Net sales, previous year", "Net sales, change"]
    assert rows[1:] == [
        ["North", "50.00", "70.00", "-28.6%"],
        ["South", "100.00", "—", "—"],
        ["Total", "150.00", "70.00", "+114.3%"],
    ]


def test_top_n_with_share_of_total(viewer, built):
    rows = _pivot(viewer, "?measures=net_sales&rows=customer&top_n=1&share_of_total=1&other=1")
    assert rows[1:] == [
        ["Roma Caffè (C0000003)", "100.00", "45.5%"],
        ["Other", "120.00", "54.5%"],
        ["Total", "220.00", "100.0%"],
    ]


def test_the_chart_draws_the_first_measure_over_the_rows(viewer, built):
    page = viewer.get(URL + "?measures=net_sales,orders&rows=region").content.decode()
    chart = page.split('data-chart="pivot"', 1)[1].split("</figure>", 1)[0]
    assert "Net sales by Region" in chart
    flat = " ".join(chart.split())
    spaced = flat.replace("><", "> <")
    assert '<th scope="row" class="data">North</th> <td class="num">120</td>' in spaced
    assert '<th scope="row" class="data">South</th> <td class="num">100</td>' in spaced


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("?measures=bogus", "measures"),
        ("?measures=net_sales&rows=year&top_n=ten", "top_n"),
        ("?measures=net_sales&rows=region&date_from=2026-13-01", "date_from"),
        ("?measures=net_sales&rows=region&compare_previous_year=1", "compare_previous_year"),
        ("?measures=net_sales&rows=region&columns=region", "columns"),
        ("?measures=net_sales&rows=year&filter_planet=Mars", "filter_planet"),
        ("?measures=net_sales&rows=year&date_from=2026-02-01&date_to=2026-01-01", "date_to"),
    ],
)
def test_a_bad_address_says_what_to_fix_with_a_400(viewer, built, query, named):
    response = viewer.get(URL + query)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="explorer-error"' in page
    assert f"“{named}” cannot be used as given" in page
    assert 'id="explorer-controls"' in page  # the controls stay, to fix it


def test_a_bad_address_in_chinese(make_user, client_for, built):
    chinese = client_for(make_user("analyst", username="an", language="zh-hans"))
    response = chinese.get(
        URL + "?measures=net_sales&rows=year&top_n=ten", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 400
    assert "无法使用" in response.content.decode()


def test_the_members_picker_lists_a_levels_members(viewer, built):
    page = viewer.get(URL + "?measures=net_sales&rows=year&pick=city").content.decode()
    assert 'id="member-picker"' in page
    for city in ("Bergen", "Oslo", "Rome"):
        assert f'name="filter_city" value="{city}"' in page


def test_a_filter_shows_as_a_chip_that_removes_it(viewer, built):
    page = viewer.get(URL + "?measures=net_sales&rows=year&filter_region=South").content.decode()
    assert "<strong>Region:</strong> South" in page
    assert _pivot(viewer, "?measures=net_sales&rows=year&filter_region=South")[-2:] == [
        ["2026", "100.00"],
        ["Total", "100.00"],
    ]


def _chart_table(page: str) -> str:
    chart = page.split('data-chart="pivot"', 1)[1].split("</figure>", 1)[0]
    return " ".join(chart.split()).replace("><", "> <")


def test_the_chart_leaves_out_the_rows_summed_as_other(viewer, built):
    page = viewer.get(URL + "?measures=net_sales&rows=customer&top_n=1&other=1").content.decode()
    chart = _chart_table(page)
    assert "Roma Caffè (C0000003)" in chart
    assert '<th scope="row" class="data">Other</th>' not in chart


def test_the_chart_of_a_comparison_has_last_year_beside(viewer, built):
    page = viewer.get(
        URL + "?measures=net_sales&rows=region&date_from=2026-01-01&date_to=2026-12-31"
        "&compare_previous_year=1"
    ).content.decode()
    chart = _chart_table(page)
    assert '<th scope="col">Net sales</th> <th scope="col">Net sales, previous year</th>' in chart
    north = (
        '<th scope="row" class="data">North</th> <td class="num">50</td> <td class="num">70</td>'
    )
    assert north in chart


def test_the_members_picker_finds_by_part_of_a_name(viewer, built):
    page = viewer.get(URL + "?measures=net_sales&rows=year&pick=city&q=er").content.decode()
    assert 'value="Bergen"' in page
    assert 'value="Oslo"' not in page and 'value="Rome"' not in page


def test_drilling_down_keeps_the_other_filters_and_measures(viewer, built):
    page = viewer.get(
        URL + "?measures=net_sales,orders&rows=category&columns=year&filter_region=North"
    ).content.decode()
    tea = parse_qs(urlsplit(table_links(page, "pivot-table")["Tea"]).query)
    assert tea["measures"] == ["net_sales,orders"] and tea["columns"] == ["year"]
    assert tea["rows"] == ["product"]
    assert tea["filter_region"] == ["North"] and tea["filter_category"] == ["Tea"]
    # a column member drills too: 2026 into its quarters, the rows kept
    year = parse_qs(urlsplit(table_links(page, "pivot-table")["2026"]).query)
    assert year["columns"] == ["quarter"] and year["filter_year"] == ["2026"]
    assert year["rows"] == ["category"]


def test_swapping_rows_and_columns(viewer, built):
    page = viewer.get(URL + "?measures=net_sales&rows=region&columns=year").content.decode()
    swap = page.split('id="swap-axes" href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    rows = _pivot(viewer, swap)
    assert rows[0][1:] == ["North", "South", "Total"]
    assert rows[-3:] == [
        ["2025", "70.00", "—", "70.00"],
        ["2026", "50.00", "100.00", "150.00"],
        ["Total", "120.00", "100.00", "220.00"],
    ]


def test_clicking_a_measure_sorts_the_rows_by_it_and_again_the_other_way(viewer, built):
    page = viewer.get(URL + "?measures=net_sales,orders&rows=city").content.decode()
    assert [r[0] for r in read_table(page, "pivot-table")[1:-1]] == [
        "Bergen", "Oslo", "Rome",
    ]  # fmt: skip
    by_sales = table_links(page, "pivot-table")["Net sales"]
    assert by_sales.endswith("&sort=-net_sales")
    page = viewer.get(URL + by_sales).content.decode()
    rows = read_table(page, "pivot-table")
    assert [r[0] for r in rows[1:]] == ["Rome", "Bergen", "Oslo", "Total"]
    assert rows[0][1] == "Net sales ▼"
    ascending = table_links(page, "pivot-table")["Net sales"]
    assert ascending.endswith("&sort=net_sales")
    rows = read_table(viewer.get(URL + ascending).content.decode(), "pivot-table")
    assert [r[0] for r in rows[1:]] == ["Oslo", "Bergen", "Rome", "Total"]
    # the export follows the order shown
    exported = viewer.get("/reports/explore/export.csv" + ascending)
    text = b"".join(exported.streaming_content).decode("utf-8-sig")
    assert [line.split(",")[0] for line in text.splitlines()[1:]] == [
        "Oslo", "Bergen", "Rome", "Total",
    ]  # fmt: skip


def test_sorting_by_a_measure_not_shown_is_a_400(viewer, built):
    response = viewer.get(URL + "?measures=net_sales&rows=city&sort=-margin")
    assert response.status_code == 400
    assert "sort" in response.content.decode()


def test_the_explorer_reads_the_warehouse_not_the_store(
    viewer, built, django_assert_max_num_queries
):
    # the session, the user, the role and permission checks, the menu: never the sales
    viewer.get(URL)  # warm the per-process caches (content types)
    with django_assert_max_num_queries(6) as captured:
        assert (
            viewer.get(URL + "?measures=net_sales,orders&rows=region&columns=year").status_code
            == 200
        )
    assert not [q for q in captured.captured_queries if "sales_order" in q["sql"]]
