"""Charts for every page, drawn by Plotly in the browser from a figure built in Python.

A page builds a :class:`Chart` (a plotly figure, a title, the data as a table, and where
it leads) and draws it with ``{% load charts %}{% chart chart %}``
(:mod:`kehu.crm.chart_tags`). What every chart shares is decided here, once:

- the palette is Okabe and Ito's, which readers with any common colour-vision deficiency
  can tell apart (:data:`PALETTE`);
- no mode bar: its buttons are English-only tooltips, and the data is one click away as
  a table anyway (:func:`styled`, ``static/kehu/charts.js``);
- each chart carries its data as a table for screen readers, printing and copying
  (:class:`ChartTable`);
- clicking a point can open the list behind it (:func:`link_points`): same-site paths
  only, so a figure can never send a user elsewhere.

The figure travels as JSON in a ``<script type="application/json">`` (data, not code: the
Content-Security-Policy allows no inline script) and ``charts.js`` draws every chart on
the page, including those htmx swaps in. plotly.min.js is served from the plotly Python
package (:mod:`kehu.crm.plotly_static`), so charts work offline.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import plotly.graph_objects as go
from django.utils.formats import number_format
from django.utils.functional import Promise
from plotly.io.json import to_json_plotly

# Okabe & Ito (2008), "Color Universal Design": eight colours safe for colour-blind
# readers; black last, since it reads as text.
PALETTE = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
)
# One hue from light to dark for heatmaps: readable in grey and by colour-blind readers.
SEQUENTIAL = ((0.0, "#f7fbff"), (0.5, "#6baed6"), (1.0, "#08306b"))
FONT = "system-ui, -apple-system, 'Segoe UI', 'Noto Sans CJK SC', 'PingFang SC', sans-serif"

_JSON_IN_HTML = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}

Cell = str | int | float | Decimal | date | datetime | Promise | None


@dataclass(frozen=True)
class ChartTable:
    """The chart's data as rows under headers: what a screen reader reads and what
    "Show as table" shows. Numbers are formatted for the page's language when drawn."""

    headers: Sequence[str | Promise]
    rows: Sequence[Sequence[Cell]]


@dataclass(frozen=True)
class Chart:
    key: str
    title: str | Promise
    figure: go.Figure
    table: ChartTable
    link: str | None = None
    link_label: str | Promise | None = None
    summary: str | Promise | None = None
    height: int = 320

    def __post_init__(self) -> None:
        if not self.key or not all(c.isalnum() or c in "-_" for c in self.key):
            raise ValueError(f"a chart key is letters, digits, - and _: {self.key!r}")
        if self.link is not None and not _same_site(self.link):
            raise ValueError(f"a chart links only within the site: {self.link!r}")

    @property
    def plot_height(self) -> int:
        """Pixels: the figure's own height when it sets one, else the chart's."""
        return int(self.figure.layout.height or self.height)

    def figure_json(self) -> str:
        """The figure as plotly JSON, at :attr:`plot_height`."""
        # the figure's own dict, not a copy of the figure: copying validates every
        # property again, half of a chart's server time
        spec = self.figure.to_plotly_json()
        spec["layout"] = {**spec.get("layout", {}), "height": self.plot_height}
        # escaped like Django's json_script: a customer named "</script>" stays data
        return to_json_plotly(spec).translate(_JSON_IN_HTML)


def styled(figure: go.Figure, *, legend: bool | None = None) -> go.Figure:
    """The house look: palette, fonts, tight margins, a transparent background, axis
    lines light enough to read the data over them, and the legend above the plot (below
    it, the legend meets the axis title and the tick labels a phone's width tilts).
    Returns the same figure."""
    figure.update_layout(
        colorway=list(PALETTE),
        font={"family": FONT, "size": 13, "color": "#222"},
        margin={"l": 56, "r": 16, "t": 16 if legend is False else 40, "b": 48},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        hoverlabel={"font": {"family": FONT}},
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
    )
    if legend is not None:
        figure.update_layout(showlegend=legend)
    figure.update_xaxes(gridcolor="#e5e5e5", zerolinecolor="#bbb", automargin=True)
    figure.update_yaxes(gridcolor="#e5e5e5", zerolinecolor="#bbb", automargin=True)
    return figure


def plotly_text(text: str) -> str:
    """Text a user typed (a customer, segment or team name), shown as typed: Plotly
    reads <b>, <a href> and other tags in labels and hover text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link_points(trace: go.Trace, urls: Sequence[str | None]) -> go.Trace:
    """Clicking point ``i`` of ``trace`` opens ``urls[i]`` (``None``: not a link).
    The path rides last in each point's ``customdata`` row; a trace that already uses
    customdata keeps it (a hover template's ``%{customdata[0]}`` still works)."""
    for url in urls:
        if url is not None and not _same_site(url):
            raise ValueError(f"a chart links only within the site: {url!r}")
    existing = trace.customdata
    if existing is None:
        trace.customdata = [[url or ""] for url in urls]
    else:
        trace.customdata = [
            [*_as_row(row), url or ""] for row, url in zip(existing, urls, strict=True)
        ]
    return trace


def cell_text(value: Cell) -> str:
    """A table cell as the page's language writes it."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "—"
        digits = 0 if value.is_integer() else 2
        return number_format(value, digits, force_grouping=True)
    if isinstance(value, int | Decimal):
        return number_format(value, force_grouping=True)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _as_row(row: object) -> list[object]:
    if isinstance(row, list | tuple):
        return list(row)
    return [row]


def _same_site(url: str) -> bool:
    return url.startswith("/") and not url.startswith("//") and "\\" not in url
