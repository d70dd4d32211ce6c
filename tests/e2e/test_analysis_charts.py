"""The analytical pages' charts in a real browser, after an analysis run on 300 demo
customers: the intelligence overview, a segment's page, the pipeline board and the
service-level page each draw every chart with data (Plotly's SVG in the figure, rows in
its "Show as table"), in English and in Chinese; a pyramid tier opens its customers."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.test import override_settings

from kehu.crm.accounts.actions import create_user, set_language
from kehu.crm.intelligence import actions as intelligence
from kehu.crm.intelligence.models import Segment

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
PASSWORD = "a-long-enough-secret"
OVERVIEW = (
    "value-pyramid",
    "pareto",
    "p-alive",
    "clv",
    "cohorts",
    "segments",
    "churn-reasons",
    "sales-forecast",
)
# what each chart is called in each language: the figure's caption
CAPTIONS = {
    "en": {
        "value-pyramid": "Customers and spend by tier",
        "pipeline-by-stage": "Pipeline by stage",
    },
    "zh-hans": {"value-pyramid": "各层级的客户与消费", "pipeline-by-stage": "各阶段销售漏斗"},
}


@pytest.fixture
def analysed(db):
    """300 demo customers (with their opportunities and tickets, under the default
    service levels), one analysis run, and an administrator."""
    from kehu.crm.demo.load import load_demo

    importlib.import_module("kehu.crm.service.migrations.0005_sla_defaults").add_defaults(
        apps, None
    )
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        load_demo(300, seed=3)
    intelligence.execute_run(intelligence.request_run())
    user, _pw = create_user("boss", role="admin", password=PASSWORD)
    return user


def _sign_in(page) -> None:
    page.goto("/login/")
    page.fill("#id_username", "boss")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def _drawn_with_data(page, key: str) -> list[str]:
    """Waits for the chart's plot; returns its table's first cells (none: no data)."""
    figure = f"figure[data-chart={key}]"
    page.wait_for_selector(f"{figure} .js-plotly-plot .main-svg", state="attached")
    page.wait_for_selector(f"{figure}.chart-drawn", state="attached")  # newPlot resolved
    marks = page.locator(f"{figure} .main-svg .overplot :is(.trace, .hm)").count()
    assert marks > 0, f"{key}: the plot is empty"
    cells = page.locator(f"{figure} table tbody tr > :first-child").all_inner_texts()
    assert cells and "No data yet." not in cells, f"{key}: no rows in its table"
    return cells


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_analytical_chart_draws_with_data(page, analysed, language):
    set_language(analysed, language)
    _sign_in(page)
    captions = CAPTIONS[language]

    page.goto("/intelligence/")
    for key in OVERVIEW:
        _drawn_with_data(page, key)
    caption = page.locator("figure[data-chart=value-pyramid] figcaption").inner_text()
    assert caption == captions["value-pyramid"]

    segment = Segment.objects.exclude(traits=[]).order_by("key").first()
    page.goto(f"/intelligence/segments/{segment.key}/")
    assert len(_drawn_with_data(page, "segment-traits")) == len(segment.traits)
    page.goto("/intelligence/segments/")
    _drawn_with_data(page, "segments")

    page.goto("/sales/opportunities/board/")
    assert len(_drawn_with_data(page, "pipeline-by-stage")) == 6  # every stage
    caption = page.locator("figure[data-chart=pipeline-by-stage] figcaption").inner_text()
    assert caption == captions["pipeline-by-stage"]

    page.goto("/service/sla/?days=365")
    assert len(_drawn_with_data(page, "sla-over-time")) >= 12  # a year by month
    _drawn_with_data(page, "sla-by-tier")
    if language == "zh-hans":
        legend = page.locator("figure[data-chart=sla-over-time] .legend").text_content()
        assert "on time" not in legend.lower() and "按时" in legend
    else:
        _a_pyramid_tier_opens_its_customers(page)


def _a_pyramid_tier_opens_its_customers(page) -> None:
    page.goto("/intelligence/")
    _drawn_with_data(page, "value-pyramid")
    spend = page.locator("figure[data-chart=value-pyramid] .trace.bars").nth(1)
    bar = spend.locator(".point path").first  # the top tier (Platinum)
    bar.scroll_into_view_if_needed()
    box = bar.bounding_box()
    # as a user does: Plotly's drag layer over the bars finds the bar hovered, then clicked
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.wait_for_selector("figure[data-chart=value-pyramid] .hoverlayer .hovertext")
    page.mouse.click(x, y)
    page.wait_for_url("**/customers/?tier=*")
    assert "tier=Platinum" in page.url
