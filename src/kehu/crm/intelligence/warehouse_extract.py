"""What the sales warehouse reads from the operational store: one plain SELECT per table,
streamed in batches (:mod:`kehu.crm.bulk_read`) into Parquet files ("raw" tables), never
as model instances. Times come as Unix seconds (an integer on SQLite and PostgreSQL
alike, so no row goes through Python's datetime parser); the warehouse's own SQL
(:mod:`kehu.crm.intelligence.warehouse_sql`) turns them into local dates."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Model

from kehu.crm.billing.models import Invoice, Payment
from kehu.crm.bulk import quoted_table
from kehu.crm.bulk_read import read_batches
from kehu.crm.catalog.models import Product, ProductCategory
from kehu.crm.customers.models import Customer
from kehu.crm.engagement.models import Interaction
from kehu.crm.intelligence.models import CustomerScore, Segment, SegmentName
from kehu.crm.sales.models import Order, OrderLine
from kehu.crm.service.models import Ticket

BATCH_ROWS = 100_000
INT, FLOAT, TEXT = pa.int64(), pa.float64(), pa.string()


@dataclass(frozen=True)
class Extract:
    """One raw table: its columns (name, SQL, Arrow type) and where they come from."""

    name: str
    columns: tuple[tuple[str, str, pa.DataType], ...]
    source: str

    def sql(self) -> str:
        return f"SELECT {', '.join(expr for _name, expr, _type in self.columns)} FROM {self.source}"

    def schema(self) -> pa.Schema:
        return pa.schema([(name, kind) for name, _expr, kind in self.columns])


def epoch(column: str) -> str:
    """``column`` (a date or a time) as whole Unix seconds: UTC midnight for a date."""
    if connection.vendor == "sqlite":
        return f"CAST(strftime('%s', {column}) AS INTEGER)"
    return f"CAST(EXTRACT(EPOCH FROM {column}) AS BIGINT)"


def number(column: str) -> str:
    return f"CAST({column} AS DOUBLE PRECISION)"


def flag(column: str) -> str:
    return f"CASE WHEN {column} THEN 1 ELSE 0 END"


def _q(model: type[Model]) -> str:
    return quoted_table(model)


def _c(name: str) -> str:
    return connection.ops.quote_name(name)


def extracts() -> list[Extract]:
    """Every raw table the warehouse is built from."""
    history = Customer.history.model  # type: ignore[attr-defined]
    user = get_user_model()
    return [
        Extract(
            "raw_orders",
            (
                ("order_id", "id", INT),
                ("customer_id", "customer_id", INT),
                ("ordered_epoch", epoch("ordered_at"), INT),
                ("owner_id", "owner_id", INT),
                ("channel", "channel", TEXT),
                ("kind", "kind", TEXT),
                ("status", "status", TEXT),
                ("total", number("total_amount"), FLOAT),
                ("original_order_id", "original_order_id", INT),
            ),
            _q(Order),
        ),
        Extract(
            "raw_lines",
            (
                ("line_id", "id", INT),
                ("order_id", "order_id", INT),
                ("product_id", "product_id", INT),
                ("quantity", number("quantity"), FLOAT),
                ("line_total", number("line_total"), FLOAT),
            ),
            _q(OrderLine),
        ),
        Extract(
            "raw_products",
            (
                ("product_id", "id", INT),
                ("sku", "sku", TEXT),
                ("name", "name", TEXT),
                ("category_id", "category_id", INT),
                ("unit_cost", number("unit_cost"), FLOAT),
                ("is_active", flag("is_active"), INT),
            ),
            _q(Product),
        ),
        Extract(
            "raw_categories",
            (("category_id", "id", INT), ("name", "name", TEXT), ("parent_id", "parent_id", INT)),
            _q(ProductCategory),
        ),
        Extract("raw_customers", _customer_columns("id", "created_at"), _q(Customer)),
        Extract(
            "raw_customer_history",
            (
                *_customer_columns("id", "history_date"),
                ("history_id", "history_id", INT),
                ("history_type", "history_type", TEXT),
            ),
            _q(history),
        ),
        Extract(
            "raw_scores",
            (
                ("customer_id", "customer_id", INT),
                ("run_id", "run_id", INT),
                ("tier", "tier", TEXT),
                ("segment_key", "segment", INT),
            ),
            _q(CustomerScore),
        ),
        Extract(
            "raw_segments",
            (("run_id", "run_id", INT), ("segment_key", "key", INT), ("name", "name", TEXT)),
            _q(Segment),
        ),
        Extract(
            "raw_segment_names",
            (("segment_key", "key", INT), ("name", "name", TEXT)),
            _q(SegmentName),
        ),
        Extract(
            "raw_users",
            (
                ("user_id", "id", INT),
                ("username", _c(user.USERNAME_FIELD), TEXT),
                ("first_name", "first_name", TEXT),
                ("last_name", "last_name", TEXT),
            ),
            _q(user),
        ),
        Extract(
            "raw_interactions",
            (
                ("interaction_id", "id", INT),
                ("customer_id", "customer_id", INT),
                ("occurred_epoch", epoch("occurred_at"), INT),
                ("channel", "channel", TEXT),
                ("direction", "direction", TEXT),
                ("user_id", "user_id", INT),
                ("duration_minutes", "duration_minutes", INT),
            ),
            _q(Interaction),
        ),
        Extract(
            "raw_tickets",
            (
                ("ticket_id", "id", INT),
                ("customer_id", "customer_id", INT),
                ("order_id", "order_id", INT),
                ("opened_epoch", epoch("opened_at"), INT),
                ("first_response_epoch", epoch("first_response_at"), INT),
                ("resolved_epoch", epoch("resolved_at"), INT),
                ("type", _c("type"), TEXT),
                ("priority", "priority", TEXT),
                ("status", "status", TEXT),
                ("channel", "channel", TEXT),
                ("assignee_id", "assignee_id", INT),
                ("satisfaction", "satisfaction_score", INT),
            ),
            _q(Ticket),
        ),
        Extract(
            "raw_invoices",
            (
                ("invoice_id", "id", INT),
                ("customer_id", "customer_id", INT),
                ("order_id", "order_id", INT),
                ("issued_epoch", epoch("issued_on"), INT),
                ("due_epoch", epoch("due_on"), INT),
                ("amount", number("amount"), FLOAT),
                ("status", "status", TEXT),
            ),
            _q(Invoice),
        ),
        Extract(
            "raw_payments",
            (
                ("payment_id", "id", INT),
                ("invoice_id", "invoice_id", INT),
                ("customer_id", "customer_id", INT),
                ("paid_epoch", epoch("paid_on"), INT),
                ("amount", number("amount"), FLOAT),
                ("method", "method", TEXT),
            ),
            _q(Payment),
        ),
    ]


def _customer_columns(id_column: str, since: str) -> tuple[tuple[str, str, pa.DataType], ...]:
    return (
        ("customer_id", id_column, INT),
        ("code", "code", TEXT),
        ("name", "name", TEXT),
        ("region", "region", TEXT),
        ("city", "city", TEXT),
        ("country", "country", TEXT),
        ("owner_id", "owner_id", INT),
        ("status", "status", TEXT),
        ("since_epoch", epoch(since), INT),
    )


def write_extract(extract: Extract, folder: Path, batch_rows: int = BATCH_ROWS) -> int:
    """Stream ``extract`` from the database into ``folder/<name>.parquet``; return its rows."""
    schema, n_rows = extract.schema(), 0
    with pq.ParquetWriter(folder / f"{extract.name}.parquet", schema) as writer:
        for batch in read_batches(extract.sql(), [], schema, batch_rows):
            writer.write_batch(batch)
            n_rows += batch.num_rows
    return n_rows
