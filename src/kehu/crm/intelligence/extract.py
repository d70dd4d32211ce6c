"""What the value engine reads from the CRM database: the purchase log (one row per
order) and per-customer facts the log does not carry (margin where the cost of the
goods is known, mean ticket satisfaction). Each is one SQL query that aggregates in
the database; the rows come back as Arrow columns (:mod:`kehu.crm.bulk_read`), never
as model instances or Python objects per row."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from kehu.crm.billing.models import Invoice, Payment
from kehu.crm.bulk import quoted_table
from kehu.crm.bulk_read import read_table, timestamp_sql
from kehu.crm.catalog.models import Product, ProductCategory
from kehu.crm.customers.models import Customer
from kehu.crm.sales.models import Order, OrderLine
from kehu.crm.service.models import Ticket

# A draft is not a purchase yet, and a cancelled order counts nothing (sales.models).
NOT_PURCHASES = (Order.Status.DRAFT.value, Order.Status.CANCELLED.value)

INT, FLOAT, TEXT, TIME = pa.int64(), pa.float64(), pa.string(), pa.timestamp("us")
ORDER_COLUMNS = pa.schema(
    [
        ("customer_id", INT),
        ("order_id", INT),
        ("ordered_at", TIME),
        ("amount", FLOAT),
        ("channel", TEXT),
    ]
)


def _frame(sql: str, params: list[object], schema: pa.Schema) -> pd.DataFrame:
    return read_table(sql, params, schema).to_pandas()


def orders() -> pd.DataFrame:
    """One row per sale or return that is not a draft or cancelled: ``customer_id,
    order_id`` (an integer, so that the library's "invoice number starting with C is a
    return" rule never applies to CRM order numbers) ``, ordered_at`` (naive UTC)
    ``, amount`` (negative for a return) ``, channel``."""
    sql = (
        f"SELECT o.customer_id, o.id, {timestamp_sql('o.ordered_at')}, "
        "CAST(o.total_amount AS DOUBLE PRECISION), "  # already negative for a return
        f"o.channel FROM {quoted_table(Order)} o WHERE o.status NOT IN (%s, %s)"
    )
    return _frame(sql, list(NOT_PURCHASES), ORDER_COLUMNS)


def transactions(orders_read: pd.DataFrame | None = None) -> pd.DataFrame:
    """The value engine's purchase log: ``customer_id, ordered_at, amount, order_id``,
    from :func:`orders` (read here unless given)."""
    source = orders() if orders_read is None else orders_read
    return source[["customer_id", "ordered_at", "amount", "order_id"]]


def customer_facts_sql() -> str:
    """Every CRM customer with the margin of their costed order lines (line total minus
    quantity × unit cost, negative for returns; NULL when no line has a known cost), the
    revenue of those lines, and the mean satisfaction of their rated tickets."""
    line, order, product = quoted_table(OrderLine), quoted_table(Order), quoted_table(Product)
    sign = "CASE WHEN o.kind = %s THEN -1 ELSE 1 END"
    return (
        "SELECT c.id, m.margin, m.costed_revenue, s.satisfaction, "
        "CAST(s.n_rated AS DOUBLE PRECISION), c.status "
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
    schema = pa.schema(
        [
            ("customer_id", INT),
            ("margin", FLOAT),
            ("costed_revenue", FLOAT),
            ("satisfaction", FLOAT),
            ("n_rated", FLOAT),
            ("status", TEXT),
        ]
    )
    frame = _frame(customer_facts_sql(), params, schema)
    frame["n_rated"] = frame["n_rated"].fillna(0).astype("int64")
    return frame


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
        f"SELECT o.customer_id, o.id, {timestamp_sql('o.ordered_at')}, l.product_id, "
        "COALESCE(c.name, ''), "
        f"{sign} * CAST(l.quantity AS DOUBLE PRECISION), "
        f"{sign} * CAST(l.line_total AS DOUBLE PRECISION) "
        f"FROM {line} l JOIN {order} o ON o.id = l.order_id "
        f"JOIN {product} p ON p.id = l.product_id "
        f"LEFT JOIN {category} c ON c.id = p.category_id "
        "WHERE o.status NOT IN (%s, %s)"
    )
    schema = pa.schema(
        [
            ("customer_id", INT),
            ("order_id", INT),
            ("ordered_at", TIME),
            ("product_id", INT),
            ("category", TEXT),
            ("quantity", FLOAT),
            ("amount", FLOAT),
        ]
    )
    params = [Order.Kind.RETURN.value, Order.Kind.RETURN.value, *NOT_PURCHASES]
    return _frame(sql, params, schema)


def tickets() -> pd.DataFrame:
    """Every service ticket: ``customer_id, opened_at, kind`` (its type)."""
    sql = f"SELECT customer_id, {timestamp_sql('opened_at')}, type FROM {quoted_table(Ticket)}"
    schema = pa.schema([("customer_id", INT), ("opened_at", TIME), ("kind", TEXT)])
    return _frame(sql, [], schema)


def invoices() -> pd.DataFrame:
    """Every invoice the customer owes or owed (not a draft, not void): ``customer_id,
    invoice_id, issued_on, due_on, amount``."""
    sql = (
        "SELECT customer_id, id, CAST(issued_on AS TEXT), CAST(due_on AS TEXT), "
        f"CAST(amount AS DOUBLE PRECISION) FROM {quoted_table(Invoice)} "
        "WHERE status IN (%s, %s)"
    )
    schema = pa.schema(
        [
            ("customer_id", INT),
            ("invoice_id", INT),
            ("issued_on", TIME),
            ("due_on", TIME),
            ("amount", FLOAT),
        ]
    )
    return _frame(sql, [Invoice.Status.OPEN.value, Invoice.Status.PAID.value], schema)


def payments() -> pd.DataFrame:
    """Every payment: ``invoice_id, paid_on, amount``."""
    sql = (
        "SELECT invoice_id, CAST(paid_on AS TEXT), CAST(amount AS DOUBLE PRECISION) "
        f"FROM {quoted_table(Payment)}"
    )
    schema = pa.schema([("invoice_id", INT), ("paid_on", TIME), ("amount", FLOAT)])
    return _frame(sql, [], schema)


def customer_regions() -> pd.DataFrame:
    """``customer_id, region`` (the region, else the country, else "")."""
    region = "COALESCE(NULLIF(region, ''), NULLIF(country, ''), '')"
    sql = f"SELECT id, {region} FROM {quoted_table(Customer)}"
    return _frame(sql, [], pa.schema([("customer_id", INT), ("region", TEXT)]))
