"""The one seam between kehu.insight and a relational backend.

SQL is written once, in DuckDB's dialect, by pure functions elsewhere
(:mod:`kehu.insight.summary`); an engine registers input tables and executes that SQL.
:class:`DuckDBEngine` runs it in-process; :class:`SparkEngine` transpiles it to Spark
SQL with SQLGlot and runs it on a SparkSession, for data that outgrow one machine.
No other module talks to a backend directly.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Protocol

import duckdb
import pandas as pd
import pyarrow as pa

from kehu.insight.errors import InsightError

log = logging.getLogger(__name__)


class QueryError(InsightError):
    """A backend query failed; the message names the table (or step) and the query."""


class Engine(Protocol):
    """What a backend offers: register inputs, create tables and views, run SQL."""

    name: str

    def register_table(self, name: str, table: pa.Table | pd.DataFrame) -> None: ...

    def register_csv(self, name: str, path: Path, delimiter: str | None = None) -> None: ...

    def register_parquet(self, name: str, path: Path) -> None: ...

    def create_view(self, name: str, sql: str) -> None: ...

    def materialize(self, name: str, sql: str) -> None: ...

    def drop(self, name: str) -> None: ...

    def query(self, sql: str, step: str) -> pa.Table: ...

    def columns(self, name: str) -> list[str]: ...

    def column_kinds(self, name: str) -> dict[str, str]: ...


def kind_of(type_name: str) -> str:
    """A backend's column type as one of ``text``, ``integer``, ``number``, ``temporal``
    (both DuckDB's and Spark's names), so SQL can skip casts a typed column needs not.
    """
    t = type_name.lower()
    if any(k in t for k in ("timestamp", "date")):
        return "temporal"
    if (
        any(k in t for k in ("bigint", "int", "long", "short", "byte", "hugeint"))
        and "interval" not in t
    ):
        return "integer"
    if any(k in t for k in ("double", "float", "decimal", "real", "numeric")):
        return "number"
    return "text"


class DuckDBEngine:
    """In-process DuckDB. ``threads`` and ``memory_limit`` bound what a run may use."""

    name = "duckdb"

    def __init__(self, threads: int | None = None, memory_limit: str | None = None) -> None:
        self.connection = duckdb.connect()
        if threads:
            self.connection.execute(f"SET threads = {int(threads)}")
        if memory_limit:
            self.connection.execute("SET memory_limit = ?", [memory_limit])
        self.connection.execute("SET preserve_insertion_order = false")
        self.connection.execute("SET enable_progress_bar = false")

    def register_table(self, name: str, table: pa.Table | pd.DataFrame) -> None:
        self.connection.register(f"{name}__source", table)
        self._run(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM {name}__source", name)

    def register_csv(self, name: str, path: Path, delimiter: str | None = None) -> None:
        options = "header = true, all_varchar = true"
        if delimiter:
            options += f", delim = '{delimiter}'"
        self._run(
            f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM read_csv('{_quote(path)}', {options})",
            name,
        )

    def register_parquet(self, name: str, path: Path) -> None:
        self._run(
            f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM read_parquet('{_quote(path)}')", name
        )

    def create_view(self, name: str, sql: str) -> None:
        self._run(f"CREATE OR REPLACE VIEW {name} AS {sql}", name)

    def materialize(self, name: str, sql: str) -> None:
        """Compute ``sql`` once into a temporary table (inputs read many times)."""
        self._run(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}", name)

    def drop(self, name: str) -> None:
        """Free a table made by :meth:`materialize`."""
        self._run(f"DROP TABLE IF EXISTS {name}", name)

    def query(self, sql: str, step: str) -> pa.Table:
        try:
            return self.connection.sql(sql).to_arrow_table()
        except duckdb.Error as e:
            raise QueryError(f"{step}: {e}\nquery: {sql}") from e

    def columns(self, name: str) -> list[str]:
        return [row[0] for row in self._run(f"DESCRIBE {name}", name).fetchall()]

    def column_kinds(self, name: str) -> dict[str, str]:
        return {row[0]: kind_of(row[1]) for row in self._run(f"DESCRIBE {name}", name).fetchall()}

    def _run(self, sql: str, step: str) -> duckdb.DuckDBPyConnection:
        try:
            return self.connection.execute(sql)
        except duckdb.Error as e:
            raise QueryError(f"{step}: {e}\nquery: {sql}") from e


class SparkEngine:
    """The same SQL on Spark: transpiled from DuckDB's dialect by SQLGlot."""

    name = "spark"

    def __init__(self, session: Any = None, master: str = "local[2]") -> None:
        if session is None:
            from pyspark.sql import SparkSession

            session = (
                SparkSession.builder.master(master)
                .appName("kehu")
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.sql.shuffle.partitions", "4")
                .config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
                # DuckDB's semantics: failed casts and divisions by zero give NULL
                .config("spark.sql.ansi.enabled", "false")
                .getOrCreate()
            )
        session.sparkContext.setLogLevel("ERROR")
        self.session = session

    @staticmethod
    def transpile(sql: str) -> str:
        import sqlglot

        # with ANSI mode off Spark's TO_TIMESTAMP already returns NULL on failure
        sql = sql.replace("TRY_STRPTIME(", "STRPTIME(")
        tree = sqlglot.parse_one(sql, read="duckdb").transform(_top_n_as_sorted_list)
        return str(tree.sql(dialect="spark"))

    def register_table(self, name: str, table: pa.Table | pd.DataFrame) -> None:
        frame = table.to_pandas() if isinstance(table, pa.Table) else table
        self.session.createDataFrame(frame).createOrReplaceTempView(name)

    def register_csv(self, name: str, path: Path, delimiter: str | None = None) -> None:
        reader = self.session.read.option("header", True).option("inferSchema", False)
        if delimiter:
            reader = reader.option("sep", delimiter)
        reader.csv(str(path)).createOrReplaceTempView(name)

    def register_parquet(self, name: str, path: Path) -> None:
        self.session.read.parquet(str(path)).createOrReplaceTempView(name)

    def create_view(self, name: str, sql: str) -> None:
        self._run(sql, name).createOrReplaceTempView(name)

    def materialize(self, name: str, sql: str) -> None:
        self._run(sql, name).cache().createOrReplaceTempView(name)

    def drop(self, name: str) -> None:
        self.session.table(name).unpersist()
        self.session.catalog.dropTempView(name)

    def query(self, sql: str, step: str) -> pa.Table:
        frame = self._run(sql, step).toPandas()
        return pa.Table.from_pandas(frame, preserve_index=False)

    def columns(self, name: str) -> list[str]:
        return list(self.session.table(name).columns)

    def column_kinds(self, name: str) -> dict[str, str]:
        return {column: kind_of(dtype) for column, dtype in self.session.table(name).dtypes}

    def _run(self, sql: str, step: str) -> Any:
        spark_sql = self.transpile(sql)
        try:
            return self.session.sql(spark_sql)
        except Exception as e:  # pyspark raises several unrelated exception types
            raise QueryError(f"{step}: {e}\nquery: {spark_sql}") from e


def _top_n_as_sorted_list(node: Any) -> Any:
    """DuckDB's ``MAX(x, n)`` (the n largest values, descending, NULLs skipped) has no
    Spark function of its own: ``SLICE(SORT_ARRAY(COLLECT_LIST(x), FALSE), 1, n)``.
    """
    from sqlglot import exp

    if not (isinstance(node, exp.Max) and node.args.get("count") is not None):
        return node
    collected = exp.Anonymous(this="COLLECT_LIST", expressions=[node.this])
    ordered = exp.Anonymous(this="SORT_ARRAY", expressions=[collected, exp.false()])
    return exp.Anonymous(
        this="SLICE", expressions=[ordered, exp.Literal.number(1), node.args["count"]]
    )


def _quote(path: Path) -> str:
    return str(path).replace("'", "''")
