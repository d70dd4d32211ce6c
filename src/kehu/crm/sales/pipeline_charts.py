"""The pipeline by stage on the opportunity board (kehu.crm.charts draws it): per stage
the amount of its opportunities and, for the open stages, the amount weighted by their
win probability; each stage's bars open the opportunity list filtered by that stage
(and by what the board is filtered by)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import plotly.graph_objects as go
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from kehu.crm.charts import PALETTE, Chart, ChartTable, link_points, styled
from kehu.crm.sales.models import Opportunity
from kehu.crm.sales.queries import BoardColumn

STAGE_COLOURS = {"won": PALETTE[2], "lost": PALETTE[5]}  # open stages: PALETTE[0]


@dataclass(frozen=True)
class StageRow:
    stage: str
    label: str
    n: int
    amount: Decimal
    weighted: Decimal | None  # None: a closed stage, where nothing is left to weigh
    url: str


def _money(amount: Decimal | None) -> str | None:
    """As the board writes amounts: two decimals, grouped, in the page's language."""
    return None if amount is None else number_format(amount, 2, force_grouping=True)


def _list_url(filters: dict[str, str]) -> str:
    given = {k: v for k, v in filters.items() if v}
    base = reverse("sales:opportunity_list")
    return f"{base}?{urlencode(given)}" if given else base


def stage_rows(columns: list[BoardColumn], filters: dict[str, str]) -> list[StageRow]:
    """The board's columns (counts and sums already grouped) as chart rows, in stage
    order; ``filters`` are the board's (q, mine, customer), carried to the list."""
    return [
        StageRow(
            stage=c.stage,
            label=c.label,
            n=c.n,
            amount=c.amount,
            weighted=c.weighted if c.stage in Opportunity.OPEN_STAGES else None,
            url=_list_url({"stage": c.stage, **filters}),
        )
        for c in columns
    ]


def pipeline_chart(rows: list[StageRow], filters: dict[str, str]) -> Chart:
    """Bars of amount per stage (open, won, lost coloured apart), the weighted amount of
    the open stages beside them, the number of opportunities on each bar; the chart
    leads to the opportunity list filtered as the board is."""
    labels = [r.label for r in rows]
    urls = [r.url for r in rows]
    amount = go.Bar(
        x=labels,
        y=[float(r.amount) for r in rows],
        name=_("Amount"),
        marker_color=[STAGE_COLOURS.get(r.stage, PALETTE[0]) for r in rows],
        text=[f"{r.n:,}" for r in rows],
        textposition="outside",
        customdata=[[r.n] for r in rows],
        hovertemplate=_("%{x}: %{customdata[0]:,} opportunities, %{y:,.2f}") + "<extra></extra>",
    )
    weighted = go.Bar(
        x=labels,
        y=[None if r.weighted is None else float(r.weighted) for r in rows],
        name=_("Weighted"),
        marker_color=PALETTE[4],
        hovertemplate=_("%{x}: weighted %{y:,.2f}") + "<extra></extra>",
    )
    figure = go.Figure([link_points(amount, urls), link_points(weighted, urls)])
    figure.update_layout(barmode="group")
    figure.update_yaxes(title_text=_("Amount"), rangemode="tozero")
    figure.update_xaxes(title_text=_("Stage"))
    return Chart(
        key="pipeline-by-stage",
        title=_("Pipeline by stage"),
        figure=styled(figure, legend=True),
        table=ChartTable(
            headers=[_("Stage"), _("Opportunities"), _("Amount"), _("Weighted")],
            rows=[[r.label, r.n, _money(r.amount), _money(r.weighted)] for r in rows],
        ),
        link=_list_url(filters),
        link_label=_("Open the opportunities"),
        summary=_(
            "The number on each bar is the stage's opportunities; click a stage to list them."
        ),
    )
