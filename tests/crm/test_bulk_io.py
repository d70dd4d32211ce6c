"""Bulk writes and reads that bypass the ORM keep every value as the ORM would: text with
quotes, commas, newlines and Chinese, an empty text apart from a NULL, NaN in a nullable
number as NULL, UTC times. On PostgreSQL both go through COPY as CSV, on SQLite through
the DB-API; the same test runs on both."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pyarrow as pa
import pytest
from django.db import connection

from kehu.crm.bulk import BulkWriter, next_id, quoted_table
from kehu.crm.bulk_read import read_batches, read_table, timestamp_sql
from kehu.crm.engagement.models import Interaction

AWKWARD = ['say "hello", then\nleave', "", "客户, 满意", "plain"]


@pytest.fixture
def written(make_customer):
    customer = make_customer("Bulk Test Ltd")
    first = next_id(Interaction)
    n = len(AWKWARD)
    columns = {
        "id": first + np.arange(n),
        "customer": np.full(n, customer.pk, dtype=np.int64),
        "channel": np.array(["phone", "email", "visit", "sms"], dtype=object),
        "direction": np.array(["inbound"] * n, dtype=object),
        "subject": np.array([f"subject {i}" for i in range(n)], dtype=object),
        "body": np.array(AWKWARD, dtype=object),
        "occurred_at": np.array(
            ["2024-01-02T03:04:05", "2024-06-30T23:59:59", "2025-01-01T00:00:00", "2023-12-31"],
            dtype="datetime64[s]",
        ),
        "duration_minutes": np.array([5, None, 0, None], dtype=object),
        "created_at": np.full(n, np.datetime64("2024-07-01T12:00:00", "s")),
    }
    with BulkWriter([Interaction]) as writer:
        assert writer.write(Interaction, columns) == n
    return customer, first


def test_rows_written_in_bulk_read_back_as_the_orm_sees_them(written):
    customer, first = written
    rows = list(Interaction.objects.filter(customer=customer).order_by("id"))
    assert [r.pk for r in rows] == [first + i for i in range(4)]
    assert [r.body for r in rows] == AWKWARD
    assert [r.duration_minutes for r in rows] == [5, None, 0, None]
    assert rows[0].occurred_at == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert rows[3].occurred_at == datetime(2023, 12, 31, tzinfo=UTC)


def test_a_bulk_read_keeps_types_nulls_and_empty_text(written):
    customer, _first = written
    sql = (
        f"SELECT id, body, duration_minutes, {timestamp_sql('occurred_at')}, "
        f"CAST(duration_minutes AS DOUBLE PRECISION), channel FROM {quoted_table(Interaction)} "
        "WHERE customer_id = %s AND channel <> %s ORDER BY id"
    )
    schema = pa.schema(
        [
            ("id", pa.int64()),
            ("body", pa.string()),
            ("minutes", pa.int64()),
            ("at", pa.timestamp("us")),
            ("minutes_float", pa.float64()),
            ("channel", pa.string()),
        ]
    )
    table = read_table(sql, [customer.pk, "sms"], schema)
    assert table.schema == schema
    assert table.column("body").to_pylist() == AWKWARD[:3]
    assert table.column("minutes").to_pylist() == [5, None, 0]
    assert table.column("minutes_float").to_pylist() == [5.0, None, 0.0]
    assert table.column("at").to_pylist() == [
        datetime(2024, 1, 2, 3, 4, 5),
        datetime(2024, 6, 30, 23, 59, 59),
        datetime(2025, 1, 1),
    ]
    assert table.column("channel").to_pylist() == ["phone", "email", "visit"]


def test_a_read_with_no_rows_has_the_schema(db):
    schema = pa.schema([("id", pa.int64()), ("at", pa.timestamp("us"))])
    sql = f"SELECT id, {timestamp_sql('occurred_at')} FROM {quoted_table(Interaction)}"
    table = read_table(sql, [], schema)
    assert table.num_rows == 0 and table.schema == schema


def test_batches_stream_every_row(written):
    customer, _first = written
    schema = pa.schema([("id", pa.int64())])
    sql = f"SELECT id FROM {quoted_table(Interaction)} WHERE customer_id = %s ORDER BY id"
    batches = list(read_batches(sql, [customer.pk], schema, batch_rows=3))
    assert sum(b.num_rows for b in batches) == 4


@pytest.mark.sqlite
def test_on_sqlite_the_statistics_after_a_bulk_write_count_every_row(make_customer):
    # a sampled ANALYZE sees at most about its own size of rows per value: 1,500
    # interactions of one customer would look like a thousand per customer
    customer = make_customer("Many Calls Ltd")
    n = 1_500
    columns = {
        "id": next_id(Interaction) + np.arange(n),
        "customer": np.full(n, customer.pk, dtype=np.int64),
        "channel": np.full(n, "phone", dtype=object),
        "direction": np.full(n, "inbound", dtype=object),
        "subject": np.full(n, "call", dtype=object),
        "body": np.full(n, "", dtype=object),
        "occurred_at": np.full(n, np.datetime64("2024-01-02T03:04:05", "s")),
        "duration_minutes": np.full(n, None, dtype=object),
        "created_at": np.full(n, np.datetime64("2024-07-01T12:00:00", "s")),
    }
    with BulkWriter([Interaction]) as writer:
        writer.write(Interaction, columns)
    with connection.cursor() as cursor:
        cursor.execute("SELECT stat FROM sqlite_stat1 WHERE idx = %s", ["interaction_customer_idx"])
        (stat,) = cursor.fetchone()
    rows, per_customer = (int(v) for v in stat.split()[:2])
    assert rows == per_customer == n
