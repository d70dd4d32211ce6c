"""The pivot explorer in the browser, in English and in Chinese, on a small built
warehouse (tests/crm/reports/world.py): a manager pivots net sales by region and year,
reads the chart (drawn, with the figures of the table), drills into a region by
clicking it, comes back with the back button, and the page fits a phone."""

from __future__ import annotations

import pytest

from kehu.crm.accounts.actions import create_user
from tests.crm.reports.world import make_sales_world

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "a-long-enough-secret"
PLOT = "figure[data-chart=pivot] .js-plotly-plot .main-svg"


@pytest.fixture
def warehouse(settings, tmp_path):
    from kehu.crm.intelligence.warehouse import build_warehouse

    settings.VAR_DIR = tmp_path
    make_sales_world()
    build_warehouse()


def _sign_in(page, username: str) -> None:
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def _pivot_region_by_year(page) -> None:
    page.goto("/")
    page.click("nav a[href='/reports/']")
    page.wait_for_url("**/reports/")
    page.click("#ready-made-reports a >> nth=0")  # any preset: the form takes it from there
    page.wait_for_selector("#explorer-controls")
    page.locator("#pick-measures input[type=checkbox]").evaluate_all(
        "boxes => boxes.forEach(b => { b.checked = b.value === 'net_sales'; })"
    )
    page.select_option("select[name=rows] >> nth=0", "region")
    page.select_option("select[name=rows] >> nth=1", "")
    page.select_option("select[name=columns] >> nth=0", "year")
    page.fill("input[name=top_n]", "")
    page.uncheck("input[name=other]")
    page.uncheck("input[name=share_of_total]")
    page.click("#explorer-controls button[type=submit]")
    page.wait_for_url("**rows=region**")
    page.wait_for_selector(PLOT)


def _body(page) -> list[list[str]]:
    return page.eval_on_selector_all(
        "#pivot-table tbody tr",
        "rows => rows.map(r => [...r.children].map(c => c.innerText.trim()))",
    )


def _chart_series(page) -> list[dict]:
    """The drawn plot's traces, as plotly holds them on the element."""
    return page.evaluate(
        """() => [...document.querySelector("figure[data-chart=pivot] .js-plotly-plot").data]
        .map(t => ({name: t.name, x: [...t.x], y: [...t.y]}))"""
    )


def _fits_a_phone(page) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px at 390px"
    page.set_viewport_size({"width": 1280, "height": 900})


def test_region_by_year_drill_into_a_region_and_back(page, warehouse):
    create_user("maria", role="sales", manager=True, password=PASSWORD)
    _sign_in(page, "maria")
    _pivot_region_by_year(page)
    assert _body(page) == [
        ["North", "70.00", "50.00", "120.00"],
        ["South", "—", "100.00", "100.00"],
        ["Total", "70.00", "150.00", "220.00"],
    ]
    series = _chart_series(page)
    assert [s["name"] for s in series] == ["2025", "2026"]
    assert series[0]["x"] == ["North", "South"] and series[1]["y"] == [50, 100]
    assert page.locator(f"{PLOT} .bars .point").count() >= 3  # bars drawn for the data
    _fits_a_phone(page)

    page.click("#pivot-table tbody th[data-member=North] a")
    page.wait_for_url("**filter_region=North**")
    page.wait_for_selector(PLOT)
    assert _body(page) == [
        ["Bergen", "50.00", "20.00", "70.00"],
        ["Oslo", "20.00", "30.00", "50.00"],
        ["Total", "70.00", "50.00", "120.00"],
    ]
    assert "Region: North" in page.inner_text("#explorer-filters")
    assert _chart_series(page)[0]["x"] == ["Bergen", "Oslo"]

    page.go_back()
    page.wait_for_selector("#pivot-table tbody th[data-member=South]")
    assert [row[0] for row in _body(page)] == ["North", "South", "Total"]


def test_the_explorer_in_chinese(page, warehouse):
    create_user("li", role="analyst", password=PASSWORD, language="zh-hans")
    _sign_in(page, "li")
    _pivot_region_by_year(page)
    assert page.inner_text("h1") == "透视分析"
    assert page.inner_text("#pivot-table thead th.level").startswith("地区")
    assert _body(page)[-1] == ["合计", "70.00", "150.00", "220.00"]
    assert "按地区的净销售额" in page.inner_text("figure[data-chart=pivot] figcaption")
    assert [s["y"] for s in _chart_series(page)] == [[70, None], [50, 100]]

    page.click("#pivot-table thead th[data-member='2026'] a")  # drill into a year's quarters
    page.wait_for_url("**filter_year=2026**")
    page.wait_for_selector(PLOT)
    assert "2026-Q1" in page.inner_text("#pivot-table thead")
    page.click("#pivot-table a.drill-up[data-up=quarter]")
    page.wait_for_url("**columns=year**")
    page.wait_for_selector(PLOT)
    assert page.locator("#explorer-filters .chips").count() == 0  # the year's filter went
    assert [s["name"] for s in _chart_series(page)] == ["2025", "2026"]
    _fits_a_phone(page)
