"""A SQL query against a database as an input of the value engine.

A SQL query against a database (the CRM's own, or any SQLite or PostgreSQL one) as an
input of the value engine.

PostgreSQL streams the result with ``COPY (query) TO STDOUT`` into a temporary CSV
file that the engine then reads like any other; SQLite is fetched in batches into
Arrow. Neither builds Python objects per row beyond what the driver hands over, and
neither needs Django: the URL is the same ``DATABASE_URL`` the CRM uses.
"""

from __future__ import annotations

import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pyarrow as pa

from kehu.insight.errors import InsightError

BATCH_ROWS = 100_000


class DatabaseError(InsightError):
    """The database could not be reached or the query failed; the message says which."""


@dataclass(frozen=True)
class DatabaseQuery:
    """A SQL query run against the database at ``url``.

    ``sql`` run against the database at ``url`` (``sqlite:///path``,
    ``postgres://user:password@host:port/name`` or ``postgresql://...``).

    Examples
    --------
    >>> DatabaseQuery("sqlite:///var/kehu.sqlite3", "SELECT 1").scheme
    'sqlite'
    """

    url: str
    sql: str

    @property
    def scheme(self) -> str:
        """The database kind of the URL (``"postgresql"``, ``"sqlite"``, ...)."""
        scheme = urlsplit(self.url).scheme.lower()
        if scheme in ("postgres", "postgresql", "pgsql"):
            return "postgresql"
        if scheme == "sqlite":
            return "sqlite"
        raise DatabaseError(
            f"database URL {self.url.split('@')[-1]!r} is not supported: use sqlite:///path "
            "or postgresql://user:password@host/name"
        )


def sqlite_path(url: str) -> Path:
    """Return the file of an ``sqlite:///relative`` or ``sqlite:////absolute`` URL."""
    path = unquote(url.split("://", 1)[1])
    if path.startswith("/"):
        path = path[1:]  # sqlite:///x -> "x", sqlite:////x -> "/x"
    if not path or path == ":memory:":
        raise DatabaseError("an in-memory SQLite database holds no data to analyse")
    return Path(path)


def fetch_sqlite(query: DatabaseQuery) -> pa.Table:
    """Run the query read-only and return its result as an Arrow table."""
    path = sqlite_path(query.url)
    if not path.exists():
        raise DatabaseError(f"SQLite database {str(path)!r} does not exist")
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as e:
        raise DatabaseError(f"cannot open SQLite database {str(path)!r}: {e}") from e
    try:
        cursor = connection.execute(query.sql)
        names = [d[0] for d in cursor.description or []]
        if not names:
            raise DatabaseError("the query returns no columns: give a SELECT")
        batches = []
        while rows := cursor.fetchmany(BATCH_ROWS):
            columns = list(zip(*rows, strict=True))
            batches.append(pa.table({n: _column(c) for n, c in zip(names, columns, strict=True)}))
    except sqlite3.Error as e:
        raise DatabaseError(f"the query failed: {e}") from e
    finally:
        connection.close()
    if not batches:
        return pa.table({n: pa.array([], pa.string()) for n in names})
    return pa.concat_tables(batches, promote_options="permissive")


def _column(values: tuple[Any, ...]) -> pa.Array:
    # SQLite types are per value: a column mixing numbers and text is read as text
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if v is None else str(v) for v in values], pa.string())


def copy_postgresql(query: DatabaseQuery, folder: Path) -> Path:
    """Stream the query's result into a CSV file in ``folder`` with ``COPY ... TO STDOUT``."""
    import psycopg

    target = Path(tempfile.mkstemp(suffix=".csv", dir=folder)[1])
    sql = query.sql.strip().rstrip(";")
    try:
        with psycopg.connect(query.url, autocommit=True) as connection:
            connection.read_only = True
            with (
                connection.cursor() as cursor,
                cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER true)") as copy,
                target.open("wb") as out,
            ):
                for chunk in copy:
                    out.write(chunk)
    except psycopg.Error as e:
        target.unlink(missing_ok=True)
        message = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise DatabaseError(f"the query failed: {message}") from e
    return target
