"""A dashboard panel drawn as a chart (:mod:`kehu.crm.charts`): bars side by side or
stacked, horizontal bars, or lines, one trace per series, each point opening the list
behind it; the same numbers as a table for screen readers and "Show as table"."""

from __future__ import annotations

from decimal import Decimal

import plotly.graph_objects as go
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from kehu.crm.charts import Cell, Chart, ChartTable, link_points, plotly_text, styled
from kehu.crm.screens.dashboards.base import Number, Panel, Series


def _number(value: Number | None) -> float | None:
    return None if value is None else float(value)


def _trace(panel: Panel, series: Series) -> go.Trace:
    # campaign and segment names are typed by users: shown as typed, not read as tags
    labels = [plotly_text(str(point.label)) for point in series.points]
    values = [_number(point.value) for point in series.points]
    name = plotly_text(str(series.name))
    if panel.kind == "line":
        trace = go.Scatter(x=labels, y=values, name=name, mode="lines+markers", connectgaps=False)
    elif panel.kind == "hbar":
        trace = go.Bar(x=values, y=labels, name=name, orientation="h")
    else:
        trace = go.Bar(x=labels, y=values, name=name)
    return link_points(trace, [point.url for point in series.points])


def _cell(panel: Panel, value: Number | None) -> Cell:
    if value is None:
        return None
    if panel.percent:
        return f"{number_format(float(value) * 100, 1)}%"
    if panel.money:
        return Decimal(value).quantize(Decimal(1)) if not isinstance(value, int) else value
    return value


def table_of(panel: Panel) -> ChartTable:
    """Category by category, one column per series."""
    headers = [panel.y_title if panel.kind == "hbar" else panel.x_title]
    headers += [series.name for series in panel.series]
    rows = [
        [label, *(_cell(panel, series.points[i].value) for series in panel.series)]
        for i, label in enumerate(panel.categories)
    ]
    return ChartTable(headers=headers, rows=rows)


def chart_of(panel: Panel) -> Chart:
    figure = go.Figure([_trace(panel, series) for series in panel.series])
    value_axis: dict[str, object] = {
        "title": str(panel.y_title if panel.kind != "hbar" else panel.x_title),
        "rangemode": "tozero",
    }
    if panel.percent:
        value_axis["tickformat"] = ".0%"
    elif panel.money:
        value_axis["tickformat"] = ",.0f"  # plotly's SI suffixes would write 0.5 as 500m
    if panel.value_range is not None:
        value_axis["range"] = list(panel.value_range)
    elif not panel.has_data:  # an empty chart: a zero line, not a -1 to 1 scale
        value_axis.update(range=[0, 1], tickvals=[0])
    # categories as written: plotly would read a date-like label as a date and name it
    # in English on a Chinese page
    category_axis = {
        "title": str(panel.x_title if panel.kind != "hbar" else panel.y_title),
        "type": "category",
    }
    if panel.kind == "hbar":
        figure.update_layout(xaxis=value_axis, yaxis=category_axis)
    else:
        figure.update_layout(xaxis=category_axis, yaxis=value_axis)
    figure.update_layout(barmode="stack" if panel.kind == "stack" else "group")
    styled(figure, legend=len(panel.series) > 1)
    return Chart(
        key=panel.key,
        title=panel.title,
        figure=figure,
        table=table_of(panel),
        link=panel.link,
        link_label=panel.link_label or None,
        summary=panel.summary or (None if panel.has_data else _("Nothing to show yet.")),
    )
