"""The charts of a person's page, month by month: revenue against target, win rate,
pipeline created (:mod:`kehu.crm.charts`)."""

from __future__ import annotations

import plotly.graph_objects as go
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from kehu.crm.charts import Chart, ChartTable, styled
from kehu.crm.performance.queries import Month


def _label(month: Month) -> str:
    """The month as 2026-01: short enough for an axis, alike in every language."""
    return month.start.strftime("%Y-%m")


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def revenue_chart(months: list[Month]) -> Chart:
    labels = [_label(m) for m in months]
    figure = go.Figure(
        [
            go.Bar(x=labels, y=[float(m.revenue) for m in months], name=_("Revenue")),
            go.Scatter(
                x=labels,
                y=[None if m.target is None else float(m.target) for m in months],
                name=_("Target"),
                mode="lines+markers",
                line={"dash": "dash"},
            ),
        ]
    )
    figure.update_yaxes(title_text=_("Amount"))
    styled(figure, legend=True)
    return Chart(
        key="revenue-target",
        title=_("Revenue against target by month"),
        figure=figure,
        table=ChartTable(
            headers=[_("Month"), _("Revenue"), _("Target"), _("Attainment %")],
            rows=[[_label(m), m.revenue, m.target, _percent(m.attainment)] for m in months],
        ),
        summary=_("Bars: revenue of the orders the person took; dashed line: their target."),
    )


def win_rate_chart(months: list[Month]) -> Chart:
    labels = [_label(m) for m in months]
    figure = go.Figure(
        go.Scatter(
            x=labels,
            y=[_percent(m.win_rate) for m in months],
            mode="lines+markers",
            name=_("Win rate %"),
            connectgaps=False,
        )
    )
    figure.update_yaxes(title_text=_("Win rate %"), range=[0, 105])
    return Chart(
        key="win-rate",
        title=_("Win rate by month"),
        figure=styled(figure, legend=False),
        table=ChartTable(
            headers=[_("Month"), _("Won"), pgettext("opportunity stage", "Lost"), _("Win rate %")],
            rows=[[_label(m), m.n_won, m.n_lost, _percent(m.win_rate)] for m in months],
        ),
        summary=_("Deals won of the deals closed (won or lost) each month."),
    )


def pipeline_chart(months: list[Month]) -> Chart:
    labels = [_label(m) for m in months]
    figure = go.Figure(
        go.Bar(
            x=labels,
            y=[float(m.created_amount) for m in months],
            customdata=[[m.n_created] for m in months],
            hovertemplate="%{x}: %{y:,.2f} (%{customdata[0]})<extra></extra>",
            name=_("Pipeline created"),
        )
    )
    figure.update_yaxes(title_text=_("Amount"))
    return Chart(
        key="pipeline-created",
        title=_("Pipeline created by month"),
        figure=styled(figure, legend=False),
        table=ChartTable(
            headers=[_("Month"), _("Opportunities"), _("Amount")],
            rows=[[_label(m), m.n_created, m.created_amount] for m in months],
        ),
        summary=_("The amount of the opportunities the person opened each month."),
    )


def person_charts(months: list[Month]) -> list[Chart]:
    charts = [revenue_chart(months), win_rate_chart(months), pipeline_chart(months)]
    for chart in charts:
        # the months as written (2026-01), not read as dates: plotly would name them
        # in English ("Jan 2026") on a Chinese page
        chart.figure.update_xaxes(type="category")
    return charts
