"""The pipeline by stage on the opportunity board: its rows from the board's columns,
checked by hand, and the chart on the board (and on the board htmx swaps in after a
move) with a bar per stage leading to the opportunity list of that stage."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from kehu.crm.sales.models import Opportunity
from kehu.crm.sales.pipeline_charts import pipeline_chart, stage_rows
from kehu.crm.sales.queries import BoardColumn

pytestmark = pytest.mark.django_db
LIST = reverse("sales:opportunity_list")


def test_stage_rows_weigh_only_the_open_stages_and_carry_the_board_filters():
    columns = [
        BoardColumn("proposal", "Proposal", 2, Decimal("300"), Decimal("150")),
        BoardColumn("won", "Won", 1, Decimal("500"), Decimal("500")),
    ]
    rows = stage_rows(columns, {"q": "tea", "mine": "", "customer": "7"})
    assert [(r.stage, r.n, r.amount, r.weighted) for r in rows] == [
        ("proposal", 2, Decimal("300"), Decimal("150")),
        ("won", 1, Decimal("500"), None),
    ]
    assert rows[0].url == f"{LIST}?stage=proposal&q=tea&customer=7"


def test_pipeline_chart_table_has_a_row_per_stage():
    rows = stage_rows(
        [BoardColumn("qualification", "Qualification", 3, Decimal("30"), Decimal("3"))], {}
    )
    chart = pipeline_chart(rows, {})
    assert chart.key == "pipeline-by-stage" and chart.link == LIST
    assert [list(r) for r in chart.table.rows] == [["Qualification", 3, "30.00", "3.00"]]
    bar = chart.figure.data[0]
    assert list(bar.y) == [30.0] and bar.customdata[0][-1] == f"{LIST}?stage=qualification"


def _figure(page: str) -> str:
    found = re.search(
        r'<figure class="chart" data-chart="pipeline-by-stage">(.*?)</figure>', page, re.S
    )
    assert found, "no pipeline chart"
    return found.group(1)


def _table(part: str) -> list[list[str]]:
    body = re.search(r"<tbody>(.*?)</tbody>", part, re.S).group(1)
    return [
        [
            re.sub(r"<[^>]+>", "", c).strip()
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def test_the_board_draws_the_pipeline_by_stage(
    admin_user, make_customer, make_opportunity, client_for
):
    customer = make_customer()
    make_opportunity(customer, name="A", amount=Decimal("100"), stage="qualification")
    make_opportunity(customer, name="B", amount=Decimal("250"), stage="qualification")
    make_opportunity(customer, name="C", amount=Decimal("1000"), stage="won")
    page = client_for(admin_user).get(reverse("sales:opportunity_board")).content.decode()
    rows = _table(_figure(page))
    assert [r[0] for r in rows] == [str(label) for _v, label in Opportunity.Stage.choices]
    assert rows[0] == ["Qualification", "2", "350.00", "35.00"]  # 10% each when qualifying
    assert rows[4] == ["Won", "1", "1,000.00", "—"]
    data = json.loads(
        re.search(r'class="chart-figure">(.*?)</script>', _figure(page), re.S).group(1)
    )
    urls = [p[-1] for p in data["data"][0]["customdata"]]
    assert urls == [f"{LIST}?stage={stage}" for stage in Opportunity.Stage.values]
    assert 'id="column-qualification"' in page  # the kanban stays


def test_a_move_returns_the_board_with_the_chart_updated(
    sales_user, make_customer, make_opportunity, client_for
):
    opportunity = make_opportunity(make_customer(owner=sales_user), amount=Decimal("100"))
    response = client_for(sales_user).post(
        reverse("sales:opportunity_move", args=[opportunity.pk]),
        {"stage": "proposal", "q": "Deal"},
        HTTP_HX_REQUEST="true",
    )
    rows = {r[0]: r for r in _table(_figure(response.content.decode()))}
    assert rows["Proposal"][1:3] == ["1", "100.00"] and rows["Qualification"][1] == "0"
    data = json.loads(
        re.search(r'class="chart-figure">(.*?)</script>', response.content.decode(), re.S).group(1)
    )
    assert data["data"][0]["customdata"][2][-1] == f"{LIST}?stage=proposal&q=Deal"


def test_the_pipeline_chart_reads_in_chinese(
    admin_user, make_customer, make_opportunity, client_for
):
    from kehu.crm.accounts.actions import set_language

    set_language(admin_user, "zh-hans")
    make_opportunity(make_customer(), amount=Decimal("10"))
    page = client_for(admin_user).get(reverse("sales:opportunity_board")).content.decode()
    part = _figure(page)
    assert "Pipeline by stage" not in part and "Weighted" not in part and "Amount" not in part
