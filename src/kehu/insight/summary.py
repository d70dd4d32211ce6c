"""Per-customer purchase statistics for RFM and the BTYD models, computed in SQL.

For each customer with at least one purchase up to the end of calibration:

``first_purchase``, ``last_purchase``
    dates of the first and last purchase day.
``frequency``
    repeat purchase days (purchase days − 1), as in the BG/NBD paper.
``recency``
    BTYD recency t_x: time from the first to the last purchase, in periods.
``T``
    time from the first purchase to the end of calibration, in periods.
``days_since_last``
    RFM recency: days from the last purchase to the end of calibration.
``monetary``
    mean value of the repeat purchase days (0 without repeats), as Gamma-Gamma wants.
``total_spend``, ``gross_spend``, ``returned_spend``
    net spend, purchases only, and returns (≤ 0) in the calibration period.
``last_gap_days``, ``prior_mean_gap_days``
    days between the last two purchases, and the mean gap between the purchases before
    them (NULL where there are too few purchases): their ratio shows a slowing rhythm.

With a calibration end, ``holdout_actual`` and ``holdout_spend`` count the purchase days
and spend in the holdout period. Periods: day = 1 day, week = 7 days (fractional),
month = 365.25 / 12 days. See :mod:`kehu.insight.data` for the returns policy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from kehu.insight.data import (
    RAW,
    TRANSACTIONS,
    ColumnMap,
    detect_columns,
    register_source,
    transactions_sql,
)
from kehu.insight.database import DatabaseQuery
from kehu.insight.engine import DuckDBEngine, Engine
from kehu.insight.errors import InputError

PERIOD_DAYS = {"day": 1.0, "week": 7.0, "month": 365.25 / 12}
DAILY_ALL = "kehu_daily_all"
DAILY = "kehu_daily"
PER_CUSTOMER = "kehu_per_customer"


def _check_period(period: str) -> float:
    if period not in PERIOD_DAYS:
        raise InputError(f"period must be one of {sorted(PERIOD_DAYS)}, got {period!r}")
    return PERIOD_DAYS[period]


def daily_all_sql() -> str:
    """Return the SQL of one row per customer and day.

    One row per customer and day (either may be NULL where the input could not be
    read) with purchases (gross) and returns (≤ 0): the one grouping of the input rows.
    """
    return (
        "SELECT customer_id, CAST(occurred_at AS DATE) AS day, "
        "SUM(CASE WHEN amount > 0 THEN amount ELSE 0 END) AS gross, "
        "SUM(CASE WHEN amount < 0 THEN amount ELSE 0 END) AS returned "
        f"FROM {TRANSACTIONS} GROUP BY customer_id, CAST(occurred_at AS DATE)"
    )


def daily_sql() -> str:
    """One row per customer and day with a purchase or a return: the usable rows."""
    return (
        f"SELECT customer_id, day, gross, returned FROM {DAILY_ALL} "
        "WHERE customer_id IS NOT NULL AND day IS NOT NULL AND (gross > 0 OR returned < 0)"
    )


def _date(value: date) -> str:
    return f"DATE '{value.isoformat()}'"


#: Decimals kept of each customer's sums of money (a millionth of the currency unit).
MONEY_DECIMALS = 6


#: A usable day with a purchase (a day's gross is its purchases; returns are apart).
BOUGHT = "gross > 0 AND day IS NOT NULL"


def _money(sql: str) -> str:
    return f"ROUND({sql}, {MONEY_DECIMALS})"


def per_customer_sql(
    calibration_end: date, holdout_end: date | None, split: date | None = None
) -> str:
    """Return the SQL of one aggregation per customer id.

    One aggregation per customer id in the input, with no join and no window: the
    calibration totals, the last two purchase days (``MAX(day, 2)``, the top two), the
    first day's purchase value (``ARG_MIN``), the first purchase ever and the usable days
    (for the customer accounting) and the holdout counts. A customer is in the calibration
    where the first purchase ever (``first_buy``) is on or before its end.

    Sums of money are rounded to :data:`MONEY_DECIMALS`: the engine adds floating values
    in whatever order its threads meet them, so without rounding a total could differ in
    its last bit from one run to the next and reorder customers tied on it (an RFM
    score or tier flipping between two runs on the same data).

    With a ``split`` (a day before the calibration end), also the purchase days up to
    it, the last of them and the purchase days after it up to the calibration end: the
    rows of a model comparison that holds out the calibration's last part
    (:func:`split_rows_sql`), from the same aggregation.
    """
    end = _date(calibration_end)
    in_calibration = f"{BOUGHT} AND day <= {end}"
    holdout = ""
    if holdout_end is not None:
        in_holdout = f"{BOUGHT} AND day > {end} AND day <= {_date(holdout_end)}"
        holdout = (
            f", COUNT(*) FILTER (WHERE {in_holdout}) AS holdout_actual, "
            f"COALESCE({_money(f'SUM(gross + returned) FILTER (WHERE {in_holdout})')}, 0) "
            "AS holdout_spend"
        )
    return (
        "SELECT customer_id, "
        f"MIN(day) FILTER (WHERE {BOUGHT}) AS first_buy, "
        f"MAX(CASE WHEN {in_calibration} THEN day END, 2) AS last_two, "
        f"COUNT(*) FILTER (WHERE {in_calibration}) AS purchase_days, "
        f"{_money(f'ARG_MIN(gross, day) FILTER (WHERE {BOUGHT})')} AS first_gross, "
        f"{_money(f'SUM(gross) FILTER (WHERE day <= {end})')} AS gross_spend, "
        f"{_money(f'SUM(returned) FILTER (WHERE day <= {end})')} AS returned_spend, "
        "COUNT(*) FILTER (WHERE day IS NOT NULL AND (gross > 0 OR returned < 0)) AS usable_days"
        f"{holdout}{_split_columns(split, end)} FROM {DAILY_ALL} "
        "WHERE customer_id IS NOT NULL GROUP BY customer_id"
    )


def _split_columns(split: date | None, end: str) -> str:
    if split is None:
        return ""
    cut = _date(split)
    return (
        f", COUNT(*) FILTER (WHERE {BOUGHT} AND day <= {cut}) AS split_days, "
        f"MAX(day) FILTER (WHERE {BOUGHT} AND day <= {cut}) AS split_last, "
        f"COUNT(*) FILTER (WHERE {BOUGHT} AND day > {cut} AND day <= {end}) AS split_holdout"
    )


def split_rows_sql(period_days: float, split: date) -> str:
    """Return the SQL of the distinct ``(frequency, recency, T, holdout_actual)`` rows at ``split``.

    From the per-customer table made with that ``split`` (:func:`per_customer_sql`): the
    rows of the summary for a calibration end of ``split`` and a holdout to the
    calibration end (``holdout_actual``), each with ``n``, its number of customers,
    without a second aggregation of the daily table. Ordered, so that the fits on them
    add in the same order in every run.
    """
    cut = _date(split)
    return (
        "SELECT split_days - 1 AS frequency, "
        f"CAST(DATE_DIFF('day', first_buy, split_last) AS DOUBLE) / {period_days} AS recency, "
        f"CAST(DATE_DIFF('day', first_buy, {cut}) AS DOUBLE) / {period_days} AS T, "
        f"split_holdout AS holdout_actual, COUNT(*) AS n FROM {PER_CUSTOMER} "
        f"WHERE first_buy <= {cut} GROUP BY ALL ORDER BY ALL"
    )


def summary_sql(
    period_days: float,
    calibration_end: date,
    holdout_end: date | None,
) -> str:
    """Return the SQL of the per-customer summary.

    Return the per-customer summary (see the module docstring), from the per-customer
    table, by customer id. ``first_gross`` is the value of the first purchase ever, the
    calibration's first.
    """
    end = _date(calibration_end)
    holdout_cols = ", holdout_actual, holdout_spend" if holdout_end is not None else ""
    return (
        "WITH p AS (SELECT *, first_buy AS first_purchase, last_two[1] AS last_purchase, "
        f"last_two[2] AS previous_purchase FROM {PER_CUSTOMER} WHERE first_buy <= {end}) "
        "SELECT customer_id, first_purchase, last_purchase, "
        f"DATE_DIFF('day', last_purchase, {end}) AS days_since_last, "
        "purchase_days - 1 AS frequency, "
        f"CAST(DATE_DIFF('day', first_purchase, last_purchase) AS DOUBLE) / {period_days} "
        "AS recency, "
        f"CAST(DATE_DIFF('day', first_purchase, {end}) AS DOUBLE) / {period_days} AS T, "
        "CASE WHEN purchase_days > 1 THEN CAST(gross_spend - first_gross AS DOUBLE) "
        "/ (purchase_days - 1) ELSE 0.0 END AS monetary, "
        "gross_spend + returned_spend AS total_spend, gross_spend, returned_spend, "
        "DATE_DIFF('day', previous_purchase, last_purchase) AS last_gap_days, "
        "CASE WHEN purchase_days > 2 THEN CAST(DATE_DIFF('day', first_purchase, "
        "previous_purchase) AS DOUBLE) / (purchase_days - 2) END AS prior_mean_gap_days"
        f"{holdout_cols} FROM p ORDER BY customer_id"
    )


ROW_CATEGORIES = (
    "no_customer",
    "bad_date",
    "bad_amount",
    "after_end",
    "zero_amount",
    "returns",
    "purchases",
)


def accounting_sql(calibration_end: date, holdout_end: date | None) -> str:
    """Return the SQL that counts where every input row went.

    Where every input row went: one category per row (the first that applies, in the
    order of :data:`ROW_CATEGORIES`) and the count of each, in one pass without a join.
    """
    last = _date(holdout_end or calibration_end)
    return (
        "SELECT CASE WHEN customer_id IS NULL THEN 'no_customer' "
        "WHEN occurred_at IS NULL THEN 'bad_date' WHEN amount IS NULL THEN 'bad_amount' "
        f"WHEN CAST(occurred_at AS DATE) > {last} THEN 'after_end' "
        "WHEN amount = 0 THEN 'zero_amount' WHEN amount < 0 THEN 'returns' "
        f"ELSE 'purchases' END AS category, COUNT(*) AS n FROM {TRANSACTIONS} GROUP BY 1"
    )


def row_accounting(
    engine: Engine, calibration_end: date, holdout_end: date | None
) -> dict[str, int]:
    """``rows_in`` and ``rows_<category>`` for every category (0 where none)."""
    counts = dict.fromkeys(ROW_CATEGORIES, 0)
    for row in engine.query(accounting_sql(calibration_end, holdout_end), "accounting").to_pylist():
        counts[row["category"]] = int(row["n"])
    return {"rows_in": sum(counts.values())} | {f"rows_{k}": n for k, n in counts.items()}


def customer_accounting_sql(calibration_end: date) -> str:
    """Return the SQL that puts every customer id in exactly one category.

    Every customer id in the input lands in exactly one of: modelled, acquired after
    calibration, only returns, or no usable row (zero amounts, unreadable dates).
    """
    end = _date(calibration_end)
    return (
        "SELECT COUNT(*) AS customers_seen, "
        f"COUNT(*) FILTER (WHERE first_buy <= {end}) AS customers_modelled, "
        f"COUNT(*) FILTER (WHERE first_buy > {end}) AS customers_acquired_after_calibration, "
        "COUNT(*) FILTER (WHERE first_buy IS NULL AND usable_days > 0) "
        "AS customers_only_returns, "
        "COUNT(*) FILTER (WHERE usable_days = 0) AS customers_no_usable_row "
        f"FROM {PER_CUSTOMER}"
    )


@dataclass
class Summary:
    """The per-customer table and the account of how the input was used."""

    customers: pd.DataFrame
    accounting: dict[str, Any]
    columns: ColumnMap
    period: str
    calibration_end: date
    holdout_end: date | None = None
    notes: list[str] = field(default_factory=list)
    #: the distinct rows of a model comparison at ``split`` (see :func:`summarize`)
    split_rows: pd.DataFrame | None = None
    split: date | None = None


def _as_date(value: date | str | None, what: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InputError(f"{what} must be a date like 2011-09-30, got {value!r}") from None


@dataclass(frozen=True)
class SummaryDates:
    """The days a summary was made with: what a caller's last queries need."""

    calibration_end: date
    holdout_end: date | None
    #: the day of the first purchase in the input
    first_purchase: date | None


def summarize(
    source: Any,
    *,
    period: str = "week",
    customer_col: str | None = None,
    date_col: str | None = None,
    amount_col: str | None = None,
    calibration_end: date | str | None = None,
    observation_end: date | str | None = None,
    date_format: str | None = None,
    encoding: str | None = None,
    engine: Engine | None = None,
    prepared: ColumnMap | None = None,
    comparison_split: Callable[[date, date], date | None] | None = None,
    before_frame: Callable[[SummaryDates], None] | None = None,
) -> Summary:
    """Summarise a transaction log per customer (see the module docstring).

    ``calibration_end`` (inclusive) splits calibration and holdout; the holdout runs
    to ``observation_end`` (default: the last date in the data). Without a calibration
    end, everything up to ``observation_end`` is calibration. ``prepared`` is the column
    map :func:`prepare_input` returned for the same ``source`` and ``engine``: the input
    it read is used again instead of read anew. A text file is read in ``encoding``, or
    in the one its start shows (UTF-8, else a guess such as GB18030).

    ``comparison_split`` (optional; used without a calibration end) gives, from the day
    of the first purchase and the calibration end, the day that splits the history for
    a comparison of models (None: no comparison); the summary then carries that
    ``split`` and the comparison's distinct rows (``split_rows``,
    :func:`split_rows_sql`), counted in the same aggregation as the customers.

    ``before_frame`` (optional) is called while the customers are still the engine's
    Arrow table, before the frame is built: an analysis asks the engine its last
    queries there and closes it, so that the engine's memory and the frame's are not
    held at once (a million customers: 100-150 MB less at the peak).

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"customer_id": ["a", "a", "b"],
    ...     "date": ["2024-01-01", "2024-01-15", "2024-01-08"], "amount": [10.0, 30.0, 5.0]})
    >>> s = summarize(log, period="week", observation_end="2024-01-29")
    >>> s.customers[["customer_id", "frequency", "recency", "T", "monetary"]].to_dict("records")
    [{'customer_id': 'a', 'frequency': 1, 'recency': 2.0, 'T': 4.0, 'monetary': 30.0}, \
{'customer_id': 'b', 'frequency': 0, 'recency': 0.0, 'T': 3.0, 'monetary': 0.0}]
    """
    period_days = _check_period(period)
    engine = engine or DuckDBEngine()
    columns = prepared or prepare_input(
        source,
        engine,
        customer_col=customer_col,
        date_col=date_col,
        amount_col=amount_col,
        date_format=date_format,
        encoding=encoding,
    )
    cal_end, holdout_end = summary_dates(engine, calibration_end, observation_end)
    first = first_purchase_day(engine)
    split = None
    if comparison_split is not None and holdout_end is None:
        split = comparison_split(first, cal_end) if first is not None and first <= cal_end else None
    engine.materialize(PER_CUSTOMER, per_customer_sql(cal_end, holdout_end, split))
    table = engine.query(summary_sql(period_days, cal_end, holdout_end), "summary")
    accounting = input_accounting(engine, cal_end, holdout_end)
    split_rows = None
    if split is not None:
        split_rows = engine.query(split_rows_sql(period_days, split), "holdout rows").to_pandas()
    engine.drop(PER_CUSTOMER)
    if before_frame is not None:
        before_frame(SummaryDates(cal_end, holdout_end, first))
    # dates as datetime64 (not a Python object per cell); Arrow buffers freed as converted
    customers = table.to_pandas(date_as_object=False, self_destruct=True, split_blocks=True)
    del table
    return Summary(
        customers,
        accounting,
        columns,
        period,
        cal_end,
        holdout_end,
        split_rows=split_rows,
        split=split,
    )


def first_purchase_day(engine: Engine) -> date | None:
    """Return the day of the first purchase in the input (None without a purchase)."""
    found = engine.query(
        f"SELECT MIN(day) AS first FROM {DAILY} WHERE gross > 0", "first purchase"
    ).to_pylist()[0]["first"]
    return found if isinstance(found, date) else None


def summary_dates(
    engine: Engine, calibration_end: date | str | None, observation_end: date | str | None
) -> tuple[date, date | None]:
    """Return the calibration end and the holdout end (None without a holdout), checked.

    The observation end defaults to the last day of the input that
    :func:`prepare_input` read into ``engine``; a calibration end must fall inside the data.
    """
    first_last = engine.query(
        f"SELECT MIN(day) AS lo, MAX(day) AS hi, COUNT(*) AS n FROM {DAILY}", "date range"
    ).to_pylist()[0]
    if not first_last["n"]:
        raise InputError(_no_usable_rows_message(engine))
    lo, hi = first_last["lo"], first_last["hi"]
    obs_end = _as_date(observation_end, "observation end") or hi
    cal_end = _as_date(calibration_end, "calibration end")
    if cal_end is not None and not lo <= cal_end < obs_end:
        raise InputError(
            f"calibration end {cal_end} must fall inside the data: on or after {lo} "
            f"and before {obs_end}"
        )
    return cal_end or obs_end, obs_end if cal_end is not None else None


def input_accounting(engine: Engine, cal_end: date, holdout_end: date | None) -> dict[str, Any]:
    """Return where every input row and every customer id went (the per-customer table read)."""
    accounting: dict[str, Any] = row_accounting(engine, cal_end, holdout_end)
    accounting.update(engine.query(customer_accounting_sql(cal_end), "customers").to_pylist()[0])
    return accounting


def prepare_input(
    source: Any,
    engine: Engine,
    *,
    customer_col: str | None = None,
    date_col: str | None = None,
    amount_col: str | None = None,
    date_format: str | None = None,
    encoding: str | None = None,
) -> ColumnMap:
    """Read the input into ``engine`` once, for any number of summaries of it.

    Registers ``source``, finds its columns, and defines the typed transactions and
    their grouping per customer and day (a table). A text file's typed rows are kept in
    a table too: parsing a compressed CSV is the slowest part of a summary, and the dates
    check, the grouping and the row accounting each read the rows (Online Retail: three
    parses, 5.5 s, became one). A Parquet file or a table in memory is read where it is.
    """
    raw_columns = register_source(engine, source, encoding=encoding)
    columns = detect_columns(raw_columns, customer_col, date_col, amount_col)
    typed = transactions_sql(columns, date_format, engine.column_kinds(RAW))
    if _is_text(source):
        engine.materialize(TRANSACTIONS, typed)
    else:
        engine.create_view(TRANSACTIONS, typed)
    engine.materialize(DAILY_ALL, daily_all_sql(), clustered_by="customer_id")
    engine.create_view(DAILY, daily_sql())
    return columns


def _is_text(source: Any) -> bool:
    if isinstance(source, DatabaseQuery):
        return source.scheme != "sqlite"  # PostgreSQL results arrive as a CSV file
    if not isinstance(source, (str, Path)):
        return False
    suffixes = "".join(Path(source).suffixes).lower()
    return any(s in suffixes for s in (".csv", ".tsv", ".txt"))


def _no_usable_rows_message(engine: Engine) -> str:
    counts = row_accounting(engine, date.max, None)
    return (
        f"no usable rows: of {counts['rows_in']:,} rows, {counts['rows_no_customer']:,} have "
        f"no customer id, {counts['rows_bad_date']:,} have a date that could not be read "
        f"and {counts['rows_bad_amount']:,} an amount that could not be read; check the "
        "column choice (--customer-col, --date-col, --amount-col) and the date format"
    )
