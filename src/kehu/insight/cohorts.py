"""Acquisition cohorts, their retention, and weekly purchase counts.

Acquisition cohorts and their retention, and the weekly purchase counts that the
holdout tracking chart compares with the model, computed on the daily table that
:func:`kehu.insight.summary.summarize` leaves in its engine.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from kehu.insight.engine import Engine
from kehu.insight.summary import DAILY


def cohort_retention_sql(last_day: date) -> str:
    """Return the SQL counting the buyers of each acquisition cohort in each month since.

    Per acquisition month and month offset (0 = the month of the first purchase): how
    many of the cohort bought in that month.
    """
    end = f"DATE '{last_day.isoformat()}'"
    return (
        "WITH buys AS (SELECT customer_id, DATE_TRUNC('month', day) AS month "
        f"FROM {DAILY} WHERE gross > 0 AND day <= {end} GROUP BY 1, 2), "
        "cohort AS (SELECT customer_id, MIN(month) AS cohort FROM buys GROUP BY 1) "
        "SELECT c.cohort, "
        "(EXTRACT(YEAR FROM b.month) - EXTRACT(YEAR FROM c.cohort)) * 12 "
        "+ EXTRACT(MONTH FROM b.month) - EXTRACT(MONTH FROM c.cohort) AS month_offset, "
        "COUNT(*) AS active FROM buys b JOIN cohort c ON c.customer_id = b.customer_id "
        "GROUP BY 1, 2 ORDER BY 1, 2"
    )


def cohort_retention(engine: Engine, last_day: date) -> pd.DataFrame:
    """Return the share of each cohort active in each month since its first purchase.

    Wide table: one row per cohort (month of first purchase), ``size`` and the share
    of the cohort active in each month since (column ``k`` for month offset k).
    """
    long = engine.query(cohort_retention_sql(last_day), "cohort retention").to_pandas()
    if long.empty:
        return pd.DataFrame(columns=["cohort", "size"])
    long["month_offset"] = long["month_offset"].astype(int)
    long["cohort"] = pd.to_datetime(long["cohort"]).dt.strftime("%Y-%m")
    wide = long.pivot(index="cohort", columns="month_offset", values="active").sort_index()
    size = wide[0]
    shares = wide.div(size, axis=0)
    shares.insert(0, "size", size.astype(int))
    result: pd.DataFrame = shares.reset_index()
    return result


def weekly_repeat_purchases_sql(
    first_day: date, last_day: date, acquired_by: date | None = None
) -> str:
    """Return the SQL of the repeat purchase days per week.

    Repeat purchase days (every purchase day after a customer's first) per week,
    by week index from ``first_day`` (0-based) up to ``last_day``.
    """
    start = f"DATE '{first_day.isoformat()}'"
    end = f"DATE '{last_day.isoformat()}'"
    return (
        "WITH buys AS (SELECT customer_id, day, MIN(day) OVER (PARTITION BY customer_id) "
        f"AS first_day FROM {DAILY} WHERE gross > 0 AND day <= {end}) "
        f"SELECT CAST(FLOOR(DATE_DIFF('day', {start}, day) / 7) AS INTEGER) AS week, "
        "COUNT(*) AS repeat_purchases FROM buys WHERE day > first_day "
        f"AND day >= {start}"
        + (f" AND first_day <= DATE '{acquired_by.isoformat()}'" if acquired_by else "")
        + " GROUP BY 1 ORDER BY 1"
    )


def weekly_repeat_purchases(
    engine: Engine, first_day: date, last_day: date, acquired_by: date | None = None
) -> pd.DataFrame:
    """Return the repeat purchases per week.

    Repeat purchases per week; with ``acquired_by``, only of customers whose first
    purchase was on or before that day (the calibration cohort of a holdout check).
    """
    frame = engine.query(
        weekly_repeat_purchases_sql(first_day, last_day, acquired_by), "weekly repeat purchases"
    ).to_pandas()
    n_weeks = (last_day - first_day).days // 7 + 1
    weeks = pd.DataFrame({"week": range(n_weeks)})
    return weeks.merge(frame, on="week", how="left").fillna({"repeat_purchases": 0})
