"""What the value engine reads from the CRM database: the purchase log (one row per
order) and per-customer facts the log does not carry (margin where the cost of the
goods is known, mean ticket satisfaction). Each is one SQL query that aggregates in
the database; the rows come back as columns, never as model instances."""

from __future__ import annotations

import numpy as np
import pandas as pd
from django.db import connection

from kehu.crm.billing.models import Invoice, Payment
from kehu.crm.bulk import quoted_table
from kehu.crm.catalog.models import Product, ProductCategory
from kehu.crm.customers.models import Customer
from kehu.crm.sales.models import Order, OrderLine
from kehu.crm.service.models import Ticket

# A draft is not a purchase yet, and a cancelled order counts nothing (sales.models).
NOT_PURCHASES = (Order.Status.DRAFT.value, Order.Status.CANCELLED.value)


def _fetch(sql: str, params: list[object]) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def transactions_sql() -> str:
    """One row per sale or return that is not a draft or cancelled: customer id, order
    time (text on SQLite, so that no row goes through Python's datetime parser), signed
    total and order id (an integer, so that the library's "invoice number starting with
    C is a return" rule never applies to CRM order numbers)."""
    ordered_at = "CAST(o.ordered_at AS TEXT)" if connection.vendor == "sqlite" else "o.ordered_at"
    return (
        f"SELECT o.customer_id, {ordered_at}, CAST(o.total_amount AS DOUBLE PRECISION), o.id "
        f"FROM {quoted_table(Order)} o WHERE o.status NOT IN (%s, %s)"
    )


def transactions() -> pd.DataFrame:
    """The purchase log: ``customer_id, ordered_at`` (naive UTC), ``amount, order_id``."""
    rows = _fetch(transactions_sql(), list(NOT_PURCHASES))
    names = ["customer_id", "ordered_at", "amount", "order_id"]
    if not rows:
        return pd.DataFrame({name: [] for name in names})
    customer_id, ordered_at, amount, order_id = zip(*rows, strict=True)
    when = pd.to_datetime(pd.Series(ordered_at), utc=True, format="ISO8601")
    return pd.DataFrame(
        {
            "customer_id": np.asarray(customer_id, dtype=np.int64),
            "ordered_at": when.dt.tz_localize(None),
            "amount": np.asarray(amount, dtype=float),
            "order_id": np.asarray(order_id, dtype=np.int64),
        }
    )


def customer_facts_sql() -> str:
    """Every CRM customer with the margin of their costed order lines (line total minus
    quantity × unit cost, negative for returns; NULL when no line has a known cost), the
    revenue of those lines, and the mean satisfaction of their rated tickets."""
    line, order, product = quoted_table(OrderLine), quoted_table(Order), quoted_table(Product)
    sign = "CASE WHEN o.kind = %s THEN -1 ELSE 1 END"
    return (
        "SELECT c.id, m.margin, m.costed_revenue, s.satisfaction, s.n_rated, c.status "
        f"FROM {quoted_table(Customer)} c "
        "LEFT JOIN (SELECT o.customer_id, "
        f"CAST(SUM({sign} * (l.line_total - l.quantity * p.unit_cost)) AS DOUBLE PRECISION) "
        "AS margin, "
        f"CAST(SUM({sign} * l.line_total) AS DOUBLE PRECISION) AS costed_revenue "
        f"FROM {line} l JOIN {order} o ON o.id = l.order_id "
        f"JOIN {product} p ON p.id = l.product_id "
        "WHERE p.unit_cost IS NOT NULL AND o.status NOT IN (%s, %s) "
        "GROUP BY o.customer_id) m ON m.customer_id = c.id "
        "LEFT JOIN (SELECT customer_id, "
        "AVG(CAST(satisfaction_score AS DOUBLE PRECISION)) AS satisfaction, "
        "COUNT(*) AS n_rated "
        f"FROM {quoted_table(Ticket)} WHERE satisfaction_score IS NOT NULL "
        "GROUP BY customer_id) s ON s.customer_id = c.id "
        "ORDER BY c.id"
    )


def customer_facts() -> pd.DataFrame:
    """One row per CRM customer: ``customer_id, margin, costed_revenue, satisfaction,
    n_rated`` (NaN where unknown) and ``status`` (the customer's CRM status)."""
    params = [Order.Kind.RETURN.value, Order.Kind.RETURN.value, *NOT_PURCHASES]
    rows = _fetch(customer_facts_sql(), params)
    names = ["customer_id", "margin", "costed_revenue", "satisfaction", "n_rated"]
    if not rows:
        return pd.DataFrame({name: [] for name in [*names, "status"]})
    columns = list(zip(*rows, strict=True))
    pairs = zip(names[1:], columns[1:-1], strict=True)
    frame = pd.DataFrame({name: np.asarray(col, dtype=float) for name, col in pairs})
    frame.insert(0, "customer_id", np.asarray(columns[0], dtype=np.int64))
    frame["n_rated"] = frame["n_rated"].fillna(0).astype(np.int64)
    frame["status"] = np.asarray(columns[-1], dtype=object)
    return frame


def _when(values: tuple) -> pd.Series:
    return pd.to_datetime(pd.Series(values), utc=True, format="ISO8601").dt.tz_localize(None)


def _timestamp_sql(column: str) -> str:
    return f"CAST({column} AS TEXT)" if connection.vendor == "sqlite" else column


def orders() -> pd.DataFrame:
    """What the mining steps read per order: ``customer_id, order_id, ordered_at,
    amount, channel`` (not drafts or cancellations; returns negative)."""
    sql = (
        f"SELECT o.customer_id, o.id, {_timestamp_sql('o.ordered_at')}, "
        "CAST(o.total_amount AS DOUBLE PRECISION), "  # already negative for a return
        f"o.channel FROM {quoted_table(Order)} o WHERE o.status NOT IN (%s, %s)"
    )
    rows = _fetch(sql, list(NOT_PURCHASES))
    names = ["customer_id", "order_id", "ordered_at", "amount", "channel"]
    if not rows:
        return pd.DataFrame({name: [] for name in names})
    customer_id, order_id, ordered_at, amount, channel = zip(*rows, strict=True)
    return pd.DataFrame(
        {
            "customer_id": np.asarray(customer_id, dtype=np.int64),
            "order_id": np.asarray(order_id, dtype=np.int64),
            "ordered_at": _when(ordered_at),
            "amount": np.asarray(amount, dtype=float),
            "channel": np.asarray(channel, dtype=object),
        }
    )


def order_lines() -> pd.DataFrame:
    """One row per order line of a purchase or return: ``customer_id, order_id,
    ordered_at, product_id, category`` ("" when none) ``, quantity, amount`` (signed)."""
    line, order, product, category = (
        quoted_table(OrderLine),
        quoted_table(Order),
        quoted_table(Product),
        quoted_table(ProductCategory),
    )
    sign = "CASE WHEN o.kind = %s THEN -1 ELSE 1 END"
    sql = (
        f"SELECT o.customer_id, o.id, {_timestamp_sql('o.ordered_at')}, l.product_id, "
        "COALESCE(c.name, ''), "
        f"{sign} * CAST(l.quantity AS DOUBLE PRECISION), "
        f"{sign} * CAST(l.line_total AS DOUBLE PRECISION) "
        f"FROM {line} l JOIN {order} o ON o.id = l.order_id "
        f"JOIN {product} p ON p.id = l.product_id "
        f"LEFT JOIN {category} c ON c.id = p.category_id "
        "WHERE o.status NOT IN (%s, %s)"
    )
    rows = _fetch(sql, [Order.Kind.RETURN.value, Order.Kind.RETURN.value, *NOT_PURCHASES])
    names = ["customer_id", "order_id", "ordered_at", "product_id", "category", "quantity"]
    if not rows:
        return pd.DataFrame({name: [] for name in [*names, "amount"]})
    columns = list(zip(*rows, strict=True))
    return pd.DataFrame(
        {
            "customer_id": np.asarray(columns[0], dtype=np.int64),
            "order_id": np.asarray(columns[1], dtype=np.int64),
            "ordered_at": _when(columns[2]),
            "product_id": np.asarray(columns[3], dtype=np.int64),
            "category": np.asarray(columns[4], dtype=object),
            "quantity": np.asarray(columns[5], dtype=float),
            "amount": np.asarray(columns[6], dtype=float),
        }
    )


def tickets() -> pd.DataFrame:
    """Every service ticket: ``customer_id, opened_at, kind`` (its type)."""
    sql = f"SELECT customer_id, {_timestamp_sql('opened_at')}, type FROM {quoted_table(Ticket)}"
    rows = _fetch(sql, [])
    if not rows:
        return pd.DataFrame({name: [] for name in ["customer_id", "opened_at", "kind"]})
    customer_id, opened_at, kind = zip(*rows, strict=True)
    return pd.DataFrame(
        {
            "customer_id": np.asarray(customer_id, dtype=np.int64),
            "opened_at": _when(opened_at),
            "kind": np.asarray(kind, dtype=object),
        }
    )


def invoices() -> pd.DataFrame:
    """Every invoice the customer owes or owed (not a draft, not void): ``customer_id,
    invoice_id, issued_on, due_on, amount``."""
    sql = (
        "SELECT customer_id, id, CAST(issued_on AS TEXT), CAST(due_on AS TEXT), "
        f"CAST(amount AS DOUBLE PRECISION) FROM {quoted_table(Invoice)} "
        "WHERE status IN (%s, %s)"
    )
    rows = _fetch(sql, [Invoice.Status.OPEN.value, Invoice.Status.PAID.value])
    names = ["customer_id", "invoice_id", "issued_on", "due_on", "amount"]
    if not rows:
        return pd.DataFrame({name: [] for name in names})
    columns = list(zip(*rows, strict=True))
    return pd.DataFrame(
        {
            "customer_id": np.asarray(columns[0], dtype=np.int64),
            "invoice_id": np.asarray(columns[1], dtype=np.int64),
            "issued_on": pd.to_datetime(pd.Series(columns[2]), format="ISO8601"),
            "due_on": pd.to_datetime(pd.Series(columns[3]), format="ISO8601"),
            "amount": np.asarray(columns[4], dtype=float),
        }
    )


def payments() -> pd.DataFrame:
    """Every payment: ``invoice_id, paid_on, amount``."""
    sql = (
        "SELECT invoice_id, CAST(paid_on AS TEXT), CAST(amount AS DOUBLE PRECISION) "
        f"FROM {quoted_table(Payment)}"
    )
    rows = _fetch(sql, [])
    if not rows:
        return pd.DataFrame({name: [] for name in ["invoice_id", "paid_on", "amount"]})
    invoice_id, paid_on, amount = zip(*rows, strict=True)
    return pd.DataFrame(
        {
            "invoice_id": np.asarray(invoice_id, dtype=np.int64),
            "paid_on": pd.to_datetime(pd.Series(paid_on), format="ISO8601"),
            "amount": np.asarray(amount, dtype=float),
        }
    )


def customer_regions() -> pd.DataFrame:
    """``customer_id, region`` (the region, else the country, else "")."""
    region = "COALESCE(NULLIF(region, ''), NULLIF(country, ''), '')"
    sql = f"SELECT id, {region} FROM {quoted_table(Customer)}"
    rows = _fetch(sql, [])
    if not rows:
        return pd.DataFrame({"customer_id": [], "region": []})
    customer_id, region = zip(*rows, strict=True)
    return pd.DataFrame(
        {"customer_id": np.asarray(customer_id, dtype=np.int64), "region": list(region)}
    )
