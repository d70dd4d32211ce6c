"""The pivot's chart: the first measure over the rows, one series per column member
(bars; lines when the rows are periods). Clicking a bar drills into its row."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
from django.utils.translation import gettext as _

from kehu.crm.charts import Chart, ChartTable, link_points, plotly_text, styled
from kehu.crm.reports.labels import level_label, measure_label, member_label
from kehu.crm.reports.table import PivotTable, ValueColumn
from kehu.insight import olap

MAX_POINTS = 60  # rows charted: the first ones, in the table's order
MAX_SERIES = 8  # column members charted as their own series (the palette's colours)


def pivot_chart(table: PivotTable, measures: Sequence[str], base_url: str) -> Chart | None:
    """The chart of ``table``'s first measure, or None when it has no rows to chart."""
    if not table.body or not measures:
        return None
    measure = measures[0]
    series = _series(table, measure)
    # the rows outside a top N, summed, would dwarf the ranked ones
    rows = [r for r in table.body if r.headers[0].member != olap.OTHER_MEMBER][:MAX_POINTS]
    if not rows:
        return None
    labels = [" · ".join(h.label for h in row.headers) for row in rows]
    is_period = bool(table.rows) and olap.LEVELS[table.rows[-1]].dimension == "date"
    figure = go.Figure()
    for name, index in series:
        values = [row.cells[index].number for row in rows]
        # customer and product names are typed by users: shown as typed, not read as tags
        x, shown_name = [plotly_text(label) for label in labels], plotly_text(name)
        trace = (
            go.Scatter(x=x, y=values, name=shown_name, mode="lines+markers")
            if is_period
            else go.Bar(x=x, y=values, name=shown_name)
        )
        links = [_drill_link(base_url, row.headers) for row in rows]
        if any(links):
            link_points(trace, links)
        figure.add_trace(trace)
    figure.update_layout(
        xaxis_title=" · ".join(str(level_label(level)) for level in table.rows),
        yaxis_title=str(measure_label(measure)),
        barmode="group",
    )
    figure.update_xaxes(type="category")
    figure.update_yaxes(rangemode="tozero")  # a line of one period does not zoom on itself
    styled(figure, legend=len(series) > 1)
    headers = [" · ".join(table.row_level_labels), *[name for name, _index in series]]
    data = [
        [label, *(row.cells[i].number for _n, i in series)]
        for label, row in zip(labels, rows, strict=True)
    ]
    summary = None
    if len(rows) < len(table.body) and len(table.body) > MAX_POINTS:
        summary = _("The chart shows the first %(n)s rows of %(total)s.") % {
            "n": MAX_POINTS,
            "total": len(table.body),
        }
    return Chart(
        key="pivot",
        title=_("%(measure)s by %(level)s")
        % {"measure": measure_label(measure), "level": headers[0]},
        figure=figure,
        table=ChartTable(headers=headers, rows=data),
        summary=summary,
        height=360,
    )


def _series(table: PivotTable, measure: str) -> list[tuple[str, int]]:
    """(name, index of the value column) of each series: a column member's value of
    ``measure``, or its total when there are more members than colours."""
    plain = [
        (i, col)
        for i, col in enumerate(table.value_columns)
        if col.measure == measure and col.variant == ""
    ]
    members = [(i, col) for i, col in plain if col.column]
    if members and len(members) <= MAX_SERIES:
        return [(_series_name(table, col), i) for i, col in members]
    total = [i for i, col in plain if not col.column]
    series = [(str(measure_label(measure)), total[0])] if total else []
    earlier = [
        (col.label(), i)
        for i, col in enumerate(table.value_columns)
        if col.measure == measure and col.variant == "previous_year" and not col.column
    ]
    return series + earlier[:1]  # last year beside this one, when comparing


def _series_name(table: PivotTable, column: ValueColumn) -> str:
    return " · ".join(
        str(member_label(level, member))
        for level, member in zip(table.columns, column.column, strict=False)
    )


def _drill_link(base_url: str, headers: Sequence[object]) -> str | None:
    drill = getattr(headers[-1], "drill", None) if headers else None
    return base_url + drill if drill else None
