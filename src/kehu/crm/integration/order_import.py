"""Orders with lines, one input row per line (as shop exports and Online Retail have
them).

Rules, applied in SQL over the whole file before anything is written:

- A row is quarantined, with the first reason that applies, when it has no order
  number, no readable date, no customer id, no product code, a quantity that is missing,
  not a number or 0, a unit price that is missing, not a number or negative, or a value
  too large to store; or when its customer or its sign differs from the order's first
  row (an order has one customer and is a sale or a return).
- An order is a return when its number starts with ``C`` (a cancellation invoice) or its
  first line has a negative quantity; line quantities are stored positive.
- A line that repeats an earlier line of the same order exactly (product, description,
  quantity, price) is merged into it: exact duplicate lines are export artefacts.
- Customers and products named by the rows and not yet in the database are created
  (customers by external id, products by SKU), and reported beside the row counts.

Each batch holds whole orders, so an order never lands half. Re-importing a file finds
every order by number and every line by its key, and changes nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
from django.db import connection

from kehu.crm.catalog.models import Product
from kehu.crm.customers.models import Customer
from kehu.crm.integration import normalise as n
from kehu.crm.integration import reasons, references
from kehu.crm.integration.readers import RAW, ROW
from kehu.crm.integration.staging import Staging
from kehu.crm.integration.writes import (
    ImportBy,
    chunks,
    create_customers,
    existing_ids,
    ids_by_lower,
    insert_rows,
    record_history,
    select_in,
    table,
)
from kehu.crm.sales.models import Order, OrderLine

ROWS = "import_rows"
DATE_FIELDS = ("ordered_at",)
NUMBER_FIELDS = ("quantity", "unit_price")
PREVIEW_FIELDS = (
    "order_number",
    "ordered_at",
    "customer_ext",
    "sku",
    "description",
    "quantity",
    "unit_price",
    "is_return",
)
MAX_QUANTITY = 1e8  # OrderLine.quantity: 12 digits, 3 decimals
MAX_PRICE = 1e9


def prepare_sql(
    mapping: dict[str, str],
    date_format: str | None,
    decimal_comma: bool,
    *,
    latest: str | None = None,
) -> str:
    """One row per input row: normalised values, ``reason`` (NULL when the row can be
    imported), ``duplicate_of`` (the row it repeats), ``source_key`` and ``batch_order``.
    ``latest``: SQL timestamp beyond which an order date is quarantined (unconfirmed)."""
    col = mapping.get
    quantity = n.number(col("quantity"), decimal_comma)
    price = n.number(col("unit_price"), decimal_comma)
    days = reasons.literal(str(n.future_days()))
    future_date = reasons.ORDER_DATE_IN_THE_FUTURE.sql(value="raw_date", days=days)
    future = [(f"ordered_at > {latest}", future_date)] if latest else []
    checks = [
        ("order_number IS NULL", reasons.NO_ORDER_NUMBER.sql()),
        (
            "ordered_at IS NULL",
            f"CASE WHEN raw_date IS NULL THEN {reasons.NO_ORDER_DATE.sql()} "
            f"ELSE {reasons.ORDER_DATE_NOT_A_DATE.sql(value='raw_date')} END",
        ),
        *future,
        ("customer_ext IS NULL", reasons.NO_CUSTOMER_ID.sql()),
        ("sku IS NULL", reasons.NO_PRODUCT_CODE.sql()),
        (
            "quantity IS NULL",
            f"CASE WHEN raw_quantity IS NULL THEN {reasons.NO_QUANTITY.sql()} "
            f"ELSE {reasons.QUANTITY_NOT_A_NUMBER.sql(value='raw_quantity')} END",
        ),
        ("quantity = 0", reasons.QUANTITY_ZERO.sql()),
        (f"ABS(quantity) >= {MAX_QUANTITY}", reasons.QUANTITY_TOO_LARGE.sql(value="raw_quantity")),
        (
            "unit_price IS NULL",
            f"CASE WHEN raw_price IS NULL THEN {reasons.NO_UNIT_PRICE.sql()} "
            f"ELSE {reasons.PRICE_NOT_A_NUMBER.sql(value='raw_price')} END",
        ),
        ("unit_price < 0", reasons.NEGATIVE_PRICE.sql(value="raw_price")),
        (f"unit_price >= {MAX_PRICE}", reasons.PRICE_TOO_LARGE.sql(value="raw_price")),
    ]
    reason = "CASE " + " ".join(f"WHEN {c} THEN {r}" for c, r in checks) + " END"
    row = "CAST(f.first_row AS VARCHAR)"
    other_customer = reasons.OTHER_CUSTOMER.sql(
        order="c.order_number", customer="f.order_customer", row=row
    )
    other_sign = reasons.OTHER_SIGN.sql(order="c.order_number", row=row)
    return f"""
    CREATE OR REPLACE TEMP TABLE {ROWS} AS
    WITH cells AS (
        SELECT {ROW} AS row_number,
            {n.text(col("order_number"))} AS order_number,
            {n.timestamp(col("ordered_at"), date_format)} AS ordered_at,
            {n.text(col("ordered_at"))} AS raw_date,
            {n.identifier(col("customer_id"))} AS customer_ext,
            {n.text(col("sku"))} AS sku,
            COALESCE({n.text(col("description"))}, '') AS description,
            {quantity} AS quantity, {n.text(col("quantity"))} AS raw_quantity,
            {price} AS unit_price, {n.text(col("unit_price"))} AS raw_price,
            {n.text(col("country"))} AS country
        FROM {RAW}
    ), checked AS (
        SELECT *, {reason} AS reason,
            UPPER(order_number) LIKE 'C%' OR quantity < 0 AS is_return
        FROM cells
    ), firsts AS (
        SELECT order_number, ARG_MIN(customer_ext, row_number) AS order_customer,
            ARG_MIN(is_return, row_number) AS order_is_return,
            ARG_MIN(ordered_at, row_number) AS order_date,
            MIN(row_number) AS first_row
        FROM checked WHERE reason IS NULL GROUP BY order_number
    ), consistent AS (
        SELECT c.*, f.order_date, f.first_row, f.order_is_return,
            COALESCE(c.reason, CASE
                WHEN c.customer_ext <> f.order_customer THEN {other_customer}
                WHEN c.is_return <> f.order_is_return THEN {other_sign}
            END) AS final_reason
        FROM checked c LEFT JOIN firsts f ON f.order_number = c.order_number
    ), keyed AS (
        SELECT *, MD5(sku || chr(31) || description || chr(31) || CAST(ABS(quantity) AS VARCHAR)
            || chr(31) || CAST(unit_price AS VARCHAR)) AS source_key
        FROM consistent
    )
    SELECT row_number, order_number, order_date AS ordered_at, customer_ext, sku,
        description, ABS(quantity) AS quantity, unit_price, country,
        order_is_return AS is_return, final_reason AS reason, source_key, first_row,
        CASE WHEN final_reason IS NULL THEN MIN(
            CASE WHEN final_reason IS NULL THEN row_number END
        ) OVER (PARTITION BY order_number, source_key) END AS first_copy
    FROM keyed
    """


def batch_sql(batch_rows: int) -> str:
    """Valid rows with their batch: orders in file order, about ``batch_rows`` rows per
    batch, never an order split."""
    return f"""
    CREATE OR REPLACE TEMP TABLE import_batches AS
    WITH orders AS (
        SELECT order_number, MIN(first_row) AS first_row, COUNT(*) AS n
        FROM {ROWS} WHERE reason IS NULL GROUP BY order_number
    ), cut AS (
        SELECT order_number,
            (SUM(n) OVER (ORDER BY first_row ROWS UNBOUNDED PRECEDING) - n) // {batch_rows}
                AS cut
        FROM orders
    ), numbered AS (  -- an order larger than a batch skips numbers: close the gaps
        SELECT order_number, DENSE_RANK() OVER (ORDER BY cut) - 1 AS batch FROM cut
    )
    SELECT r.*, b.batch FROM {ROWS} r JOIN numbered b USING (order_number)
    WHERE r.reason IS NULL
    ORDER BY b.batch, r.row_number  -- each batch's rows together: a fetch skips the rest
    """


def file_details(db: Staging) -> dict[str, int]:
    """What the file held, for the result page: orders, returns, duplicate lines."""
    row = db.one(
        f"SELECT COUNT(DISTINCT order_number) FILTER (WHERE reason IS NULL), "
        f"COUNT(*) FILTER (WHERE reason IS NULL AND is_return), "
        f"COUNT(*) FILTER (WHERE reason IS NULL AND row_number <> first_copy) FROM {ROWS}",
        "orders in the file",
    )
    return {"orders_in_file": row[0], "return_lines": row[1], "duplicate_lines": row[2]}


def apply_batch(
    rows: pa.Table, now: datetime | None = None, by: ImportBy | None = None
) -> dict[str, int]:
    """Write one batch (call inside a transaction). Returns ``imported`` and ``merged``
    row counts and the customers, products and orders it created."""
    now = now or datetime.now(UTC)
    cols = {name: rows.column(name).to_pylist() for name in rows.column_names}
    customer_ids, new_customers = _customers(cols, now, by or ImportBy())
    product_ids, new_products = _products(cols, now)
    order_ids, new_orders, touched = _orders(cols, customer_ids, now)
    imported, merged = _lines(cols, order_ids, product_ids)
    _recompute_totals(touched)
    return {
        "imported": imported,
        "merged": merged,
        "customers_created": new_customers,
        "products_created": new_products,
        "orders_created": new_orders,
    }


def _customers(cols: dict[str, list], now: datetime, by: ImportBy) -> tuple[dict[str, int], int]:
    """The rows' customers: by external id, kehu code (``C0000042``) or email (one merged
    into another is the one it was merged into); the rest are created by external id."""
    country: dict[str, str] = {}
    for ext, c in zip(cols["customer_ext"], cols["country"], strict=True):
        country.setdefault(ext, c or "")
    found = references.customers(list(country))
    missing = [ext for ext in country if ext not in found]
    if missing:
        created = create_customers(missing, [country[e] for e in missing], now)
        record_history(Customer, sorted(created.values()), "+", by)
        found.update(created)
    return found, len(missing)


def _products(cols: dict[str, list], now: datetime) -> tuple[dict[str, int], int]:
    """``{lower-case SKU: id}``: a product code matches whatever its case (``85123a`` is
    ``85123A``); a new one is created as the file first spells it."""
    first: dict[str, tuple[str, str, float]] = {}
    for sku, description, price in zip(
        cols["sku"], cols["description"], cols["unit_price"], strict=True
    ):
        first.setdefault(sku.lower(), (sku, description, price))
    found = ids_by_lower(Product, "sku", [spelt for spelt, _d, _p in first.values()])
    missing = [key for key in first if key not in found]
    if missing:
        rows = []
        for key in missing:
            sku, description, price = first[key]
            rows.append((sku[:50], (description or sku)[:200], round(price, 2)))
        insert_rows(Product, ["sku", "name", "unit_price"], rows)
        found.update(ids_by_lower(Product, "sku", [row[0] for row in rows]))
    return found, len(missing)


def _orders(
    cols: dict[str, list], customer_ids: dict[str, int], now: datetime
) -> tuple[dict[str, int], int, list[int]]:
    heads: dict[str, tuple[str, datetime, bool]] = {}
    for number, ext, at, is_return in zip(
        cols["order_number"],
        cols["customer_ext"],
        cols["ordered_at"],
        cols["is_return"],
        strict=True,
    ):
        heads.setdefault(number, (ext, at, is_return))
    found = existing_ids(Order, "number", list(heads))
    missing = [number for number in heads if number not in found]
    if missing:
        rows = [
            (
                number[:30],
                customer_ids[heads[number][0]],
                Order.Kind.RETURN if heads[number][2] else Order.Kind.SALE,
                Order.Status.COMPLETED,
                Order.channel.field.default,
                _aware(heads[number][1]),
                0,
                "",
                now,
            )
            for number in missing
        ]
        insert_rows(
            Order,
            [
                "number",
                "customer",
                "kind",
                "status",
                "channel",
                "ordered_at",
                "total_amount",
                "notes",
                "created_at",
            ],
            rows,
        )
        found.update(existing_ids(Order, "number", missing))
    return found, len(missing), [found[number] for number in heads]


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _lines(
    cols: dict[str, list], order_ids: dict[str, int], product_ids: dict[str, int]
) -> tuple[int, int]:
    existing = _existing_line_keys(list(set(order_ids.values())))
    rows: list[tuple[Any, ...]] = []
    merged = 0
    for number, sku, description, quantity, price, key, row, first_copy in zip(
        cols["order_number"],
        cols["sku"],
        cols["description"],
        cols["quantity"],
        cols["unit_price"],
        cols["source_key"],
        cols["row_number"],
        cols["first_copy"],
        strict=True,
    ):
        order_id = order_ids[number]
        if row != first_copy or (order_id, key) in existing:
            merged += 1
            continue
        total = round(quantity * price, 2)
        rows.append(
            (
                order_id,
                product_ids[sku.lower()],
                description[:200],
                round(quantity, 3),
                round(price, 4),
                0,
                total,
                key,
            )
        )
    insert_rows(
        OrderLine,
        [
            "order",
            "product",
            "description",
            "quantity",
            "unit_price",
            "discount_pct",
            "line_total",
            "source_key",
        ],
        rows,
    )
    return len(rows), merged


def _existing_line_keys(order_ids: list[int]) -> set[tuple[int, str]]:
    lines = table(OrderLine)
    rows = select_in(
        order_ids,
        lambda marks: (
            f"SELECT order_id, source_key FROM {lines} "
            f"WHERE order_id IN ({marks}) AND source_key IS NOT NULL"
        ),
    )
    return {(order_id, source_key) for order_id, source_key in rows}


def _recompute_totals(order_ids: list[int]) -> None:
    """Order totals from their lines, negative for returns (the model's convention)."""
    orders, lines = table(Order), table(OrderLine)
    with connection.cursor() as cursor:
        for chunk in chunks(order_ids):
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"UPDATE {orders} SET total_amount = (CASE WHEN kind = %s THEN -1 ELSE 1 END) "
                f"* COALESCE((SELECT SUM(line_total) FROM {lines} l "
                f"WHERE l.order_id = {orders}.id), 0) WHERE id IN ({marks})",
                [Order.Kind.RETURN, *chunk],
            )
