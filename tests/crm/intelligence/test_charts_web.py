"""The charts on the intelligence pages of a scored demo CRM: each is on the page with
its data as a table, the tables agree with what the run stored, and the bars of the
latest run open the customer list filtered by what they count."""

from __future__ import annotations

import html
import json
import re

import pytest
from django.urls import reverse

from kehu.crm.intelligence.models import CustomerValue, Segment
from kehu.crm.intelligence.templatetags.intelligence import segment_label

pytestmark = pytest.mark.django_db

OVERVIEW_CHARTS = (
    "value-pyramid",
    "pareto",
    "p-alive",
    "clv",
    "cohorts",
    "segments",
    "churn-reasons",
    "sales-forecast",
)


def figure(page: str, key: str) -> str:
    found = re.search(rf'<figure class="chart" data-chart="{key}">(.*?)</figure>', page, re.S)
    assert found, f"no chart {key}"
    return found.group(1)


def table_rows(part: str) -> list[list[str]]:
    body = re.search(r"<tbody>(.*?)</tbody>", part, re.S).group(1)
    return [
        [
            html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def plot(part: str) -> dict:
    data = re.search(
        r'<script type="application/json" class="chart-figure">(.*?)</script>', part, re.S
    )
    return json.loads(data.group(1))


def number(text: str) -> int:
    return int(text.replace(",", ""))


@pytest.fixture
def overview_page(scored, analyst_user, client_for) -> str:
    return client_for(analyst_user).get(reverse("intelligence:overview")).content.decode()


def test_the_overview_draws_every_chart_of_the_run(overview_page):
    for key in OVERVIEW_CHARTS:
        assert figure(overview_page, key)
    # the tables stay beside the charts
    assert 'id="pyramid"' in overview_page and 'id="cohorts"' in overview_page


def test_the_pyramid_table_and_links_follow_the_stored_tiers(scored, overview_page):
    part = figure(overview_page, "value-pyramid")
    tiers = scored.second.overview["pyramid"]
    rows = table_rows(part)
    assert [r[0] for r in rows] == [t["tier"] for t in tiers]  # Platinum first
    assert [number(r[1]) for r in rows] == [t["n"] for t in tiers]
    assert rows[0][3] == f"{100 * tiers[0]['spend_share']:.1f}%"
    urls = [point[-1] for point in plot(part)["data"][0]["customdata"]]
    assert urls == [f"/customers/?tier={t['tier']}" for t in tiers]


def test_the_distributions_count_every_buyer_of_the_run(scored, overview_page):
    buyers = CustomerValue.objects.filter(run=scored.second, p_alive__isnull=False).count()
    rows = table_rows(figure(overview_page, "p-alive"))
    assert len(rows) == 10 and rows[0][0] == "0.0–0.1"
    assert sum(number(r[1]) for r in rows) == buyers
    with_clv = CustomerValue.objects.filter(run=scored.second, predicted_clv__isnull=False)
    assert sum(number(r[1]) for r in table_rows(figure(overview_page, "clv"))) == with_clv.count()
    first_bar = plot(figure(overview_page, "p-alive"))["data"][0]["customdata"][3][-1]
    assert first_bar == "/customers/?min_p_alive=0.3&sort=p_alive"


def test_the_pareto_curve_meets_the_stored_top_20_percent(scored, overview_page):
    part = figure(overview_page, "pareto")
    stored = scored.second.overview["pareto"]["top20_share"]
    assert f"{100 * stored:.1f}%" in part  # the summary: the top 20% make ...
    rows = table_rows(part)
    assert [r[0] for r in rows] == [f"{10 * i}%" for i in range(1, 11)]
    assert rows[-1][1] == "100.0%"


def test_the_cohort_heatmap_has_a_row_per_stored_cohort(scored, overview_page):
    cohorts = scored.second.overview["cohorts"]["rows"]
    rows = table_rows(figure(overview_page, "cohorts"))
    assert [r[0] for r in rows] == [c["cohort"] for c in cohorts]
    assert len(rows[0]) == 2 + 12


def test_the_segment_chart_has_a_bar_per_segment_leading_to_its_page(scored, overview_page):
    segments = list(Segment.objects.filter(run=scored.second).order_by("key"))
    part = figure(overview_page, "segments")
    assert [r[0] for r in table_rows(part)] == [html.unescape(segment_label(s)) for s in segments]
    urls = [point[-1] for point in plot(part)["data"][0]["customdata"]]
    assert urls == [reverse("intelligence:segment", args=[s.key]) for s in segments]


def test_the_churn_reasons_and_forecast_come_from_the_run(scored, overview_page):
    reasons = table_rows(figure(overview_page, "churn-reasons"))
    assert reasons and all(number(r[1]) > 0 for r in reasons)
    counts = [number(r[1]) for r in reasons]
    assert counts == sorted(counts, reverse=True)
    forecast = scored.second.mining["sales"]["total"]["series"][0]
    rows = table_rows(figure(overview_page, "sales-forecast"))
    assert len(rows) == len(forecast["history"]) + len(forecast["forecast"])
    assert rows[-1][0] == forecast["forecast"][-1][0]


def test_an_earlier_run_draws_its_own_charts_without_links(scored, analyst_user, client_for):
    url = reverse("intelligence:run", args=[scored.first.pk])
    page = client_for(analyst_user).get(url).content.decode()
    part = figure(page, "value-pyramid")
    assert [number(r[1]) for r in table_rows(part)] == [
        t["n"] for t in scored.first.overview["pyramid"]
    ]
    assert "customdata" not in json.dumps(plot(part)["data"][0])
    assert 'data-chart="churn-reasons"' not in page  # explanations are the latest run's


def test_the_overview_charts_read_in_chinese(scored, analyst_user, client_for):
    from kehu.crm.accounts.actions import set_language

    set_language(analyst_user, "zh-hans")
    page = client_for(analyst_user).get(reverse("intelligence:overview")).content.decode()
    assert "各层级的客户与消费" in figure(page, "value-pyramid")
    assert "Share of customers" not in page and "Cumulative share of spend" not in page


def test_segment_pages_draw_sizes_and_traits(scored, analyst_user, client_for):
    c = client_for(analyst_user)
    listing = c.get(reverse("intelligence:segments")).content.decode()
    segments = list(Segment.objects.filter(run=scored.second).order_by("key"))
    assert len(table_rows(figure(listing, "segments"))) == len(segments)
    segment = next(s for s in segments if s.traits)
    page = c.get(reverse("intelligence:segment", args=[segment.key])).content.decode()
    rows = table_rows(figure(page, "segment-traits"))
    assert sorted(float(r[3]) for r in rows) == sorted(round(t["z"], 2) for t in segment.traits)


def test_every_bar_opens_a_customer_list_that_reads_its_filter(
    scored, overview_page, analyst_user, client_for
):
    c = client_for(analyst_user)
    for key in ("value-pyramid", "p-alive", "clv"):
        for point in plot(figure(overview_page, key))["data"][0]["customdata"]:
            assert c.get(point[-1]).status_code == 200, point[-1]
