"""Where an import's rows wait between the file and the CRM: one in-process DuckDB
database, owned by :class:`Staging` from the moment the file is read until the import
ends.

It is the analytics library's engine (:class:`kehu.insight.engine.DuckDBEngine`) set
up for imports, so that every statement the import runs, when it fails, raises
:class:`~kehu.insight.engine.QueryError` naming the table it was making and the query
(a user-facing message takes the backend's reason alone, :attr:`QueryError.reason`).
No other module of the import opens or holds a DuckDB connection.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from kehu.insight.engine import DuckDBEngine, QueryError

__all__ = ["QueryError", "Staging"]


class Staging(DuckDBEngine):
    """The import's DuckDB database: rows kept in file order, the business's time zone
    for times without an offset, and what does not fit in ``memory_limit`` spilled to
    ``workdir`` (at most ``max_temp_mb`` megabytes there)."""

    def __init__(
        self, workdir: Path, *, memory_limit: str, max_temp_mb: int, time_zone: str
    ) -> None:
        super().__init__(
            memory_limit=memory_limit,
            settings={
                "temp_directory": str(workdir),
                "max_temp_directory_size": f"{max_temp_mb}MB",
                "preserve_insertion_order": True,  # row numbers = file order
                "enable_progress_bar": False,
                # a time without an offset is the business's local time (KEHU_TIME_ZONE)
                "TimeZone": time_zone,
            },
        )

    @contextmanager
    def registered(self, name: str, table: pa.Table | pd.DataFrame) -> Iterator[None]:
        """``table`` readable as ``name`` inside the block (not copied), forgotten after
        it, so that its memory goes with it."""
        self.connection.register(name, table)
        try:
            yield
        finally:
            self.connection.unregister(name)

    def rows(self, sql: str, step: str) -> list[tuple[Any, ...]]:
        """Every row of ``sql`` as tuples."""
        return self.execute(sql, step).fetchall()

    def one(self, sql: str, step: str) -> tuple[Any, ...]:
        """The first row of ``sql`` (a query that has one: a count, a total)."""
        return self.rows(sql, step)[0]

    def chunks(self, sql: str, step: str, size: int) -> Iterator[list[tuple[Any, ...]]]:
        """The rows of ``sql`` ``size`` at a time, for results too large to hold at once."""
        cursor = self.execute(sql, step)
        while True:
            try:
                chunk = cursor.fetchmany(size)
            except duckdb.Error as e:
                raise QueryError(step, str(e), sql) from e
            if not chunk:
                return
            yield chunk
