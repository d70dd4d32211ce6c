"""A pivot's answer laid out as the page shows it, and as the exports write it: the
same :class:`PivotTable` feeds the HTML table, the CSV and the Excel file, so an
export holds exactly what is on the screen (rows, columns, order, rounding).

Columns: for each column member (and a "Total" when there are column levels), for each
measure, its value, then last year's value and the change when comparing, then its
share of the total when asked. Rows: one per row member in the engine's order, then
the total.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from kehu.crm.reports.labels import level_label, measure_label, member_label
from kehu.insight import olap

Row = tuple[str, ...]
# how a value is written: money and counts as numbers, the rest as percentages
PLACES = {"money": 2, "count": 0, "ratio": 1, "change": 1, "share": 1}
PERCENT_KINDS = ("ratio", "change", "share")


@dataclass(frozen=True)
class ValueColumn:
    """One column of numbers: a measure (``variant`` "" for its value, or
    "previous_year", "yoy", "share") under a column member (``()``: the total)."""

    column: Row
    measure: str
    variant: str
    kind: str  # money | count | ratio | change | share

    @property
    def field(self) -> str:
        return self.measure + (f"_{self.variant}" if self.variant else "")

    def label(self) -> str:
        name = str(measure_label(self.measure))
        if self.variant == "previous_year":
            return _("%(measure)s, previous year") % {"measure": name}
        if self.variant == "yoy":
            return _("%(measure)s, change") % {"measure": name}
        if self.variant == "share":
            return _("%(measure)s, share") % {"measure": name}
        return name


@dataclass(frozen=True)
class Cell:
    value: float | int | None
    kind: str

    @property
    def is_percent(self) -> bool:
        return self.kind in PERCENT_KINDS

    @property
    def shown(self) -> Decimal | None:
        """The value as shown: rounded half up to the places of its kind, a
        percentage in percent; None when empty."""
        if self.value is None:
            return None
        value = Decimal(str(self.value)) * (100 if self.is_percent else 1)
        return value.quantize(Decimal(1).scaleb(-PLACES[self.kind]), rounding=ROUND_HALF_UP)

    @property
    def number(self) -> float | int | None:
        """The value as shown, as a number (a percentage as a fraction: 12.5% is
        0.125), for a spreadsheet cell or a chart."""
        shown = self.shown
        if shown is None:
            return None
        if self.kind == "count":
            return int(shown)
        return float(shown / 100) if self.is_percent else float(shown)

    @property
    def text(self) -> str:
        """The value as the page's language writes it."""
        shown = self.shown
        if shown is None:
            return "—"
        text = number_format(shown, PLACES[self.kind], force_grouping=True)
        return self._signed(shown, text + "%" if self.is_percent else text)

    @property
    def plain(self) -> Decimal | str:
        """The CSV's cell: the value as shown, as a number without digit grouping (a
        percentage in percent, its header says so); "" when empty. Never text that
        starts with a sign, which a spreadsheet could read as a formula."""
        shown = self.shown
        return "" if shown is None else shown

    def _signed(self, shown: Decimal, text: str) -> str:
        return "+" + text if self.kind == "change" and shown > 0 else text

    @property
    def trend(self) -> str:
        if self.kind != "change" or self.value is None:
            return ""
        return "up" if self.value > 0 else "down" if self.value < 0 else ""


@dataclass(frozen=True)
class Header:
    """A member heading a row or a column: its label and where clicking it leads."""

    level: str
    member: str
    label: str
    drill: str | None = None  # the query string of drilling into it
    span: int = 1
    rowspan: int = 1


@dataclass
class BodyRow:
    headers: list[Header]
    cells: list[Cell]
    is_total: bool = False


@dataclass
class PivotTable:
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    value_columns: list[ValueColumn]
    column_header_rows: list[list[Header]]  # one per column level, members spanned
    body: list[BodyRow]
    total: BodyRow
    drill_up: dict[str, str] = field(default_factory=dict)  # level -> query string
    # per value column: (query string of sorting by it or None, "ascending"/"descending"/"")
    sort_links: list[tuple[str | None, str]] = field(default_factory=list)

    @property
    def value_heads(self) -> list[tuple[str, str | None, str]]:
        """Each value column's heading: its label, the link that sorts by it (or
        None) and how it is sorted now ("ascending", "descending" or "")."""
        links = self.sort_links or [(None, "")] * len(self.value_columns)
        return [
            (c.label(), link, now) for c, (link, now) in zip(self.value_columns, links, strict=True)
        ]

    @property
    def row_level_labels(self) -> list[str]:
        return [str(level_label(level)) for level in self.rows] or [_("Total")]

    def level_heads(self, axis: str) -> list[tuple[str, str, str | None]]:
        """(level, label, query string of drilling up or None) of each level on
        ``axis`` ("rows" or "columns")."""
        levels = self.rows if axis == "rows" else self.columns
        return [(lv, str(level_label(lv)), self.drill_up.get(lv)) for lv in levels]

    @property
    def row_heads(self) -> list[tuple[str, str, str | None]]:
        return self.level_heads("rows")

    @property
    def column_heads(self) -> list[tuple[str, str, str | None]]:
        return self.level_heads("columns")

    def flat_headers(self, percent_unit: bool = False) -> list[str]:
        """One header per exported column: the row levels, then each value column
        named by its column members and measure (with "(%)" after a percentage's
        name when ``percent_unit``: the CSV writes 12.5 for 12.5%)."""
        names = []
        for column in self.value_columns:
            parts = [
                str(member_label(level, member))
                for level, member in zip(self.columns, column.column, strict=False)
            ]
            if self.columns and not column.column:
                parts = [_("Total")]
            label = column.label()
            if percent_unit and column.kind in PERCENT_KINDS:
                label += " (%)"
            names.append(" · ".join([*parts, label]))
        return [*self.row_level_labels, *names]

    def flat_rows(self) -> list[list[Any]]:
        """Every row as shown, the total last: member labels, then the cells."""
        out = []
        for row in [*self.body, self.total]:
            labels = [h.label for h in row.headers]
            out.append([*labels, *row.cells])
        return out


def build(
    result: olap.PivotResult,
    drill: Callable[[str, str], str | None],
    up: Callable[[str], str | None],
    sort: tuple[str, bool] | None = None,
) -> PivotTable:
    """Lay out ``result``; ``drill(level, member)`` and ``up(level)`` give the query
    strings of drilling down into a member and up from a level (or None). ``sort``
    (measure, descending) orders the rows by that measure's total (the engine's order
    otherwise; "Other" stays last)."""
    query = result.query
    columns = _value_columns(query, result.column_headers)
    cells = _index(result.cells, (*query.rows, *query.columns))
    row_totals = _index(result.row_totals, query.rows)
    column_totals = _index(result.column_totals, query.columns)

    def record(row: Row, col: ValueColumn) -> dict[str, Any] | None:
        if query.columns and not col.column:  # the total over the columns
            return row_totals.get(row)
        return cells.get((*row, *col.column))

    body = []
    for row in result.row_headers:
        headers = [_header(lv, member, drill) for lv, member in zip(query.rows, row, strict=True)]
        body.append(BodyRow(headers, [_cell(record(row, col), col) for col in columns]))
    total_values = [
        _cell(result.totals if not col.column else column_totals.get(col.column), col)
        for col in columns
    ]
    if query.share_of_total:  # the grand total is all of itself
        total_values = [
            _whole(cell, result.totals.get(col.measure))
            if not col.column and col.variant == "share"
            else cell
            for cell, col in zip(total_values, columns, strict=True)
        ]
    if sort is not None:
        body = _sorted(body, columns, *sort)
    if not query.rows:  # the one row is the total: the cells are the column totals
        body = []
    blanks = [Header("", "", "")] * (max(1, len(query.rows)) - 1)
    total = BodyRow([Header("", "", _("Total")), *blanks], total_values, True)
    return PivotTable(
        rows=query.rows,
        columns=query.columns,
        value_columns=columns,
        column_header_rows=_column_header_rows(
            query.columns, result.column_headers, columns, drill
        ),
        body=body,
        total=total,
        drill_up={lv: qs for lv in (*query.rows, *query.columns) if (qs := up(lv)) is not None},
    )


def _sorted(
    body: list[BodyRow], columns: list[ValueColumn], measure: str, descending: bool
) -> list[BodyRow]:
    at = next(
        (
            i
            for i, c in enumerate(columns)
            if c.measure == measure and not c.variant and not c.column
        ),
        None,
    )
    if at is None:
        return body
    other = [r for r in body if r.headers and r.headers[0].member == olap.OTHER_MEMBER]
    ranked = [r for r in body if r not in other]
    present = [r for r in ranked if r.cells[at].value is not None]
    missing = [r for r in ranked if r.cells[at].value is None]
    present.sort(key=lambda r: r.cells[at].value or 0, reverse=descending)
    return present + missing + other


def _variants(query: olap.PivotQuery, measure: str) -> list[tuple[str, str]]:
    kind = olap.MEASURES[measure].kind
    variants = [("", kind)]
    if query.compare_previous_year:
        variants += [("previous_year", kind), ("yoy", "change")]
    if query.share_of_total:
        variants.append(("share", "share"))
    return variants


def _value_columns(query: olap.PivotQuery, column_headers: Sequence[Row]) -> list[ValueColumn]:
    members = [tuple(c) for c in column_headers] or [()]
    if query.columns:
        members = [*members, ()]  # the row totals, last
    return [
        ValueColumn(column, measure, variant, kind)
        for column in members
        for measure in query.measures
        for variant, kind in _variants(query, measure)
    ]


def _index(frame: pd.DataFrame, levels: Sequence[str]) -> dict[Row, dict[str, Any]]:
    if frame is None or frame.empty:
        return {}
    levels = list(levels)
    if not levels:
        return {(): frame.iloc[0].to_dict()}
    keys = frame[levels].astype(str).itertuples(index=False, name=None)
    return dict(zip(keys, frame.to_dict("records"), strict=True))


def _cell(record: dict[str, Any] | None, column: ValueColumn) -> Cell:
    if record is None:
        return Cell(None, column.kind)
    return Cell(_number(record.get(column.field)), column.kind)


def _whole(cell: Cell, total: Any) -> Cell:
    if cell.value is not None or not _number(total):
        return cell
    return Cell(1.0, cell.kind)


def _number(value: Any) -> float | int | None:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, Decimal):
        value = float(value)
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value if isinstance(value, int | float) else None


def _header(level: str, member: str, drill: Callable[[str, str], str | None]) -> Header:
    linkable = member not in (olap.OTHER_MEMBER,)
    return Header(
        level, member, str(member_label(level, member)), drill(level, member) if linkable else None
    )


def _column_header_rows(
    levels: Sequence[str],
    column_headers: Sequence[Row],
    value_columns: Sequence[ValueColumn],
    drill: Callable[[str, str], str | None],
) -> list[list[Header]]:
    """One row of headings per column level; consecutive columns under the same
    members share a heading (its span), the totals last."""
    if not levels:
        return []
    per_member = len(value_columns) // (len(column_headers) + 1)
    rows: list[list[Header]] = []
    for depth, level in enumerate(levels):
        row: list[Header] = []
        previous: Row | None = None
        for member in column_headers:
            prefix = tuple(member[: depth + 1])
            if row and prefix == previous:
                last = row[-1]
                row[-1] = Header(
                    last.level, last.member, last.label, last.drill, last.span + per_member
                )
            else:
                row.append(_with_span(_header(level, member[depth], drill), per_member))
            previous = prefix
        rows.append(row)
    total = Header("", "", _("Total"), None, per_member, len(levels))
    rows[0].append(total)
    return rows


def _with_span(header: Header, span: int) -> Header:
    return Header(header.level, header.member, header.label, header.drill, span)
