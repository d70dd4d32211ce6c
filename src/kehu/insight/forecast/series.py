"""Sales per period from a transaction log, in SQL.

Sales per period from a transaction log, in SQL: the long table ``unique_id, ds, y``
that :func:`kehu.insight.forecast.forecast_sales` and
:func:`kehu.insight.forecast.backtest` take (statsforecast's convention).

Policy, applied in SQL (DuckDB, through :mod:`kehu.insight.engine`):

- ``y`` is net sales: every row's amount (or quantity × unit price) summed, so returns
  and cancellations (negative amounts) reduce the period they fall in.
- ``ds`` is the first day of the period: the 1st of the month, the Monday of the
  ISO week, or the day.
- ``unique_id`` is ``"total"`` without a grouping column, else the group's value as
  text; a blank or missing group is ``"(none)"``.
- Each series runs from its group's first period to the log's last complete period;
  periods without a row are 0 (a month without sales is a zero, not a gap).
- When the log ends inside a period (its last day is not the period's last day) that
  period is dropped for every series: a part of a period would look like a collapse,
  at the forecast's origin. A log that starts inside a period keeps that period (the
  first sale of a business, or a January whose 1st is a holiday, is no sign of a cut
  export), with a note. Both are reported in :attr:`SalesSeries.notes`.
- Rows without a date or an amount are left out and counted in the notes; a date or
  amount that cannot be read is an error that quotes examples of the bad values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from kehu.insight.data import RAW, number_sql, register_source, text_sql, timestamp_sql
from kehu.insight.engine import DuckDBEngine, Engine
from kehu.insight.errors import InputError, coded

FREQS = ("day", "month", "week")
#: pandas offsets of the periods, for the dates that follow a series.
PANDAS_FREQ = {"day": "D", "week": "W-MON", "month": "MS"}
#: The season of each period when none is given: a week, a year, a year.
SEASON_LENGTH = {"day": 7, "week": 52, "month": 12}
#: The dates a sales series can hold (pandas' nanosecond timestamps, a year to spare).
EARLIEST, LATEST = "TIMESTAMP '1700-01-01'", "TIMESTAMP '2200-12-31'"
NONE_GROUP = "(none)"
TOTAL = "total"
NORMALISED = "kehu_forecast_rows"
#: Date layouts tried, in order, on a text date column when no format is given; the
#: first that reads every non-blank value wins (ISO first, then month-first).
DATE_FORMATS = (
    None,  # ISO 8601 (DuckDB's cast)
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d",
    "%Y%m%d",
)
EXCEL_SUFFIXES = (".xlsx", ".xls", ".ods", ".jsonl", ".ndjson")


@dataclass
class SalesSeries:
    """Sales per period, with what was left out.

    Sales per period: ``series`` (``unique_id, ds, y``), the period, and what was left
    out or dropped (``notes``, one sentence each).
    """

    series: pd.DataFrame
    freq: str
    notes: list[str] = field(default_factory=list)


def check_freq(freq: str) -> str:
    """Return ``freq`` if it is one of :data:`FREQS`; raise otherwise."""
    if freq not in FREQS:
        raise InputError(f"freq must be one of {list(FREQS)}, got {freq!r}")
    return freq


def date_formats_sql(column: str, sample: int = 20_000) -> str:
    """Return the SQL counting how many sample values of ``column`` each date layout reads.

    How many of (up to ``sample``) distinct non-blank values of ``column`` each layout
    of :data:`DATE_FORMATS` reads: a sample, as reading a long column a dozen times is
    slow; a value the chosen layout cannot read is reported by the row check.
    """
    counts = ", ".join(
        f"COUNT({timestamp_sql('v', 'text', f)}) AS f{i}" for i, f in enumerate(DATE_FORMATS)
    )
    return (
        f"WITH sample AS (SELECT DISTINCT {text_sql(column)} AS v FROM {RAW} "
        f"WHERE {text_sql(column)} IS NOT NULL LIMIT {int(sample)}) "
        f"SELECT COUNT(*) AS present, {counts} FROM sample"
    )


def rows_sql(
    date_col: str,
    amount_col: str,
    price_col: str | None,
    by: str | None,
    kinds: dict[str, str],
    date_format: str | None,
) -> str:
    """Return the SQL of the log with the raw text of each value.

    Return the log as ``occurred_at, amount, grp`` plus the raw text of each, to report bad
    values.
    """
    parsed = timestamp_sql(date_col, kinds.get(date_col, "text"), date_format)
    # a period index outside pandas' nanosecond range (years 1678-2261) cannot be drawn
    # on: such a date (0001-01-01, 9999-12-31) is a date that could not be read
    at = f"CASE WHEN {parsed} BETWEEN {EARLIEST} AND {LATEST} THEN {parsed} END"
    amount = number_sql(amount_col, kinds.get(amount_col, "text"))
    raw_amount = text_sql(amount_col)
    if price_col:
        amount = f"({amount} * {number_sql(price_col, kinds.get(price_col, 'text'))})"
        raw_amount = f"({raw_amount} || ' × ' || COALESCE({text_sql(price_col)}, ''))"
        blank_amount = f"({text_sql(amount_col)} IS NULL OR {text_sql(price_col)} IS NULL)"
    else:
        blank_amount = f"({raw_amount} IS NULL)"
    group = f"'{TOTAL}'"
    if by:
        # codes stored in a floating-point column (1.0 for 1, when a value is missing)
        value = text_sql(by)
        if kinds.get(by) == "number":
            value = f"REGEXP_REPLACE({value}, '\\.0+$', '')"
        group = f"COALESCE({value}, '{NONE_GROUP}')"
    return (
        f"SELECT {at} AS occurred_at, {amount} AS amount, {group} AS grp, "
        f"{text_sql(date_col)} AS raw_date, {raw_amount} AS raw_amount, "
        f"{blank_amount} AS blank_amount FROM {RAW}"
    )


def accounting_sql() -> str:
    """Return the SQL counting the rows, rows left out, unreadable values and days spanned.

    Rows, rows left out, unreadable values (with up to three examples) and the days
    the usable rows span.
    """
    bad_date = "raw_date IS NOT NULL AND occurred_at IS NULL"
    bad_amount = "NOT blank_amount AND amount IS NULL"
    return (
        "SELECT COUNT(*) AS n_rows, "
        "COUNT(*) FILTER (WHERE raw_date IS NULL) AS no_date, "
        "COUNT(*) FILTER (WHERE blank_amount) AS no_amount, "
        f"COUNT(*) FILTER (WHERE {bad_date}) AS bad_date, "
        f"(LIST(DISTINCT raw_date) FILTER (WHERE {bad_date}))[1:3] AS bad_dates, "
        f"COUNT(*) FILTER (WHERE {bad_amount}) AS bad_amount, "
        f"(LIST(DISTINCT raw_amount) FILTER (WHERE {bad_amount}))[1:3] AS bad_amounts, "
        "CAST(MIN(occurred_at) FILTER (WHERE amount IS NOT NULL) AS DATE) AS first_day, "
        "CAST(MAX(occurred_at) FILTER (WHERE amount IS NOT NULL) AS DATE) AS last_day "
        f"FROM {NORMALISED}"
    )


def series_sql(freq: str, first: date, last: date) -> str:
    """Return the SQL of the net sales per group and period.

    Net sales per group and period from ``first`` to ``last`` (period starts), zero
    where a group had no row; each group starts at its first period with a row.
    """
    step = f"INTERVAL 1 {freq.upper()}"
    return (
        f"WITH rows AS (SELECT grp, CAST(DATE_TRUNC('{freq}', occurred_at) AS DATE) AS ds, amount "
        f"FROM {NORMALISED} WHERE occurred_at IS NOT NULL AND amount IS NOT NULL), "
        "sums AS (SELECT grp AS unique_id, ds, SUM(amount) AS y FROM rows "
        f"WHERE ds BETWEEN DATE '{first.isoformat()}' AND DATE '{last.isoformat()}' "
        "GROUP BY grp, ds), "
        "spans AS (SELECT unique_id, MIN(ds) AS first_ds FROM sums GROUP BY unique_id), "
        "grid AS (SELECT unique_id, CAST(UNNEST(GENERATE_SERIES(CAST(first_ds AS TIMESTAMP), "
        f"TIMESTAMP '{last.isoformat()}', {step})) AS DATE) AS ds FROM spans) "
        "SELECT g.unique_id, g.ds, COALESCE(s.y, 0.0) AS y FROM grid g "
        "LEFT JOIN sums s ON s.unique_id = g.unique_id AND s.ds = g.ds "
        "ORDER BY g.unique_id, g.ds"
    )


def period_start(day: date, freq: str) -> date:
    """Return the first day of the period (day, ISO week or month) that holds ``day``."""
    if freq == "month":
        return day.replace(day=1)
    if freq == "week":
        return day - timedelta(days=day.weekday())
    return day


def shift(start: date, freq: str, n: int) -> date:
    """Return the start of the period ``n`` periods after the one starting on ``start``."""
    if freq == "month":
        months = start.year * 12 + start.month - 1 + n
        return date(months // 12, months % 12 + 1, 1)
    return start + timedelta(days=n * (7 if freq == "week" else 1))


def complete_span(first_day: date, last_day: date, freq: str) -> tuple[date, date, list[str]]:
    """Return the first and last periods to keep, and notes on partial ones.

    Return the first and last periods to keep of a log from ``first_day`` to ``last_day`` (the
    last complete one), and a note on each period that may be partial.
    """
    first, last = period_start(first_day, freq), period_start(last_day, freq)
    notes = []
    if last_day != shift(last, freq, 1) - timedelta(days=1):
        notes.append(
            f"the log ends on {last_day.isoformat()}, inside the {freq} starting "
            f"{last.isoformat()}: that partial {freq} is left out"
        )
        last = shift(last, freq, -1)
    if first_day != first:
        notes.append(
            f"the log starts on {first_day.isoformat()}, inside the {freq} starting "
            f"{first.isoformat()}: that first {freq} may be partial (kept)"
        )
    return first, last, notes


def sales_series(
    log: pd.DataFrame | str | Path | Any,
    *,
    date_col: str,
    amount_col: str,
    by: str | None = None,
    freq: str = "month",
    price_col: str | None = None,
    date_format: str | None = None,
    encoding: str | None = None,
    engine: Engine | None = None,
) -> SalesSeries:
    """Net sales per period (and per group) from a transaction log.

    Parameters
    ----------
    log
        One row per order or order line: a DataFrame or Arrow table, a CSV/TSV (also
        gzipped), Parquet or Excel file, or a :class:`~kehu.insight.database.DatabaseQuery`.
    date_col, amount_col
        The date (or timestamp) and the amount of each row. With ``price_col`` the
        amount is ``amount_col × price_col`` (a quantity times a unit price).
    by
        A column to split the sales by (region, product category, segment).
    freq
        ``"month"``, ``"week"`` (ISO, from Monday) or ``"day"``.
    date_format
        strptime layout of text dates, e.g. ``"%d/%m/%Y"``; detected when absent.
    encoding
        A CSV file's text encoding, e.g. ``"gb18030"``: UTF-8 when the file's start is,
        else detected, when absent.
    engine
        Where the SQL runs: a new in-process DuckDB when absent (the SQL is DuckDB's
        dialect and has not been tried on the Spark engine).

    Returns
    -------
    SalesSeries
        ``series`` with columns ``unique_id, ds, y``, one row per group and period.

    Examples
    --------
    >>> log = pd.DataFrame({"day": ["2024-01-01", "2024-03-02", "2024-03-31"],
    ...                     "amount": [10.0, 5.0, -2.0]})
    >>> sales_series(log, date_col="day", amount_col="amount").series["y"].tolist()
    [10.0, 0.0, 3.0]
    """
    check_freq(freq)
    engine = engine or DuckDBEngine()
    columns = _register(engine, log, encoding)
    wanted: list[tuple[str, str | None]] = [("--date-col", date_col), ("--amount-col", amount_col)]
    wanted += [("--price-col", price_col), ("--by", by)]
    for option, column in wanted:
        if column is not None and column not in columns:
            raise InputError(
                f"column {column!r} (given with {option}) is not in the log; found {columns}"
            )
    kinds = engine.column_kinds(RAW)
    notes: list[str] = []
    if kinds.get(date_col, "text") != "temporal" and date_format is None:
        date_format = _detect_date_format(engine, date_col, notes)
    sql = rows_sql(date_col, amount_col, price_col, by, kinds, date_format)
    engine.materialize(NORMALISED, sql)
    acc = engine.query(accounting_sql(), "forecast: accounting").to_pylist()[0]
    notes += _check_rows(acc, date_col, amount_col, date_format)
    first, last, dropped = complete_span(acc["first_day"], acc["last_day"], freq)
    notes += dropped
    if last < first:
        raise coded(
            InputError(
                f"the log runs from {acc['first_day']} to {acc['last_day']}: "
                f"no complete {freq} to forecast from"
            ),
            "forecast_too_short",
        )
    frame = engine.query(series_sql(freq, first, last), "forecast: sales series").to_pandas()
    frame["unique_id"] = frame["unique_id"].astype(str)
    frame["ds"] = pd.to_datetime(frame["ds"]).astype("datetime64[ns]")
    frame["y"] = frame["y"].astype("float64")
    return SalesSeries(frame.reset_index(drop=True), freq, notes)


def _register(engine: Engine, log: Any, encoding: str | None) -> list[str]:
    if isinstance(log, (str, Path)) and Path(log).name.lower().endswith(EXCEL_SUFFIXES):
        from kehu.insight.churn.table import read_table

        log = read_table(log)
    return register_source(engine, log, encoding=encoding)


def _detect_date_format(engine: Engine, column: str, notes: list[str]) -> str | None:
    counts = engine.query(date_formats_sql(column), "forecast: date layout").to_pylist()[0]
    present = counts["present"]
    full = [f for i, f in enumerate(DATE_FORMATS) if counts[f"f{i}"] == present]
    if not full or present == 0:
        return None  # the row check reports the values that are not dates
    chosen = full[0]
    if chosen and chosen.startswith("%m/%d") and any(f and f.startswith("%d/%m") for f in full):
        notes.append(
            f"dates in {column!r} read as month/day/year; they also read as day/month/year: "
            "give date_format ('--date-format %d/%m/%Y') if that is what they are"
        )
    return chosen


def _check_rows(
    acc: dict[str, Any], date_col: str, amount_col: str, date_format: str | None
) -> list[str]:
    if acc["bad_date"]:
        layout = f"the layout {date_format!r}" if date_format else "a date layout kehu knows"
        raise InputError(
            f"column {date_col!r} has {acc['bad_date']:,} values that are not dates in "
            f"{layout}, e.g. {acc['bad_dates']}: give date_format (--date-format), e.g. %d/%m/%Y"
        )
    if acc["bad_amount"]:
        raise InputError(
            f"column {amount_col!r} has {acc['bad_amount']:,} values that are not numbers, "
            f"e.g. {acc['bad_amounts']}"
        )
    if acc["n_rows"] == 0:
        raise InputError("the log has no rows")
    if acc["first_day"] is None:
        raise InputError("no row of the log has both a date and an amount")
    notes = []
    if acc["no_date"]:
        notes.append(f"{acc['no_date']:,} of {acc['n_rows']:,} rows have no date: left out")
    if acc["no_amount"]:
        notes.append(f"{acc['no_amount']:,} of {acc['n_rows']:,} rows have no amount: left out")
    return notes
