"""Bulk reads that bypass the ORM: a query's rows as Arrow columns, for the analysis run
and the warehouse, which read every order and order line of the CRM.

PostgreSQL streams the result as CSV with ``COPY (query) TO STDOUT`` into a temporary
file that Arrow parses on every core: psycopg builds no Python object per value, which
made the million-customer run's reads five to seven times faster (a ``datetime`` and a
``Decimal`` per row were most of the time). SQLite hands its rows over as tuples in
batches; Arrow converts each batch from the tuples in C.

The caller gives the columns' Arrow types. A timestamp column is selected with
:func:`timestamp_sql` (UTC, without a zone; text on SQLite, which Arrow parses), a
number as ``DOUBLE PRECISION`` or an integer, text as text.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pcsv
from django.db import connection

BATCH_ROWS = 100_000
CSV_BLOCK_BYTES = 16 << 20


def timestamp_sql(column: str) -> str:
    """``column`` (a date or datetime) selected as :func:`read_table` parses it: UTC
    without a zone on PostgreSQL, Django's stored text on SQLite."""
    if connection.vendor == "postgresql":
        return f"({column} AT TIME ZONE 'UTC')"
    return f"CAST({column} AS TEXT)"


def read_table(sql: str, params: Sequence[object], schema: pa.Schema) -> pa.Table:
    """The rows of ``sql`` (``%s`` placeholders bound to ``params``) as a table of
    ``schema``, whose fields name the selected columns in order."""
    batches = list(read_batches(sql, params, schema))
    return pa.Table.from_batches(batches, schema=schema)


def read_batches(
    sql: str, params: Sequence[object], schema: pa.Schema, batch_rows: int = BATCH_ROWS
) -> Iterator[pa.RecordBatch]:
    """The rows of ``sql`` as record batches of ``schema``, read without holding them
    all (about ``batch_rows`` rows a batch on SQLite, 16 MB of CSV on PostgreSQL)."""
    if connection.vendor == "postgresql":
        yield from _copied_batches(sql, params, schema)
    else:
        yield from _fetched_batches(sql, params, schema, batch_rows)


def _copied_batches(
    sql: str, params: Sequence[object], schema: pa.Schema
) -> Iterator[pa.RecordBatch]:
    connection.ensure_connection()
    with tempfile.TemporaryDirectory(prefix="kehu-read-") as folder:
        path = Path(folder) / "rows.csv"
        raw = connection.connection.cursor()
        try:
            with (
                raw.copy(
                    f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", list(params) if params else None
                ) as copy,
                path.open("wb") as out,
            ):
                for chunk in copy:
                    out.write(chunk)
        finally:
            raw.close()
        if path.stat().st_size == 0:  # no rows: Arrow refuses an empty file
            return
        reader = pcsv.open_csv(
            path,
            read_options=pcsv.ReadOptions(column_names=schema.names, block_size=CSV_BLOCK_BYTES),
            convert_options=pcsv.ConvertOptions(
                column_types=schema,
                # COPY writes NULL unquoted and an empty string as "" (quoted)
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=False,
                true_values=["t"],
                false_values=["f"],
            ),
        )
        yield from reader


def _fetched_batches(
    sql: str, params: Sequence[object], schema: pa.Schema, batch_rows: int
) -> Iterator[pa.RecordBatch]:
    # SQLite's timestamps are text: fetched as strings, parsed by Arrow per batch
    fetched = pa.schema(
        [pa.field(f.name, pa.string()) if pa.types.is_timestamp(f.type) else f for f in schema]
    )
    with connection.cursor() as cursor:
        # no parameters: the SQL is run as written (SQLite's strftime('%s') is no placeholder)
        cursor.execute(sql, list(params) if params else None)
        while rows := cursor.fetchmany(batch_rows):
            batch = pa.RecordBatch.from_struct_array(pa.array(rows, type=pa.struct(list(fetched))))
            if fetched != schema:
                batch = batch.cast(schema)
            yield batch
