"""The Gantt chart of an event's plan (kehu.crm.charts draws it): a bar per work item
from its start to its finish as forecast, critical items in their own colour, finished
ones apart, and lines at today and at the event's first day; each bar opens the item."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time

import plotly.graph_objects as go
from django.urls import reverse
from django.utils import dateformat, translation
from django.utils.formats import get_format
from django.utils.translation import gettext as _

from kehu.crm.charts import PALETTE, Chart, ChartTable, link_points, plotly_text, styled
from kehu.crm.events.queries import ItemRow, Plan

COLOURS = {"critical": PALETTE[5], "other": PALETTE[0], "done": PALETTE[2]}
DAY_MS = 86_400_000


def _group(row: ItemRow) -> str:
    if row.finished:
        return "done"
    return "critical" if row.critical else "other"


def _label(n: int, row: ItemRow) -> str:
    return f"{n}. {plotly_text(row.item.name)}"


def _line(figure: go.Figure, day: date, text: str, colour: str, dash: str) -> None:
    at = datetime.combine(day, time()).isoformat()
    figure.add_shape(
        type="line",
        xref="x",
        yref="paper",
        x0=at,
        x1=at,
        y0=0,
        y1=1,
        line={"color": colour, "width": 2, "dash": dash},
    )
    figure.add_annotation(
        x=at,
        y=1,
        xref="x",
        yref="paper",
        text=text,
        showarrow=False,
        yanchor="bottom",
        font={"color": colour},
    )


def _short_dates() -> Callable[[date], str]:
    """Format a date as the page's language writes it short (the format looked up
    once, not per bar)."""
    pattern = get_format("SHORT_DATE_FORMAT")
    return lambda day: dateformat.format(day, pattern)


def _item_urls(rows: list[ItemRow]) -> list[str]:
    """Each item's page, reversed once for all (a plan may have thousands)."""
    marker = 987654321
    pattern = reverse("events:item_edit", args=[marker])
    return [pattern.replace(str(marker), str(r.item.pk)) for r in rows]


def gantt_chart(plan: Plan) -> Chart:
    rows = [r for _phase, phase_rows in plan.phases for r in phase_rows]
    short = _short_dates()
    urls = _item_urls(rows)
    labels = [_label(n, r) for n, r in enumerate(rows, start=1)]
    names = {
        "critical": _("Critical"),
        "other": _("With slack"),
        "done": _("Finished"),
    }
    figure = go.Figure()
    for group, colour in COLOURS.items():
        members = [k for k, r in enumerate(rows) if _group(r) == group]
        if not members:
            continue
        bar = go.Bar(
            orientation="h",
            name=names[group],
            y=[labels[k] for k in members],
            base=[rows[k].early_start.isoformat() for k in members],
            # at least a sliver for a milestone (0 days), so that it shows
            x=[
                max((rows[k].early_finish - rows[k].early_start).days, 0.15) * DAY_MS
                for k in members
            ],
            marker_color=colour,
            customdata=[
                [short(rows[k].early_start), short(rows[k].early_finish), rows[k].slack]
                for k in members
            ],
            hovertemplate="%{y}<br>%{customdata[0]} – %{customdata[1]}<br>"
            + _("Slack: %(days)s days") % {"days": "%{customdata[2]}"}
            + "<extra></extra>",
        )
        link_points(bar, [urls[k] for k in members])
        figure.add_trace(bar)
    styled(figure)
    figure.update_layout(barmode="overlay", bargap=0.3)
    # Plotly names months in English only: a Chinese page gets its dates as numbers
    if translation.get_language().startswith("zh"):
        figure.update_xaxes(type="date", tickformat="%Y年%-m月%-d日")
    else:
        figure.update_xaxes(type="date")
    figure.update_yaxes(categoryorder="array", categoryarray=labels, autorange="reversed")
    _line(figure, plan.today, _("Today"), "#000000", "dot")
    _line(figure, plan.event.starts_on, _("Event starts"), PALETTE[3], "dash")
    yes, no = _("Yes"), _("No")
    table = ChartTable(
        headers=[
            _("Work item"),
            _("Phase"),
            _("Start"),
            _("Finish"),
            _("Slack (days)"),
            _("Critical"),
        ],
        rows=[
            [
                r.item.name,
                r.item.phase.name,
                r.early_start,
                r.early_finish,
                r.slack,
                yes if r.critical else no,
            ]
            for r in rows
        ],
    )
    return Chart(
        key="gantt",
        title=_("Gantt chart"),
        figure=figure,
        table=table,
        height=max(220, 90 + 26 * len(rows)),
        summary=_("A bar per work item from its start to its finish as forecast."),
    )
