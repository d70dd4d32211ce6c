"""Bulk writes that bypass the ORM: rows built from numpy columns go through the raw
DB-API connection, ``executemany`` in one transaction per batch on SQLite and
``COPY ... FROM STDIN`` on PostgreSQL (as CSV that Arrow writes from the columns, so
that no Python object is made per value). Table and column names come from each model's
``_meta`` (``quoted_table`` and ``quoted_column``, for any raw SQL of the CRM).
No signals fire and no simple-history rows are written.

Two writers use it: the demo loader (:mod:`kehu.crm.demo.load`) and the write-back of
analysis results (:mod:`kehu.crm.intelligence.writeback`). It sits beside the apps, not
inside one, because it knows no domain: any app may write its own tables through it.

SQLite keeps an index up to date row by row, which is slow when a table outgrows the
page cache; :class:`BulkWriter` drops the secondary indexes of the tables it loads and
creates them again, from the same SQL, when it closes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
from django.core.management.color import no_style
from django.db import connection, models, transaction

Column = np.ndarray | Sequence[Any]
Advance = Callable[[int], None]
BATCH_ROWS = 50_000


def quoted_table(model: type[models.Model]) -> str:
    """``model``'s table, its name quoted for the database in use (for raw SQL)."""
    return connection.ops.quote_name(model._meta.db_table)


def quoted_column(model: type[models.Model], field: str) -> str:
    """The column of ``model``'s field ``field``, its name quoted (for raw SQL)."""
    return connection.ops.quote_name(model._meta.get_field(field).column)


def next_id(model: type[models.Model]) -> int:
    """The first free primary key of ``model``'s table."""
    pk = connection.ops.quote_name(model._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX({pk}) FROM {quoted_table(model)}")
        (latest,) = cursor.fetchone()
    return int(latest or 0) + 1


def _datetime_strings(values: np.ndarray, unit: str, suffix: str) -> list[str | None]:
    """datetime64 values as the text Django stores (UTC, space separated); NaT -> None."""
    text = np.datetime_as_string(values.astype(f"datetime64[{unit}]"), unit=unit)
    if unit == "s" and text.size:
        # "2024-01-02T03:04:05" -> "2024-01-02 03:04:05", in place on the characters
        text.view("U1").reshape(text.size, -1)[:, 10] = " "
    if suffix:
        text = np.strings.add(text, suffix)
    strings: list[str | None] = text.tolist()
    for i in np.flatnonzero(np.isnat(values)).tolist():
        strings[i] = None
    return strings


def python_column(field: models.Field, values: Column, vendor: str) -> list[Any]:
    """One column as Python values the driver adapts (datetimes as UTC text)."""
    if not isinstance(values, np.ndarray):
        return list(values)
    if values.dtype.kind == "M":
        if isinstance(field, models.DateTimeField):
            return _datetime_strings(values, "s", "+00:00" if vendor == "postgresql" else "")
        return _datetime_strings(values, "D", "")
    if values.dtype.kind == "f" and field.null:
        return np.where(np.isnan(values), None, values.astype(object)).tolist()
    return values.tolist()


def _arrow_column(field: models.Field, values: Column) -> pa.Array:
    if not isinstance(values, np.ndarray):
        return pa.array(list(values))
    if values.dtype.kind == "M":
        if isinstance(field, models.DateTimeField):
            seconds = pa.array(values.astype("datetime64[s]"), from_pandas=True)
            return seconds.cast(pa.timestamp("s", tz="UTC"))
        return pa.array(values.astype("datetime64[D]"), from_pandas=True).cast(pa.date32())
    # NaN is NULL in a nullable column, as python_column has it; elsewhere it stays NaN
    return pa.array(values, from_pandas=values.dtype.kind == "O" or field.null)


def _csv_rows(fields: Sequence[models.Field], columns: Sequence[Column]) -> bytes | None:
    """The rows as CSV for ``COPY ... FROM STDIN (FORMAT csv)``, written by Arrow in C (a
    NULL unquoted and empty, every text quoted); None when a column's Python values have
    no single Arrow type, which the row-by-row path then writes."""
    try:
        table = pa.table(
            {f.column: _arrow_column(f, c) for f, c in zip(fields, columns, strict=True)}
        )
        if any(pa.types.is_nested(t) or pa.types.is_binary(t) for t in table.schema.types):
            return None
        sink = pa.BufferOutputStream()
        pcsv.write_csv(table, sink, pcsv.WriteOptions(include_header=False))
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None
    return sink.getvalue().to_pybytes()


class BulkWriter:
    """Writes whole tables given as ``{field name: column}``; usable as a context
    manager (SQLite indexes dropped on entry come back on exit)."""

    def __init__(self, models_to_load: Sequence[type[models.Model]], batch_rows: int = BATCH_ROWS):
        self.models = list(models_to_load)
        self.batch_rows = batch_rows
        self.vendor = connection.vendor
        self._dropped_indexes: list[str] = []
        self._pragmas: dict[str, Any] = {}

    def __enter__(self) -> BulkWriter:
        connection.ensure_connection()
        if self.vendor == "sqlite":
            self._sqlite_prepare()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.vendor == "sqlite":
            self._sqlite_finish()
        else:
            self._reset_sequences()
        self._analyze()

    def write(
        self,
        model: type[models.Model],
        columns: Mapping[str, Column],
        advance: Advance | None = None,
        into: str | None = None,
    ) -> int:
        """Insert the rows of ``columns`` (equal-length columns keyed by field name, ids
        included) into ``model``'s table, or into the table ``into`` (a quoted name) of
        the same columns. Returns the number of rows."""
        table = into or quoted_table(model)
        fields = [model._meta.get_field(name) for name in columns]
        n_rows = len(next(iter(columns.values()))) if columns else 0
        for start in range(0, n_rows, self.batch_rows):
            stop = min(start + self.batch_rows, n_rows)
            batch = [col[start:stop] for col in columns.values()]
            csv = _csv_rows(fields, batch) if self.vendor == "postgresql" else None
            if csv is not None:
                self._copy_csv(table, [f.column for f in fields], csv)
            else:
                values = [
                    python_column(f, col, self.vendor) for f, col in zip(fields, batch, strict=True)
                ]
                self._insert(table, [f.column for f in fields], list(zip(*values, strict=True)))
            if advance is not None:
                advance(stop - start)
        return n_rows

    def _copy_csv(self, table: str, columns: list[str], csv: bytes) -> None:
        names = ", ".join(connection.ops.quote_name(c) for c in columns)
        with transaction.atomic():
            raw = connection.connection.cursor()
            try:
                with raw.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT csv)") as c:
                    c.write(csv)
            finally:
                raw.close()

    def _insert(self, table: str, columns: list[str], rows: list[tuple]) -> None:
        names = ", ".join(connection.ops.quote_name(c) for c in columns)
        with transaction.atomic():
            raw = connection.connection.cursor()
            try:
                if self.vendor == "postgresql":
                    with raw.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
                else:
                    marks = ", ".join(["%s" if self.vendor != "sqlite" else "?"] * len(columns))
                    raw.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
            finally:
                raw.close()

    def _sqlite_prepare(self) -> None:
        with connection.cursor() as cursor:
            if not connection.in_atomic_block:
                for pragma, value in (("synchronous", "OFF"), ("cache_size", "-262144")):
                    cursor.execute(f"PRAGMA {pragma}")
                    self._pragmas[pragma] = cursor.fetchone()[0]
                    cursor.execute(f"PRAGMA {pragma}={value}")
            tables = [m._meta.db_table for m in self.models]
            marks = ", ".join(["%s"] * len(tables))
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
                f" AND tbl_name IN ({marks}) ORDER BY name",
                tables,
            )
            indexes = cursor.fetchall()
            with transaction.atomic():
                for name, sql in indexes:
                    cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
                    self._dropped_indexes.append(sql)

    def _sqlite_finish(self) -> None:
        with connection.cursor() as cursor:
            with transaction.atomic():
                for sql in self._dropped_indexes:
                    cursor.execute(sql)
            self._dropped_indexes.clear()
            for pragma, value in self._pragmas.items():
                cursor.execute(f"PRAGMA {pragma}={value}")

    def _reset_sequences(self) -> None:
        statements = connection.ops.sequence_reset_sql(no_style(), self.models)
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)

    def _analyze(self) -> None:
        """Fresh planner statistics, so that queries on the loaded tables use their
        indexes well. On SQLite from every row: a sample (``analysis_limit``) sees at
        most its own size of rows per value, so every index looks selective. The
        ``merged_into`` index, NULL for a million customers, was taken for a thousand
        rows per value, and the customer list sorted every customer instead of walking
        the name index (0.5 s a page instead of 50 ms); a million customers take about a
        second."""
        with connection.cursor() as cursor:
            for model in self.models:
                cursor.execute(f"ANALYZE {quoted_table(model)}")


def nullable(ids: np.ndarray, missing: int = 0) -> np.ndarray:
    """Integer ids as an object column with None where the id is ``missing``."""
    return np.where(ids == missing, None, ids.astype(object))
