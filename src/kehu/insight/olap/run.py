"""Run pivots on a warehouse registered on an :class:`~kehu.insight.engine.Engine`."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from kehu.insight.engine import Engine
from kehu.insight.errors import InsightError
from kehu.insight.olap.model import FACT, LEVELS, OTHER_MEMBER, REQUIRED_TABLES, TABLES
from kehu.insight.olap.query import PivotError, PivotQuery, check_filters
from kehu.insight.olap.sql import (
    LEVEL_SQL,
    MAX_CELLS,
    PERIOD_MEASURES,
    groupings,
    idle_products_sql,
    members_sql,
    pivot_sql,
    top_sql,
    variants,
)

Row = tuple[str, ...]


class WarehouseError(InsightError):
    """The warehouse cannot be read: not built yet, or a table is missing."""


def register_warehouse(engine: Engine, folder: Path) -> None:
    """Make the Parquet star schema in ``folder`` readable on ``engine`` as views.

    Every table of :data:`~kehu.insight.olap.model.TABLES` found becomes a view of
    that name; a missing fact or dimension a pivot needs raises
    :class:`WarehouseError`.
    """
    folder = Path(folder)
    missing = [t for t in REQUIRED_TABLES if not (folder / f"{t}.parquet").exists()]
    if missing:
        raise WarehouseError(
            f"the warehouse in {folder} has no {', '.join(missing)}: build it first "
            "(kehu warehouse build, or an analysis run)"
        )
    for table in TABLES:
        path = folder / f"{table}.parquet"
        if path.exists():
            engine.register_parquet(table, path)


@dataclass
class PivotResult:
    """The answer to a :class:`PivotQuery`.

    Attributes
    ----------
    query : PivotQuery
        What was asked.
    row_headers, column_headers : list of tuple of str
        The row members (one tuple per row, a member per row level) in the order to
        show them (ascending; by the ranking measure with a top N, "Other" last), and
        the column members likewise (``[()]``: no column levels).
    cells : pandas.DataFrame
        Long form: one row per non-empty cell, a column per row level and column
        level (named by the level), one per measure, and ``<measure>_previous_year``,
        ``<measure>_yoy`` (change as a fraction of last year; NaN where last year is 0
        or empty) and ``<measure>_share`` (of the grand total) when asked.
    row_totals, column_totals : pandas.DataFrame
        The same measures per row (over every column) and per column (over every
        row the filters keep); empty when there are no columns or no rows.
    totals : dict
        The grand total of each measure (and its previous year and change).
    """

    query: PivotQuery
    row_headers: list[Row]
    column_headers: list[Row]
    cells: pd.DataFrame
    totals: dict[str, Any]
    row_totals: pd.DataFrame = field(default_factory=pd.DataFrame)
    column_totals: pd.DataFrame = field(default_factory=pd.DataFrame)

    def value(self, row: Row, column: Row, measure: str) -> Any:
        """Return one cell's value of ``measure`` (None when the cell is empty).

        Examples
        --------
        >>> result = PivotResult(
        ...     PivotQuery(("orders",), ("year",)), [("2024",)], [()],
        ...     pd.DataFrame({"year": ["2024"], "orders": [3]}), {"orders": 3})
        >>> result.value(("2024",), (), "orders"), result.value(("2023",), (), "orders")
        (3, None)
        """
        keys = dict(zip(self.query.rows, row, strict=True))
        keys |= dict(zip(self.query.columns, column, strict=True))
        found = self.cells
        for level, member in keys.items():
            found = found[found[level] == member]
        return None if found.empty else found.iloc[0][measure].item()


def run_pivot(engine: Engine, query: PivotQuery) -> PivotResult:
    """Compute ``query`` on the warehouse registered on ``engine``.

    One query for the cells and totals (one more first for a top N, and one for last
    year when compared). More than :data:`~kehu.insight.olap.sql.MAX_CELLS` cells
    raises :class:`PivotError` asking for a filter or a top N.
    """
    top = _top(engine, query)
    current = _split(_query(engine, query, 0, top), query)
    if query.compare_previous_year:
        previous = _split(_query(engine, query, 1, top), query)
        for name, frame in current.items():
            levels = _levels_of(name, query)
            earlier = previous[name]
            if levels:  # a 29 February moved a year later meets the 28th: keep one
                earlier = earlier.drop_duplicates(list(levels))
            current[name] = _with_previous(frame, earlier, query, levels)
    grand = current.get("total", current["cells"])
    if query.share_of_total:
        for name, frame in current.items():
            current[name] = _with_share(frame, grand, query)
    cells = current["cells"]
    return PivotResult(
        query=query,
        row_headers=_row_order(cells, current.get("rows", cells), query),
        column_headers=_headers(cells, query.columns),
        cells=cells.reset_index(drop=True),
        totals=_totals(grand, query),
        row_totals=current.get("rows", pd.DataFrame()).reset_index(drop=True),
        column_totals=current.get("columns", pd.DataFrame()).reset_index(drop=True),
    )


def _top(engine: Engine, query: PivotQuery) -> pd.DataFrame | None:
    """Return the keys of the top N rows (of the current dates), None without a top N."""
    if not query.top_n:
        return None
    keys: pd.DataFrame = engine.query(top_sql(query), "pivot, top rows").to_pandas()
    return keys


def _query(
    engine: Engine, query: PivotQuery, years_back: int, top: pd.DataFrame | None
) -> pd.DataFrame:
    table = None
    if top is not None:
        keys = top.copy()
        for level in query.rows:
            if years_back and LEVEL_SQL[level].kind == "date":
                keys[f"k_{level}"] = keys[f"k_{level}"] - pd.DateOffset(years=years_back)
        table = f"pivot_top_{uuid.uuid4().hex}"
        engine.register_table(table, keys)
    step = "pivot, previous year" if years_back else "pivot"
    frame: pd.DataFrame = engine.query(pivot_sql(query, years_back, table), step).to_pandas()
    if len(frame) > 3 * MAX_CELLS + 1:
        raise _too_many()
    return frame


def _too_many() -> PivotError:
    return PivotError(
        f"rows: the pivot has more than {MAX_CELLS:,} cells; filter it, shorten the "
        "dates, choose coarser levels or keep a top N"
    )


def _levels_of(name: str, query: PivotQuery) -> tuple[str, ...]:
    return next(g.levels for g in groupings(query) if g.name == name)


def _split(frame: pd.DataFrame, query: PivotQuery) -> dict[str, pd.DataFrame]:
    """Return the rows of each grouping: its levels set, the others NULL.

    The new and repeat customers of each are those of the grouping's own period.
    """
    every = [*query.rows, *query.columns]
    out: dict[str, pd.DataFrame] = {}
    kinds = variants(query)
    for grouping in groupings(query):
        mask = pd.Series(True, index=frame.index)
        for level in every:
            present = frame[f"k_{level}"].notna()
            mask &= present if level in grouping.levels else ~present
        part = frame[mask]
        if (
            query.top_n
            and not query.other
            and "is_other" in part
            and query.rows[0] in grouping.levels
        ):
            part = part[~part["is_other"].astype(bool)]
        columns = {f"k_{level}": level for level in grouping.levels}
        measures = {
            (f"{m}__{kinds[grouping.name]}" if m in PERIOD_MEASURES else m): m
            for m in query.measures
        }
        part = part[[*columns, *measures]].rename(columns={**columns, **measures})
        if grouping.name == "cells" and len(part) > MAX_CELLS:
            raise _too_many()
        out[grouping.name] = part.reset_index(drop=True)
    return out


def _with_previous(
    frame: pd.DataFrame, previous: pd.DataFrame, query: PivotQuery, levels: Sequence[str]
) -> pd.DataFrame:
    earlier = previous.rename(columns={m: f"{m}_previous_year" for m in query.measures})
    if levels:
        frame = frame.merge(earlier, on=list(levels), how="left")
    else:
        frame = pd.concat([frame, earlier.reset_index(drop=True)], axis=1)
    for m in query.measures:
        now, before = frame[m].astype(float), frame[f"{m}_previous_year"].astype(float)
        frame[f"{m}_yoy"] = (now - before) / before.abs().where(before != 0)
    return frame


def _with_share(frame: pd.DataFrame, grand: pd.DataFrame, query: PivotQuery) -> pd.DataFrame:
    frame = frame.copy()
    for m in query.measures:
        total = float(grand[m].iloc[0]) if len(grand) else float("nan")
        frame[f"{m}_share"] = frame[m].astype(float) / total if total else float("nan")
    return frame


def _headers(frame: pd.DataFrame, levels: Sequence[str]) -> list[Row]:
    if not levels:
        return [()]
    members = frame[list(levels)].drop_duplicates()
    return sorted(
        (tuple(str(v) for v in row) for row in members.itertuples(index=False)), key=_order
    )


def _order(row: Row) -> tuple[bool, Row]:
    return (row[:1] == (OTHER_MEMBER,), row)


def _row_order(cells: pd.DataFrame, row_totals: pd.DataFrame, query: PivotQuery) -> list[Row]:
    if not query.top_n:
        return _headers(cells, query.rows)
    rank = query.ranking_measure
    if rank not in row_totals:  # ranked by a measure not shown: the top's own order
        return _headers(cells, query.rows)
    ordered = row_totals.sort_values(
        [rank, *query.rows], ascending=[False] + [True] * len(query.rows)
    )
    rows = [tuple(str(v) for v in r) for r in ordered[list(query.rows)].itertuples(index=False)]
    return sorted(rows, key=lambda r: r[:1] == (OTHER_MEMBER,))


def _totals(grand: pd.DataFrame, query: PivotQuery) -> dict[str, Any]:
    if grand.empty:
        return {m: None for m in query.measures}
    row = grand.iloc[0]
    return {
        str(name): (None if pd.isna(value) else value.item() if hasattr(value, "item") else value)
        for name, value in row.items()
        if name not in LEVELS
    }


def members(
    engine: Engine,
    level: str,
    filters: Mapping[str, Sequence[str]] | None = None,
    *,
    search: str | None = None,
    limit: int = 1000,
) -> list[str]:
    """Return ``level``'s members among the sales the ``filters`` keep, in order.

    For a filter picker: a filter on ``level`` itself is ignored (so the picker
    shows every choice), ``search`` keeps those containing it (any case), and at
    most ``limit`` are returned.
    """
    if level not in LEVELS:
        raise PivotError(f"level: {level!r} is not a level; choose from {sorted(LEVELS)}")
    if not 1 <= int(limit) <= 100_000:
        raise PivotError(f"limit: must be from 1 to 100000, got {limit!r}")
    checked = check_filters(filters or {})
    rows = engine.query(members_sql(level, checked, search, limit), f"members of {level}")
    return [str(v) for v in rows.column("member").to_pylist()]


def date_span(engine: Engine) -> tuple[date | None, date | None]:
    """Return the first and last day of the sales in the warehouse (None, None: no sales)."""
    row = engine.query(f"SELECT MIN(date) AS first, MAX(date) AS last FROM {FACT}", "date span")
    first, last = row.column("first")[0].as_py(), row.column("last")[0].as_py()
    return first, last


def idle_products(engine: Engine, days: int = 90, as_of: date | None = None) -> pd.DataFrame:
    """Return the active products with no sale in the ``days`` before ``as_of``.

    ``as_of`` defaults to the last day of sales in the warehouse. Columns:
    ``product, category, last_sold`` (NaT: never sold) ``, days_since``.
    """
    if days < 1:
        raise PivotError(f"days: must be at least 1, got {days!r}")
    if as_of is None:
        as_of = date_span(engine)[1] or date.today()
    frame: pd.DataFrame = engine.query(idle_products_sql(as_of, days), "idle products").to_pandas()
    return frame
