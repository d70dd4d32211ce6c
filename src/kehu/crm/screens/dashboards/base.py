"""What a role's dashboard is made of, before it is drawn: figures (a number with the
list behind it) and panels (the series of a chart, each point with the list behind
it). The role modules fill them with a few aggregate queries; ``charts`` draws them.

Every link is the URL of a list page with the filters that select exactly the rows the
figure or point counts, so that a click opens what was counted
(``tests/crm/screens/test_dashboards*.py`` checks each count against its list)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.formats import number_format
from django.utils.functional import Promise

Number = int | float | Decimal
Text = str | Promise


def list_url(name: str, params: Mapping[str, object] | None = None, *args: object) -> str:
    """The URL of the page ``name`` with the query string ``params`` (blank ones left
    out), e.g. ``list_url("sales:opportunity_list", {"stage": "proposal", "mine": 1})``."""
    url = reverse(name, args=args or None)
    given = {key: value for key, value in (params or {}).items() if value not in ("", None)}
    return f"{url}?{urlencode(given)}" if given else url


@dataclass
class Figure:
    """One number the role acts on; ``url`` opens the list it counts (None: no list)."""

    key: str
    label: Text
    value: Number | None
    url: str | None = None
    kind: Literal["count", "money", "share", "text"] = "count"
    text: Text = ""  # shown instead of the value for kind "text"
    alert: bool = False  # the number needs attention (overdue, breached)

    @property
    def shown(self) -> Text:
        """The value as the page's language writes it."""
        if self.kind == "text" or self.value is None:
            return self.text or "–"
        if self.kind == "share":
            return f"{number_format(float(self.value) * 100, 0)}%"
        if self.kind == "money":
            return number_format(Decimal(self.value).quantize(Decimal(1)), 0, force_grouping=True)
        return number_format(self.value, force_grouping=True)


@dataclass
class Point:
    """One bar or point: its category label, its value and the list behind it."""

    label: Text
    value: Number | None  # None: nothing to show (a month without ratings)
    url: str | None = None
    count: int | None = None  # the rows the linked list shows, where value is not a count


@dataclass
class Series:
    name: Text
    points: list[Point]


@dataclass
class Panel:
    """A chart's data: ``kind`` says how it is drawn (bars side by side, stacked bars,
    horizontal bars, lines)."""

    key: str
    title: Text
    kind: Literal["bar", "stack", "hbar", "line"]
    series: list[Series]
    x_title: Text = ""
    y_title: Text = ""
    money: bool = False
    percent: bool = False  # values are shares (0-1)
    value_range: tuple[float, float] | None = None  # the value axis, when fixed
    link: str | None = None
    link_label: Text = ""
    summary: Text = ""

    @property
    def categories(self) -> list[Text]:
        return [point.label for point in self.series[0].points] if self.series else []

    @property
    def has_data(self) -> bool:
        return any(point.value or point.count for series in self.series for point in series.points)


@dataclass
class Row:
    """A line of a dashboard's small table (last imports, running campaigns)."""

    cells: list[object]
    url: str | None = None


@dataclass
class Table:
    key: str
    title: Text
    headers: list[Text]
    rows: list[Row]
    empty: Text = ""
    link: str | None = None
    link_label: Text = ""


@dataclass
class Dashboard:
    """One role's block of the home page."""

    role: str
    title: Text
    figures: list[Figure] = field(default_factory=list)
    panels: list[Panel] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    notes: list[Text] = field(default_factory=list)  # warnings in words

    def figure(self, key: str) -> Figure:
        return next(f for f in self.figures if f.key == key)

    def panel(self, key: str) -> Panel:
        return next(p for p in self.panels if p.key == key)


def percent_text(share: float | None, digits: int = 1) -> str | None:
    """A share (0-1) as a percentage in the page's language; None stays None."""
    return None if share is None else f"{number_format(share * 100, digits)}%"


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def week_start(day: date) -> date:
    """The Monday of ``day``'s week (ISO weeks, as the database truncates them)."""
    return day - timedelta(days=day.weekday())
