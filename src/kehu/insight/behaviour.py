"""Behaviour features of each customer, as of a date.

One row of behaviour per customer, as of a date: what segmentation, the churn model
and the deviation checks read.

From the orders (one row each: ``customer_id, order_id, ordered_at, amount`` and, when
known, ``channel``), the order lines (``customer_id, ordered_at, category, amount``)
and the service tickets (``customer_id, opened_at, kind``), everything before
``as_of`` counts; later rows are ignored, so the same function builds the features of a
past cut-off for training and of today for scoring. All of it is one SQL query per
table, run by the engine given (:mod:`kehu.insight.engine`: DuckDB in-process by
default, or Spark); no Python loop touches a row.

Columns:

- ``recency_days`` (days since the last order), ``tenure_days`` (since the first),
  ``n_orders``, ``total_spend``, ``mean_order`` and ``mean_gap_days`` (mean days
  between orders; NaN with one order);
- ``spend_90d``, ``orders_90d`` and ``spend_prev_90d`` (the 90 days before those), the
  recent trend;
- ``returns_share`` (share of orders that are returns, negative amounts);
- ``category: X`` — share of the customer's positive line spend in each of the most
  sold categories; ``channel: X`` — share of orders by channel;
- ``n_tickets``, ``n_complaints``, ``complaints_90d``;
- with invoices: ``overdue_amount``, ``days_overdue`` (:mod:`kehu.insight.receivables`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd

from kehu.insight import receivables
from kehu.insight.data import InputError
from kehu.insight.engine import Engine, engine_or_duckdb, timestamp_literal

WINDOW_DAYS = 90
TOP_CATEGORIES = 6
TOP_CHANNELS = 6
ORDER_COLUMNS = ("customer_id", "order_id", "ordered_at", "amount")
LINE_COLUMNS = ("customer_id", "ordered_at", "category", "amount")
TICKET_COLUMNS = ("customer_id", "opened_at", "kind")
COMPLAINT_KINDS = ("complaint", "dispute", "defect")
#: the tables made on the engine while the features are computed
ORDERS, LINES, TICKETS = "behaviour_orders", "behaviour_lines", "behaviour_tickets"


@dataclass
class Behaviour:
    """Behaviour features of each customer, with the categories and channels found."""

    features: pd.DataFrame  # customer_id + the columns above
    categories: list[str]
    channels: list[str]


def check_columns(frame: pd.DataFrame | None, columns: tuple[str, ...], name: str) -> None:
    """Raise :class:`InputError` naming the columns ``frame`` (if given) lacks."""
    if frame is None:
        return
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(
            f"{name} need the columns {list(columns)}; missing {missing}, "
            f"found {list(frame.columns)}"
        )


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _top(engine: Engine, sql: str, n: int, step: str) -> list[str]:
    return [str(v) for v in engine.query(sql, step).column(0).to_pylist()[:n]]


def _frame(engine: Engine, sql: str, step: str) -> pd.DataFrame:
    frame: pd.DataFrame = engine.query(sql, step).to_pandas()
    return frame


def customer_behaviour(
    orders: pd.DataFrame,
    as_of: date | datetime,
    *,
    lines: pd.DataFrame | None = None,
    tickets: pd.DataFrame | None = None,
    categories: list[str] | None = None,
    channels: list[str] | None = None,
    engine: Engine | None = None,
    invoices: pd.DataFrame | None = None,
    payments: pd.DataFrame | None = None,
) -> Behaviour:
    """Return one row of behaviour features per customer with an order before ``as_of``.

    Every customer with an order before ``as_of``, one row each. ``categories`` and
    ``channels`` fix which shares are computed (a model trained on a past cut-off
    scores today's customers on the same columns); by default the most frequent.
    ``engine`` runs the SQL (by default an in-process DuckDB on two threads).
    ``invoices`` and ``payments`` (optional) add what the customer owed past its due
    dates (:mod:`kehu.insight.receivables`).
    """
    check_columns(orders, ORDER_COLUMNS, "orders")
    check_columns(lines, LINE_COLUMNS, "order lines")
    check_columns(tickets, TICKET_COLUMNS, "tickets")
    cutoff = pd.Timestamp(as_of).to_pydatetime().replace(tzinfo=None)
    if invoices is not None:
        receivables.check_columns(invoices, payments)
    with engine_or_duckdb(engine, threads=2) as run:
        found = _behaviour(run, orders, cutoff, lines, tickets, categories, channels)
        if invoices is not None:
            found.features = receivables.overdue_features(
                run, found.features, invoices, payments, timestamp_literal(cutoff)
            )
    found.features = _settled(found.features)
    return found


#: Decimals kept of each feature (a billionth of a day, of a currency unit, of a share).
FEATURE_DECIMALS = 9


def _settled(features: pd.DataFrame) -> pd.DataFrame:
    """Return the features in customer order, rounded to :data:`FEATURE_DECIMALS`.

    An engine adds floating values in whatever order its threads meet them, so a sum
    can differ in its last bits from one run, or one engine, to the next; a model
    trained on the features (the churn model) would then not give the same risks.
    """
    features = features.sort_values("customer_id", kind="stable", ignore_index=True)
    floats = features.select_dtypes("float").columns
    features[floats] = features[floats].round(FEATURE_DECIMALS)
    return features


def _behaviour(
    engine: Engine,
    orders: pd.DataFrame,
    cutoff: datetime,
    lines: pd.DataFrame | None,
    tickets: pd.DataFrame | None,
    categories: list[str] | None,
    channels: list[str] | None,
) -> Behaviour:
    until = timestamp_literal(cutoff)
    has_channel = "channel" in orders.columns
    engine.register_table("orders_in", orders)
    channel = "COALESCE(CAST(channel AS VARCHAR), '')" if has_channel else "''"
    engine.materialize(
        ORDERS,
        "SELECT customer_id, order_id, CAST(ordered_at AS TIMESTAMP) AS t, "
        f"CAST(amount AS DOUBLE) AS amount, {channel} AS channel "
        f"FROM orders_in WHERE CAST(ordered_at AS TIMESTAMP) < {until}",
    )
    features = _order_features(engine, until)
    channels = _channel_shares(engine, features, channels, has_channel)
    if lines is not None:
        engine.register_table("lines_in", lines)
        engine.materialize(
            LINES,
            "SELECT customer_id, CAST(category AS VARCHAR) AS category, "
            "CAST(amount AS DOUBLE) AS amount FROM lines_in "
            f"WHERE CAST(ordered_at AS TIMESTAMP) < {until} AND amount > 0 "
            "AND category IS NOT NULL",
        )
        categories = _category_shares(engine, features, categories)
        engine.drop(LINES)
    else:
        categories = []
    if tickets is not None:
        features = _ticket_counts(engine, features, tickets, until)
    else:
        for name in ("n_tickets", "n_complaints", "complaints_90d"):
            features[name] = 0.0
    engine.drop(ORDERS)
    return Behaviour(features.reset_index(drop=True), categories, channels)


def _order_features(engine: Engine, until: str) -> pd.DataFrame:
    # whole-number literals: ``/`` and AVG give doubles on DuckDB and Spark alike (Spark
    # reads 86400.0 as a DECIMAL and would return rounded decimals)
    window = f"INTERVAL {WINDOW_DAYS} DAY"
    return _frame(
        engine,
        "SELECT customer_id, "
        f"date_diff('second', MAX(t), {until}) / 86400 AS recency_days, "
        f"date_diff('second', MIN(t), {until}) / 86400 AS tenure_days, "
        "CAST(COUNT(*) AS DOUBLE) AS n_orders, "
        "SUM(amount) AS total_spend, "
        "AVG(amount) AS mean_order, "
        "CASE WHEN COUNT(*) > 1 THEN date_diff('second', MIN(t), MAX(t)) / 86400 "
        "/ (COUNT(*) - 1) END AS mean_gap_days, "
        f"COALESCE(SUM(amount) FILTER (WHERE t >= {until} - {window}), 0) AS spend_90d, "
        f"CAST(COUNT(*) FILTER (WHERE t >= {until} - {window}) AS DOUBLE) AS orders_90d, "
        f"COALESCE(SUM(amount) FILTER (WHERE t >= {until} - 2 * {window} "
        f"AND t < {until} - {window}), 0) AS spend_prev_90d, "
        "AVG(CASE WHEN amount < 0 THEN 1 ELSE 0 END) AS returns_share "
        f"FROM {ORDERS} GROUP BY customer_id ORDER BY customer_id",
        "order features",
    )


def _channel_shares(
    engine: Engine,
    features: pd.DataFrame,
    channels: list[str] | None,
    has_channel: bool,
) -> list[str]:
    if not has_channel:
        return []
    if channels is None:
        channels = _top(
            engine,
            f"SELECT channel FROM {ORDERS} WHERE channel <> '' GROUP BY channel "
            "ORDER BY COUNT(*) DESC, channel",
            TOP_CHANNELS,
            "most used channels",
        )
    if len(channels) < 2:  # one channel for everyone says nothing about anyone
        return []
    shares = ", ".join(
        f'AVG(CASE WHEN channel = {_literal(c)} THEN 1 ELSE 0 END) AS "channel: {i}"'
        for i, c in enumerate(channels)
    )
    _join_shares(
        engine,
        features,
        f"SELECT customer_id, {shares} FROM {ORDERS} GROUP BY customer_id",
        "channel",
        channels,
    )
    return channels


def _category_shares(
    engine: Engine, features: pd.DataFrame, categories: list[str] | None
) -> list[str]:
    if categories is None:
        categories = _top(
            engine,
            f"SELECT category FROM {LINES} GROUP BY category ORDER BY SUM(amount) DESC, category",
            TOP_CATEGORIES,
            "most sold categories",
        )
    if len(categories) < 2:
        return []
    shares = ", ".join(
        f"SUM(CASE WHEN category = {_literal(c)} THEN amount ELSE 0 END) / SUM(amount) "
        f'AS "category: {i}"'
        for i, c in enumerate(categories)
    )
    _join_shares(
        engine,
        features,
        f"SELECT customer_id, {shares} FROM {LINES} GROUP BY customer_id",
        "category",
        categories,
    )
    return categories


def _join_shares(
    engine: Engine,
    features: pd.DataFrame,
    sql: str,
    prefix: str,
    names: list[str],
) -> None:
    """Add the category or channel shares to ``features`` in place.

    Add the shares to ``features`` in place, named ``prefix: name`` (the SQL used
    positions, so that any category name is safe in it); 0 for customers without.
    """
    shares = _frame(engine, sql, f"{prefix} shares").set_index("customer_id")
    aligned = shares.reindex(features["customer_id"].to_numpy())
    for i, name in enumerate(names):
        features[f"{prefix}: {name}"] = np.nan_to_num(
            aligned[f"{prefix}: {i}"].to_numpy(dtype=float), nan=0.0
        )


def _ticket_counts(
    engine: Engine, features: pd.DataFrame, tickets: pd.DataFrame, until: str
) -> pd.DataFrame:
    engine.register_table("tickets_in", tickets)
    kinds = ", ".join(_literal(k) for k in COMPLAINT_KINDS)
    counts = _frame(
        engine,
        "SELECT customer_id, CAST(COUNT(*) AS DOUBLE) AS n_tickets, "
        f"CAST(COUNT(*) FILTER (WHERE kind IN ({kinds})) AS DOUBLE) AS n_complaints, "
        f"CAST(COUNT(*) FILTER (WHERE kind IN ({kinds}) AND CAST(opened_at AS TIMESTAMP) >= "
        f"{until} - INTERVAL {WINDOW_DAYS} DAY) AS DOUBLE) AS complaints_90d "
        f"FROM tickets_in WHERE CAST(opened_at AS TIMESTAMP) < {until} GROUP BY customer_id",
        "ticket counts",
    )
    merged = features.merge(counts, on="customer_id", how="left")
    for name in ("n_tickets", "n_complaints", "complaints_90d"):
        merged[name] = merged[name].fillna(0.0)
    return merged
