"""What each customer owed past its due dates, as of a moment.

Behaviour features for the churn model (a customer who stops paying is often a
customer about to leave). From the invoices (``customer_id, invoice_id, issued_on,
due_on, amount``; drafts and void invoices left out by the caller) and the payments
(``invoice_id, paid_on, amount``), only what happened before ``as_of`` counts, so the
same SQL builds the features of a past cut-off for training and of today for scoring:

- ``overdue_amount``: what was left to pay on the invoices due before ``as_of``'s day;
- ``days_overdue``: days from the oldest of those still unpaid to ``as_of`` (0 when
  nothing is overdue).

One query, run by the engine given (DuckDB or Spark); no Python loop touches a row.
"""

from __future__ import annotations

import pandas as pd

from kehu.insight.data import InputError
from kehu.insight.engine import Engine

INVOICE_COLUMNS = ("customer_id", "invoice_id", "issued_on", "due_on", "amount")
PAYMENT_COLUMNS = ("invoice_id", "paid_on", "amount")
FEATURES = ("overdue_amount", "days_overdue")


def check_columns(invoices: pd.DataFrame, payments: pd.DataFrame | None) -> None:
    """Raise an ``InputError`` naming the columns ``invoices`` or ``payments`` lack."""
    for frame, columns, name in (
        (invoices, INVOICE_COLUMNS, "invoices"),
        (payments, PAYMENT_COLUMNS, "payments"),
    ):
        if frame is None:
            continue
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise InputError(
                f"{name} need the columns {list(columns)}; missing {missing}, "
                f"found {list(frame.columns)}"
            )


def overdue_sql(until: str, with_payments: bool) -> str:
    """Return the SQL of what each customer had overdue at ``until`` (a SQL timestamp).

    Per customer with something overdue: the amount left on invoices due before that
    day, and the days since the oldest fell due. Reads ``invoices_in`` and, with
    ``with_payments``, ``payments_in``.
    """
    day = f"CAST({until} AS DATE)"
    join, paid = "", "0.0"
    if with_payments:
        join = (
            "LEFT JOIN (SELECT invoice_id, SUM(CAST(amount AS DOUBLE)) AS paid FROM payments_in "
            f"WHERE CAST(paid_on AS DATE) < {day} GROUP BY invoice_id) p "
            "ON p.invoice_id = i.invoice_id"
        )
        paid = "COALESCE(p.paid, 0.0)"
    return (
        "WITH open_then AS (SELECT i.customer_id, CAST(i.due_on AS DATE) AS due, "
        f"CAST(i.amount AS DOUBLE) - {paid} AS left_to_pay "
        f"FROM invoices_in i {join} "
        f"WHERE CAST(i.issued_on AS DATE) < {day} AND CAST(i.due_on AS DATE) < {day}) "
        "SELECT customer_id, CAST(SUM(left_to_pay) AS DOUBLE) AS overdue_amount, "
        f"CAST(date_diff('day', MIN(due), {day}) AS DOUBLE) AS days_overdue "
        "FROM open_then WHERE left_to_pay > 0.005 GROUP BY customer_id"
    )


def overdue_features(
    engine: Engine,
    features: pd.DataFrame,
    invoices: pd.DataFrame,
    payments: pd.DataFrame | None,
    until: str,
) -> pd.DataFrame:
    """Return ``features`` (one row per customer) with :data:`FEATURES` joined.

    A customer with nothing overdue gets 0 in both.
    """
    engine.register_table("invoices_in", invoices)
    if payments is not None:
        engine.register_table("payments_in", payments)
    found: pd.DataFrame = engine.query(
        overdue_sql(until, payments is not None), "overdue invoices"
    ).to_pandas()
    merged = features.merge(found, on="customer_id", how="left")
    for name in FEATURES:
        merged[name] = merged[name].fillna(0.0).astype(float)
    return merged
