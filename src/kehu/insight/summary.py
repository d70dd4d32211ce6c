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

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from kehu.insight.data import (
    RAW,
    TRANSACTIONS,
    ColumnMap,
    InputError,
    detect_columns,
    register_source,
    transactions_sql,
)
from kehu.insight.engine import DuckDBEngine, Engine

PERIOD_DAYS = {"day": 1.0, "week": 7.0, "month": 365.25 / 12}
DAILY = "kehu_daily"


def _check_period(period: str) -> float:
    if period not in PERIOD_DAYS:
        raise InputError(f"period must be one of {sorted(PERIOD_DAYS)}, got {period!r}")
    return PERIOD_DAYS[period]


def daily_sql() -> str:
    """One row per customer and day: purchases (gross) and returns (≤ 0) netted per day."""
    return (
        "SELECT customer_id, CAST(occurred_at AS DATE) AS day, "
        "SUM(CASE WHEN amount > 0 THEN amount ELSE 0 END) AS gross, "
        "SUM(CASE WHEN amount < 0 THEN amount ELSE 0 END) AS returned "
        f"FROM {TRANSACTIONS} "
        "WHERE customer_id IS NOT NULL AND occurred_at IS NOT NULL AND amount IS NOT NULL "
        "AND amount <> 0 GROUP BY customer_id, CAST(occurred_at AS DATE)"
    )


def _date(value: date) -> str:
    return f"DATE '{value.isoformat()}'"


def summary_sql(period_days: float, calibration_end: date, holdout_end: date | None) -> str:
    """The per-customer summary (see the module docstring)."""
    end = _date(calibration_end)
    holdout = ""
    holdout_cols = ""
    if holdout_end is not None:
        holdout = (
            ", holdout AS (SELECT customer_id, COUNT(*) AS holdout_actual, "
            "SUM(gross + returned) AS holdout_spend "
            f"FROM {DAILY} WHERE gross > 0 AND day > {end} AND day <= {_date(holdout_end)} "
            "GROUP BY customer_id)"
        )
        holdout_cols = (
            ", COALESCE(h.holdout_actual, 0) AS holdout_actual, "
            "COALESCE(h.holdout_spend, 0) AS holdout_spend"
        )
    return (
        f"WITH cal AS (SELECT * FROM {DAILY} WHERE day <= {end}), "
        # one aggregation for the per-customer totals and purchase-day edges ...
        "per_customer AS (SELECT customer_id, "
        "MIN(CASE WHEN gross > 0 THEN day END) AS first_purchase, "
        "MAX(CASE WHEN gross > 0 THEN day END) AS last_purchase, "
        "COUNT(CASE WHEN gross > 0 THEN 1 END) - 1 AS frequency, "
        "SUM(gross) AS gross_spend, SUM(returned) AS returned_spend "
        "FROM cal GROUP BY customer_id HAVING COUNT(CASE WHEN gross > 0 THEN 1 END) > 0), "
        # ... and one join back for the first day's value and the purchase before the last
        # (cheaper than window functions, which sort every customer's days)
        "edges AS (SELECT c.customer_id, "
        "SUM(CASE WHEN c.day = p.first_purchase THEN c.gross ELSE 0 END) AS first_gross, "
        "MAX(CASE WHEN c.day < p.last_purchase THEN c.day END) AS previous_purchase "
        "FROM cal c JOIN per_customer p ON p.customer_id = c.customer_id "
        f"WHERE c.gross > 0 GROUP BY c.customer_id){holdout} "
        "SELECT p.customer_id, p.first_purchase, p.last_purchase, "
        f"DATE_DIFF('day', p.last_purchase, {end}) AS days_since_last, "
        "p.frequency, "
        f"CAST(DATE_DIFF('day', p.first_purchase, p.last_purchase) AS DOUBLE) / {period_days} "
        "AS recency, "
        f"CAST(DATE_DIFF('day', p.first_purchase, {end}) AS DOUBLE) / {period_days} AS T, "
        "CASE WHEN p.frequency > 0 THEN CAST(p.gross_spend - e.first_gross AS DOUBLE) "
        "/ p.frequency ELSE 0.0 END AS monetary, "
        "p.gross_spend + p.returned_spend AS total_spend, p.gross_spend, p.returned_spend, "
        "DATE_DIFF('day', e.previous_purchase, p.last_purchase) AS last_gap_days, "
        "CASE WHEN p.frequency > 1 THEN CAST(DATE_DIFF('day', p.first_purchase, "
        "e.previous_purchase) AS DOUBLE) / (p.frequency - 1) END AS prior_mean_gap_days"
        f"{holdout_cols} "
        "FROM per_customer p JOIN edges e ON e.customer_id = p.customer_id "
        + ("LEFT JOIN holdout h ON h.customer_id = p.customer_id " if holdout_end else "")
        + "ORDER BY p.customer_id"
    )


def accounting_sql(calibration_end: date, holdout_end: date | None) -> str:
    """Where every input row went, and the customers that could not be modelled."""
    last = _date(holdout_end or calibration_end)
    return (
        "SELECT COUNT(*) AS rows_in, "
        "COUNT(*) FILTER (WHERE customer_id IS NULL) AS rows_no_customer, "
        "COUNT(*) FILTER (WHERE customer_id IS NOT NULL AND occurred_at IS NULL) "
        "AS rows_bad_date, "
        "COUNT(*) FILTER (WHERE customer_id IS NOT NULL AND occurred_at IS NOT NULL "
        "AND amount IS NULL) AS rows_bad_amount, "
        "COUNT(*) FILTER (WHERE customer_id IS NOT NULL AND occurred_at IS NOT NULL "
        f"AND CAST(occurred_at AS DATE) > {last} AND amount IS NOT NULL) AS rows_after_end, "
        "COUNT(*) FILTER (WHERE customer_id IS NOT NULL AND occurred_at IS NOT NULL "
        f"AND CAST(occurred_at AS DATE) <= {last} AND amount = 0) AS rows_zero_amount, "
        "COUNT(*) FILTER (WHERE customer_id IS NOT NULL AND occurred_at IS NOT NULL "
        f"AND CAST(occurred_at AS DATE) <= {last} AND amount < 0) AS rows_returns, "
        "COUNT(*) FILTER (WHERE customer_id IS NOT NULL AND occurred_at IS NOT NULL "
        f"AND CAST(occurred_at AS DATE) <= {last} AND amount > 0) AS rows_purchases, "
        "MIN(occurred_at) AS first_date, MAX(occurred_at) AS last_date "
        f"FROM {TRANSACTIONS}"
    )


def customer_accounting_sql(calibration_end: date) -> str:
    """Every customer id in the input lands in exactly one of: modelled, acquired after
    calibration, only returns, or no usable row (zero amounts, unreadable dates)."""
    end = _date(calibration_end)
    return (
        "WITH firsts AS (SELECT customer_id, MIN(CASE WHEN gross > 0 THEN day END) AS first_buy "
        f"FROM {DAILY} GROUP BY customer_id) "
        f"SELECT (SELECT COUNT(DISTINCT customer_id) FROM {TRANSACTIONS}) AS customers_seen, "
        f"COUNT(*) FILTER (WHERE first_buy <= {end}) AS customers_modelled, "
        f"COUNT(*) FILTER (WHERE first_buy > {end}) AS customers_acquired_after_calibration, "
        "COUNT(*) FILTER (WHERE first_buy IS NULL) AS customers_only_returns, "
        f"(SELECT COUNT(DISTINCT customer_id) FROM {TRANSACTIONS}) - COUNT(*) "
        "AS customers_no_usable_row FROM firsts"
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


def _as_date(value: date | str | None, what: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InputError(f"{what} must be a date like 2011-09-30, got {value!r}") from None


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
    engine: Engine | None = None,
) -> Summary:
    """Summarise a transaction log per customer (see the module docstring).

    ``calibration_end`` (inclusive) splits calibration and holdout; the holdout runs
    to ``observation_end`` (default: the last date in the data). Without a calibration
    end, everything up to ``observation_end`` is calibration.

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
    columns = detect_columns(register_source(engine, source), customer_col, date_col, amount_col)
    engine.materialize(
        TRANSACTIONS, transactions_sql(columns, date_format, engine.column_kinds(RAW))
    )
    engine.materialize(DAILY, daily_sql())
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
    holdout_end = obs_end if cal_end is not None else None
    cal_end = cal_end or obs_end
    customers = engine.query(summary_sql(period_days, cal_end, holdout_end), "summary").to_pandas()
    accounting = engine.query(accounting_sql(cal_end, holdout_end), "accounting").to_pylist()[0]
    accounting.update(engine.query(customer_accounting_sql(cal_end), "customers").to_pylist()[0])
    return Summary(customers, accounting, columns, period, cal_end, holdout_end)


def _no_usable_rows_message(engine: Engine) -> str:
    counts = engine.query(accounting_sql(date.max, None), "accounting").to_pylist()[0]
    return (
        f"no usable rows: of {counts['rows_in']:,} rows, {counts['rows_no_customer']:,} have "
        f"no customer id, {counts['rows_bad_date']:,} have a date that could not be read "
        f"and {counts['rows_bad_amount']:,} an amount that could not be read; check the "
        "column choice (--customer-col, --date-col, --amount-col) and the date format"
    )
