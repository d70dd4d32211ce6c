"""Deviation analysis: customers and orders unlike their own pattern.

Deviation analysis: customers whose recent behaviour departs from their own pattern,
and orders unlike the customer's others, each with the reason in words.

Each flag compares a customer with their own past, not with everyone:

- ``spend_drop``: spend in the last 90 days against what their own rate of spend before
  that window predicts for 90 days (at least three orders, 180 days of history and a
  pace of at least one order per 90 days).

Spend drops and gaps are flagged while they are news: for customers whose last order is
at most ``LOOKBACK_DAYS`` old (older than that, the customer is lost, which the churn
risk and the lifecycle stage already say).
- ``long_gap``: the time since the last order against the customer's own purchase
  rhythm. Given BG/NBD's gamma prior on the purchase rate (``r, alpha``), a customer
  still active who made ``x`` repeat purchases in ``t_x`` days goes ``g`` days without
  one with probability ``((alpha + t_x) / (alpha + t_x + g)) ** (r + x)`` (the
  negative-binomial zero, Fader, Hardie & Lee 2005, eq. 3 with the posterior of
  lambda); a gap with a probability under ``GAP_SURPRISE`` is flagged.
- ``complaint_burst``: complaints in the last 90 days against the customer's own rate
  before (shrunk towards everyone's rate over ``PRIOR_DAYS``); flagged when at least
  two and the Poisson chance of as many is under ``BURST_SURPRISE``.
- ``unusual_order``: an order whose amount is far from the customer's usual ones: the
  modified z-score of log amount (Iglewicz & Hoaglin 1993; 0.6745 (x - median) / MAD)
  beyond ``ORDER_Z`` and at least ``ORDER_RATIO`` times (or a ``1/ORDER_RATIO`` part
  of) the median order, among customers with at least ``MIN_ORDERS`` orders; a return
  larger than ``ORDER_RATIO`` median orders is flagged too.

Each flag carries ``values`` (the numbers behind it, for a CRM to phrase in its own
language) and ``reason`` (English words).
"""

from __future__ import annotations

import json
from datetime import date, datetime

import numpy as np
import pandas as pd
from scipy.stats import poisson

from kehu.insight.behaviour import ORDER_COLUMNS, WINDOW_DAYS, check_columns
from kehu.insight.engine import Engine, engine_or_duckdb, timestamp_literal

LOOKBACK_DAYS = 365  # a customer gone longer is lost, not deviating: no flag
SPEND_DROP = 0.7  # flagged when recent spend is at least 70% below the expected
GAP_SURPRISE = 0.01
BURST_SURPRISE = 0.01
PRIOR_DAYS = 180.0
ORDER_Z = 3.5
MIN_ORDERS = 5
ORDER_RATIO = 3.0  # and at least 3x (or a third of) the median order, to matter
FLAG_COLUMNS = ["customer_id", "kind", "severity", "reason", "values", "order_id", "occurred_at"]


def customer_flags(
    behaviour: pd.DataFrame,
    *,
    bg_nbd: tuple[float, float] | None = None,
    period_days: float = 7.0,
) -> pd.DataFrame:
    """Return the spend drops, long gaps and complaint bursts, most severe first.

    Spend drops, long gaps and complaint bursts: one row per flag (``FLAG_COLUMNS``),
    most severe first. ``behaviour`` is :func:`kehu.insight.behaviour.customer_behaviour`'s
    table as of the day of the check; ``bg_nbd`` is the fitted ``(r, alpha)`` with
    ``alpha`` in periods of ``period_days`` days (without it a flat prior is used).
    """
    flags = [
        _spend_drops(behaviour),
        _long_gaps(behaviour, bg_nbd, period_days),
        _complaint_bursts(behaviour),
    ]
    out = (
        pd.concat([f for f in flags if len(f)], ignore_index=True)
        if any(len(f) for f in flags)
        else pd.DataFrame(columns=FLAG_COLUMNS)
    )
    for column in ("order_id", "occurred_at"):
        if column not in out.columns:
            out[column] = None
    return out[FLAG_COLUMNS].sort_values("severity", ascending=False, ignore_index=True)


def _flags(
    b: pd.DataFrame,
    kind: str,
    severity: np.ndarray,
    values: dict[str, np.ndarray],
    reason: list[str],
) -> pd.DataFrame:
    keys = list(values)
    rows = zip(*(np.round(values[k].astype(float), 4) for k in keys), strict=True)
    return pd.DataFrame(
        {
            "customer_id": b["customer_id"].to_numpy(),
            "kind": kind,
            "severity": np.round(severity.astype(float), 4),
            "reason": reason,
            "values": [json.dumps(dict(zip(keys, row, strict=True))) for row in rows],
        }
    )


def _spend_drops(b: pd.DataFrame) -> pd.DataFrame:
    before_days = b["tenure_days"] - WINDOW_DAYS
    orders_before = b["n_orders"] - b["orders_90d"]
    expected = (b["total_spend"] - b["spend_90d"]) / before_days.clip(lower=1) * WINDOW_DAYS
    recent = b["spend_90d"]
    drop = 1 - recent.clip(lower=0) / expected.where(expected > 0)
    expected_orders = orders_before / before_days.clip(lower=1) * WINDOW_DAYS
    hit = (
        (orders_before >= 3)
        & (before_days >= 2 * WINDOW_DAYS)
        & (expected_orders >= 1)
        & (b["recency_days"] <= LOOKBACK_DAYS)
        & (drop >= SPEND_DROP)
    )
    b, expected, recent, drop = b[hit], expected[hit], recent[hit], drop[hit]
    reason = [
        f"spent {r:,.0f} in the last {WINDOW_DAYS} days against {e:,.0f} expected "
        f"from their own history ({-d:.0%})"
        for r, e, d in zip(recent, expected, drop, strict=True)
    ]
    values = {"recent": recent.to_numpy(), "expected": expected.to_numpy(), "drop": drop.to_numpy()}
    return _flags(b, "spend_drop", drop.to_numpy(), values, reason)


def _long_gaps(
    b: pd.DataFrame, bg_nbd: tuple[float, float] | None, period_days: float
) -> pd.DataFrame:
    r, alpha = bg_nbd if bg_nbd is not None else (0.0, 0.0)
    alpha_days = alpha * period_days
    x = b["n_orders"] - 1
    t_x = b["tenure_days"] - b["recency_days"]
    gap = b["recency_days"]
    surprise = ((alpha_days + t_x) / (alpha_days + t_x + gap)) ** (r + x)
    hit = (x >= 2) & (t_x > 0) & (gap <= LOOKBACK_DAYS) & (surprise < GAP_SURPRISE)
    b, gap, surprise = b[hit], gap[hit], surprise[hit]
    rhythm = b["mean_gap_days"]
    reason = [
        f"no order for {g:,.0f} days against an order every {m:,.0f} days before: "
        f"a gap this long has {_chance(s)} chance for a customer still active"
        for g, m, s in zip(gap, rhythm, surprise, strict=True)
    ]
    values = {"gap": gap.to_numpy(), "rhythm": rhythm.to_numpy(), "chance": surprise.to_numpy()}
    return _flags(b, "long_gap", 1 - surprise.to_numpy(), values, reason)


def _chance(p: float) -> str:
    return "less than a 0.1%" if p < 0.001 else f"a {p:.1%}"


def _complaint_bursts(b: pd.DataFrame) -> pd.DataFrame:
    if "complaints_90d" not in b.columns or b["complaints_90d"].sum() == 0:
        return pd.DataFrame(columns=FLAG_COLUMNS)
    before = b["n_complaints"] - b["complaints_90d"]
    days_before = (b["tenure_days"] - WINDOW_DAYS).clip(lower=0)
    everyone = b["n_complaints"].sum() / max(b["tenure_days"].sum(), 1.0)
    rate = (before + everyone * PRIOR_DAYS) / (days_before + PRIOR_DAYS)
    expected = rate * WINDOW_DAYS
    recent = b["complaints_90d"]
    chance = pd.Series(poisson.sf(recent - 1, expected), index=b.index)
    hit = (recent >= 2) & (chance < BURST_SURPRISE)
    b, recent, expected, chance = b[hit], recent[hit], expected[hit], chance[hit]
    reason = [
        f"{n:.0f} complaints in the last {WINDOW_DAYS} days against about {e:.1f} "
        "expected from their history"
        for n, e in zip(recent, expected, strict=True)
    ]
    values = {"recent": recent.to_numpy(), "expected": expected.to_numpy()}
    return _flags(b, "complaint_burst", 1 - chance.to_numpy(), values, reason)


def unusual_orders(
    orders: pd.DataFrame,
    since: date | datetime | None = None,
    *,
    engine: Engine | None = None,
) -> pd.DataFrame:
    """Return the orders far from their customer's usual amount.

    Orders far from the customer's usual amount (``FLAG_COLUMNS``, with ``order_id``
    and ``occurred_at``); only orders from ``since`` on are reported, all by default.
    ``orders``: ``customer_id, order_id, ordered_at, amount``. ``engine`` runs the SQL
    (by default an in-process DuckDB on two threads).
    """
    check_columns(orders, ORDER_COLUMNS, "orders")
    start = pd.Timestamp(since).to_pydatetime() if since is not None else datetime(1900, 1, 1)
    with engine_or_duckdb(engine, threads=2) as run:
        # the whole frame, as the behaviour features register it: copied to Spark once a run
        run.register_table("orders_in", orders)
        found = run.query(_unusual_sql(timestamp_literal(start)), "unusual orders").to_pandas()
    if found.empty:
        return pd.DataFrame(columns=FLAG_COLUMNS)
    ratio = found["amount"].abs() / found["median_order"]
    is_return = found["amount"] < 0
    reason = [
        f"a return of {-a:,.0f}, {q:.1f}× their median order of {m:,.0f}"
        if ret
        else f"an order of {a:,.0f}, {q:.1f}× their median order of {m:,.0f}"
        if q >= 1
        else f"an order of {a:,.0f}, a fraction ({q:.0%}) of their median order of {m:,.0f}"
        for a, q, m, ret in zip(
            found["amount"], ratio, found["median_order"], is_return, strict=True
        )
    ]
    severity = np.where(
        is_return, 1 - 1 / ratio, 1 - 1 / (1 + found["z"].abs().fillna(0) / ORDER_Z)
    )
    values = {
        "amount": found["amount"].to_numpy(),
        "median_order": found["median_order"].to_numpy(),
        "ratio": ratio.to_numpy(),
    }
    flags = _flags(found, "unusual_order", severity, values, reason)
    flags["kind"] = np.where(is_return, "unusual_return", "unusual_order")
    flags["order_id"] = found["order_id"].to_numpy()
    flags["occurred_at"] = found["occurred_at"].to_numpy()
    return flags[FLAG_COLUMNS].sort_values("severity", ascending=False, ignore_index=True)


def _unusual_sql(start: str) -> str:
    """Return the SQL of the orders far from their customer's usual ones.

    Orders from ``start`` (a SQL timestamp) on whose amount is far from their
    customer's usual ones, with the customer's median order and the order's z-score.
    """
    return f"""
        WITH o AS (SELECT customer_id, order_id, CAST(ordered_at AS TIMESTAMP) AS t,
                          CAST(amount AS DOUBLE) AS amount FROM orders_in),
        usual AS (SELECT customer_id, COUNT(*) AS n, MEDIAN(LN(amount)) AS med,
                         MEDIAN(amount) AS median_order
                  FROM o WHERE amount > 0 GROUP BY customer_id HAVING COUNT(*) >= {MIN_ORDERS}),
        spread AS (SELECT u.customer_id, MEDIAN(ABS(LN(o.amount) - u.med)) AS mad
                   FROM o JOIN usual u USING (customer_id) WHERE o.amount > 0
                   GROUP BY u.customer_id)
        SELECT o.customer_id, o.order_id, o.t AS occurred_at, o.amount, u.median_order,
               CASE WHEN o.amount > 0 THEN 0.6745 * (LN(o.amount) - u.med) / s.mad END AS z
        FROM o JOIN usual u USING (customer_id) JOIN spread s USING (customer_id)
        WHERE o.t >= {start} AND (
            (o.amount > 0 AND s.mad > 0
             AND ABS(0.6745 * (LN(o.amount) - u.med) / s.mad) > {ORDER_Z}
             AND (o.amount >= {ORDER_RATIO} * u.median_order
                  OR o.amount * {ORDER_RATIO} <= u.median_order))
            OR (o.amount < 0 AND -o.amount > {ORDER_RATIO} * u.median_order))
        """
