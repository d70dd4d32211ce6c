"""The one seam between kehu.insight and a relational backend.

SQL is written once, in DuckDB's dialect, by pure functions elsewhere
(:mod:`kehu.insight.summary`); an engine registers input tables and executes that SQL.
:class:`DuckDBEngine` runs it in-process; :class:`SparkEngine` transpiles it to Spark
SQL with SQLGlot and runs it on a SparkSession, for data that outgrow one machine.
No other module talks to a backend directly.
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol

import duckdb
import pandas as pd
import pyarrow as pa

from kehu.insight.errors import InputError, InsightError
from kehu.insight.text_encoding import is_utf8, undecodable, write_utf8_copy
from kehu.insight.threads import chosen_threads

log = logging.getLogger(__name__)


class QueryError(InsightError):
    """A backend query failed; the message names the table (or step) and the query.

    Parameters
    ----------
    step : str
        The table being made, or the step of the work, that ran the query.
    reason : str
        The backend's own message.
    query : str
        The query as the backend received it.

    Examples
    --------
    >>> error = QueryError("orders", "Table with name nowhere does not exist!", "FROM nowhere")
    >>> print(error)
    orders: Table with name nowhere does not exist!
    query: FROM nowhere
    >>> error.query
    'FROM nowhere'
    """

    def __init__(self, step: str, reason: str, query: str) -> None:
        super().__init__(f"{step}: {reason}\nquery: {query}")
        self.step, self.reason, self.query = step, reason, query

    def __reduce__(self) -> tuple[type[QueryError], tuple[str, str, str]]:
        """Rebuild from the three parts (an error sent between processes)."""
        return type(self), (self.step, self.reason, self.query)


class Engine(Protocol):
    """What a backend offers: register inputs, create tables and views, run SQL."""

    name: str

    def register_table(self, name: str, table: pa.Table | pd.DataFrame) -> None:
        """Make an in-memory table readable as ``name``."""

    def register_csv(
        self, name: str, path: Path, delimiter: str | None = None, encoding: str = "utf-8"
    ) -> None:
        """Make a CSV file (a header line, every column as text) readable as ``name``.

        ``encoding`` is the file's text encoding (:mod:`kehu.insight.text_encoding`).
        """

    def register_parquet(self, name: str, path: Path) -> None:
        """Make a Parquet file readable as ``name``."""

    def create_view(self, name: str, sql: str) -> None:
        """Name ``sql`` as the view ``name``."""

    def materialize(self, name: str, sql: str, *, clustered_by: str | None = None) -> None:
        """Compute ``sql`` once into the table ``name``.

        ``clustered_by`` names a key that later queries group by: an engine may keep the
        rows of one key together, where that makes those groupings lighter.
        """

    def drop(self, name: str) -> None:
        """Free a table made by :meth:`materialize`."""

    def query(self, sql: str, step: str) -> pa.Table:
        """Return the result of ``sql``; a failure raises :class:`QueryError` naming ``step``."""
        ...

    def columns(self, name: str) -> list[str]:
        """Return the column names of ``name``."""
        ...

    def column_kinds(self, name: str) -> dict[str, str]:
        """Each column of ``name`` as one of the kinds of :func:`kind_of`."""
        ...


def kind_of(type_name: str) -> str:
    """Classify a backend's column type as text, integer, number or temporal.

    Classify a backend's column type as ``text``, ``integer``, ``number`` or ``temporal``
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


#: The threads from which :meth:`DuckDBEngine.materialize` keeps a clustering key's rows
#: together (measured on 2 cores: the sort cost 0.1 s and saved 35 MB at a million customers).
CLUSTER_FROM_THREADS = 4


class DuckDBEngine:
    """In-process DuckDB: the default engine, and the only module that opens DuckDB.

    Parameters
    ----------
    threads : int, optional
        Threads a query may use (DuckDB's default: every core); never more than
        ``KEHU_THREADS`` where that is set (:mod:`kehu.insight.threads`).
    memory_limit : str, optional
        Memory a query may use before it spills to disk, e.g. ``"512MB"``.
    settings : mapping, optional
        Further DuckDB settings (``{"temp_directory": "/tmp/x"}``), set in order after
        the defaults (insertion order not kept, no progress bar), which they override.

    Examples
    --------
    >>> with DuckDBEngine(threads=1) as engine:
    ...     engine.register_table("t", pa.table({"x": [1, 2, 3]}))
    ...     engine.query("SELECT MAX(x) AS largest FROM t", "largest").to_pylist()
    [{'largest': 3}]
    """

    name = "duckdb"

    def __init__(
        self,
        threads: int | None = None,
        memory_limit: str | None = None,
        *,
        settings: Mapping[str, object] | None = None,
    ) -> None:
        self.connection = duckdb.connect()
        self._scratch_folder: Path | None = None
        chosen: dict[str, object] = {}
        if (limit := chosen_threads()) is not None:
            threads = min(threads or limit, limit)
        if threads:
            chosen["threads"] = int(threads)
        if memory_limit:
            chosen["memory_limit"] = memory_limit
        chosen |= {"preserve_insertion_order": False, "enable_progress_bar": False}
        chosen |= dict(settings or {})
        try:
            for setting, value in chosen.items():
                self.execute(f"SET {setting} = ?", f"setting {setting}", [value])
            self.threads = int(
                self.execute("SELECT current_setting('threads')", "threads").fetchall()[0][0]
            )
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> DuckDBEngine:
        """Return the engine itself; leaving the block closes it."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Close the connection."""
        self.close()

    def close(self) -> None:
        """Close the connection (and drop every table and view made on it)."""
        self.connection.close()
        if self._scratch_folder is not None:
            shutil.rmtree(self._scratch_folder, ignore_errors=True)
            self._scratch_folder = None

    def _scratch(self) -> Path:
        """Return a folder of the engine's own files (UTF-8 copies), removed when it closes."""
        if self._scratch_folder is None:
            self._scratch_folder = Path(tempfile.mkdtemp(prefix="kehu-engine-"))
        return self._scratch_folder

    def register_table(self, name: str, table: pa.Table | pd.DataFrame) -> None:
        """Make an in-memory table readable as the view ``name`` (not copied)."""
        self.connection.register(f"{name}__source", table)
        self._run(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM {name}__source", name)

    def register_csv(
        self, name: str, path: Path, delimiter: str | None = None, encoding: str = "utf-8"
    ) -> None:
        """Make a CSV file (a header line, every column read as text) the view ``name``.

        DuckDB reads UTF-8: a file in another ``encoding`` is read from a UTF-8 copy
        that lives as long as the engine.
        """
        read = path
        if not is_utf8(encoding):
            read = write_utf8_copy(path, encoding, self._scratch() / f"{name}.csv")
        options = "header = true, all_varchar = true"
        if delimiter:
            options += f", delim = '{delimiter}'"
        try:
            self._run(
                f"CREATE OR REPLACE VIEW {name} AS "
                f"SELECT * FROM read_csv('{_quote(read)}', {options})",
                f"reading {path.name}",
            )
        except QueryError as e:  # name the user's file, not its UTF-8 copy
            raise QueryError(e.step, e.reason.replace(str(read), str(path)), e.query) from e

    def register_parquet(self, name: str, path: Path) -> None:
        """Make a Parquet file the view ``name``."""
        self._run(
            f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM read_parquet('{_quote(path)}')",
            f"reading {path.name}",
        )

    def create_view(self, name: str, sql: str) -> None:
        """Name ``sql`` as the view ``name`` (computed each time it is read)."""
        self._run(f"CREATE OR REPLACE VIEW {name} AS {sql}", name)

    def materialize(self, name: str, sql: str, *, clustered_by: str | None = None) -> None:
        """Compute ``sql`` once into a temporary table (inputs read many times).

        With ``clustered_by`` and :data:`CLUSTER_FROM_THREADS` threads or more, the rows
        are stored in that key's order. A later grouping by the key then meets each key
        in one thread's share of the rows only, so its partial results stop growing with
        the number of threads (a million customers, 2.8 million days grouped by customer
        on 16 threads: 600 to 380 MB, and faster). On fewer threads the sort costs more
        than it saves.
        """
        if clustered_by is not None and self.threads >= CLUSTER_FROM_THREADS:
            sql = f"SELECT * FROM ({sql}) ORDER BY {clustered_by}"
        self._run(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}", name)

    def drop(self, name: str) -> None:
        """Free a table made by :meth:`materialize`."""
        self._run(f"DROP TABLE IF EXISTS {name}", name)

    def query(self, sql: str, step: str) -> pa.Table:
        """Return the result of ``sql`` as an Arrow table; a failure names ``step`` and ``sql``."""
        try:
            return self.connection.sql(sql).to_arrow_table()
        except duckdb.Error as e:
            raise QueryError(step, str(e), sql) from e

    def execute(
        self, sql: str, step: str, parameters: Sequence[object] | None = None
    ) -> duckdb.DuckDBPyConnection:
        """Run one statement; return the cursor to fetch its rows from.

        Run one statement (with ``?`` bound to ``parameters``); the cursor to fetch
        its rows from. A failure names ``step`` and ``sql``.
        """
        return self._run(sql, step, parameters)

    def columns(self, name: str) -> list[str]:
        """Return the column names of the table or view ``name``."""
        return [row[0] for row in self._run(f"DESCRIBE {name}", name).fetchall()]

    def column_kinds(self, name: str) -> dict[str, str]:
        """Each column of ``name`` as one of the kinds of :func:`kind_of`."""
        return {row[0]: kind_of(row[1]) for row in self._run(f"DESCRIBE {name}", name).fetchall()}

    def _run(
        self, sql: str, step: str, parameters: Sequence[object] | None = None
    ) -> duckdb.DuckDBPyConnection:
        try:
            return self.connection.execute(sql, parameters)
        except duckdb.Error as e:
            raise _duckdb_error(step, str(e), sql) from e


def _duckdb_error(step: str, reason: str, sql: str) -> InsightError:
    """Return the error of a failed DuckDB query: a CSV that is not UTF-8 said plainly."""
    if "Invalid unicode" not in reason:
        return QueryError(step, reason, sql)
    file = re.search(r"^\s*file = (.+)$", reason, re.MULTILINE)
    line = re.search(r"CSV Error on Line: (\d+)", reason)
    name = Path(file.group(1)).name if file else "the file"
    return undecodable(name, "UTF-8", f" (line {int(line.group(1)):,})" if line else "")


@contextmanager
def engine_or_duckdb(engine: Engine | None, threads: int | None = None) -> Iterator[Engine]:
    """Use ``engine`` as given, or a new DuckDB engine closed when the block ends.

    ``engine`` as given (its owner closes it), or a new :class:`DuckDBEngine` with
    ``threads`` that is closed when the block ends.

    Examples
    --------
    >>> with engine_or_duckdb(None, threads=1) as engine:
    ...     engine.name
    'duckdb'
    """
    if engine is not None:
        yield engine
        return
    with DuckDBEngine(threads=threads) as own:
        yield own


def timestamp_literal(moment: date | datetime) -> str:
    """Return ``moment`` as a SQL timestamp literal both DuckDB and Spark read.

    ``moment`` as a SQL timestamp literal both DuckDB and Spark read: one with a
    time zone is read as that instant, one without as the wall-clock time written.

    Examples
    --------
    >>> timestamp_literal(datetime(2024, 3, 1, 9, 30))
    "TIMESTAMP '2024-03-01 09:30:00'"
    >>> timestamp_literal(date(2024, 3, 1))
    "TIMESTAMP '2024-03-01 00:00:00'"
    """
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, datetime.min.time())
    kind = "TIMESTAMP" if moment.tzinfo is None else "TIMESTAMPTZ"
    return f"{kind} '{moment.isoformat(sep=' ')}'"


#: Spark's console log as kehu starts it (errors only, one line each); for the driver,
#: and for a local session's executors, which share its JVM.
LOG4J = Path(__file__).with_name("spark_log4j2.properties")


class SparkEngine:
    """The same SQL on Spark: transpiled from DuckDB's dialect by SQLGlot."""

    name = "spark"

    def __init__(
        self,
        session: Any = None,
        master: str = "local[2]",
        config: Mapping[str, str] | None = None,
    ) -> None:
        """Run on ``session``, or on a session of ``master`` made here.

        ``master`` is ``local[N]`` (N cores of this machine) or a cluster's URL
        (``spark://host:7077``), whose workers run this same Python, with kehu installed.
        ``config`` sets further Spark settings (``{"spark.driver.memory": "12g"}``).
        """
        if session is None:
            import os
            import sys

            check_spark_master(master)

            from pyspark.sql import SparkSession

            # the partitions' pandas functions run in this interpreter, kehu's own
            os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
            # kehu's own tests cover the pandas 3 conversions it uses; not a user's concern
            warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas")
            builder = (
                SparkSession.builder.master(master)
                .appName("kehu")
                .config("spark.sql.execution.arrow.pyspark.enabled", "true")
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.sql.shuffle.partitions", "4")
                .config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
                # DuckDB's semantics: failed casts and divisions by zero give NULL
                .config("spark.sql.ansi.enabled", "false")
                .config("spark.driver.extraJavaOptions", driver_java_options())
            )
            for key, value in (config or {}).items():
                builder = builder.config(key, value)
            session = builder.getOrCreate()
        session.sparkContext.setLogLevel("ERROR")
        self.session = session
        #: the last table copied to Spark under each name, and Spark's frame of it
        self._sent: dict[str, tuple[pa.Table | pd.DataFrame, Any]] = {}

    @staticmethod
    def transpile(sql: str) -> str:
        """Translate ``sql`` from DuckDB's dialect to Spark's."""
        import sqlglot

        # with ANSI mode off Spark's TO_TIMESTAMP already returns NULL on failure
        sql = sql.replace("TRY_STRPTIME(", "STRPTIME(")
        tree = sqlglot.parse_one(sql, read="duckdb").transform(_top_n_as_sorted_list)
        return str(tree.sql(dialect="spark"))

    def register_table(self, name: str, table: pa.Table | pd.DataFrame) -> None:
        """Make an in-memory table readable as the temporary view ``name`` (copied).

        The same object registered again under the same name is not copied again: the
        CRM's run reads its orders in four steps, each of which registers them. A table
        given here is read as it was when first given, so it must not be changed in place
        while the engine is open.
        """
        sent = self._sent.get(name)
        if sent is None or sent[0] is not table:
            frame = table.to_pandas() if isinstance(table, pa.Table) else table
            sent = self._sent[name] = (table, self.session.createDataFrame(frame))
        sent[1].createOrReplaceTempView(name)

    def register_csv(
        self, name: str, path: Path, delimiter: str | None = None, encoding: str = "utf-8"
    ) -> None:
        """Make a CSV file (a header line, every column as text) the view ``name``.

        Read as DuckDB reads it (RFC 4180: ``""`` is a quote inside a quoted field, which
        may span lines); Spark then reads a CSV file in one task, a Parquet file in many.
        The workers decode ``encoding`` themselves (:meth:`charset`). The rows are read
        now, once, and kept on the workers: a quote that opens and never closes would have
        Spark take the rest of the file into one value, silently, and reading the rows
        once finds that (:func:`_unclosed_quote`) without a second pass over the file.
        """
        from pyspark.sql import functions as F

        reader = self.session.read.options(
            header=True,
            inferSchema=False,
            escape='"',
            multiLine=True,
            encoding=self.charset(encoding),
        )
        if delimiter:
            reader = reader.option("sep", delimiter)
        try:
            rows = reader.csv(str(path)).withColumn(_ROW, F.monotonically_increasing_id())
            rows = rows.localCheckpoint(eager=True)
            swallowed = _unclosed_quote(rows, delimiter or ",")
        except Exception as e:  # pyspark and py4j raise several unrelated types
            raise QueryError(f"reading {path.name}", java_message(e), f"reading {path}") from e
        if swallowed is not None:
            raise InputError(
                f"{path.name}: a quote opens before {swallowed!r} and does not close, so "
                "the rest of the file would be one value: close the quote (or double it, "
                '"", where it is part of the value)'
            )
        rows.drop(_ROW).createOrReplaceTempView(name)

    def register_parquet(self, name: str, path: Path) -> None:
        """Make a Parquet file the view ``name``."""
        self.session.read.parquet(str(path)).createOrReplaceTempView(name)

    def charset(self, encoding: str) -> str:
        """Return Java's name of Python's ``encoding``, for Spark's text readers.

        Spark 4 reads only UTF-8, UTF-16, UTF-32, US-ASCII and ISO-8859-1 unless its
        ``spark.sql.legacy.javaCharsets`` lets every charset of Java (GB18030, Big5,
        Shift_JIS...) through: set on this session, for good, where another is asked for.
        An encoding Java does not know by Python's name is :class:`InputError`.
        """
        name = _SPARK_CHARSETS.get(encoding, encoding)
        if name in _SPARK_CHARSETS.values():
            return name
        charset = self.session.sparkContext._jvm.java.nio.charset.Charset
        if not charset.isSupported(name):
            raise InputError(
                f"Spark's Java has no text encoding {encoding!r}: save the file as UTF-8, "
                "or read it with --engine duckdb"
            )
        self.session.conf.set("spark.sql.legacy.javaCharsets", "true")
        return name

    def create_view(self, name: str, sql: str) -> None:
        """Name ``sql`` as the temporary view ``name``."""
        self._run(sql, name).createOrReplaceTempView(name)

    def materialize(self, name: str, sql: str, *, clustered_by: str | None = None) -> None:
        """Compute ``sql`` now, once, into the view ``name`` (kept on the workers).

        A local checkpoint, not a cache: the result no longer hangs on the plan that made
        it, so freeing an input (:meth:`drop`) does not make Spark compute it again, and
        a long chain of steps does not plan its whole history at every step.
        ``clustered_by`` is not used: a Spark aggregation's memory is its partitions',
        which spill, not the number of cores.
        """
        self._checkpoint(self._run(sql, name), name, sql)

    def drop(self, name: str) -> None:
        """Forget a view made by :meth:`materialize`; the workers free it when it is unused."""
        self.session.catalog.dropTempView(name)

    def query(self, sql: str, step: str) -> pa.Table:
        """Return the result of ``sql`` as an Arrow table.

        Return the result of ``sql`` as an Arrow table; a failure, when the query is
        planned or when it runs, names ``step`` and the query.
        """
        planned = self._run(sql, step)
        try:
            frame = planned.toPandas()
        except Exception as e:  # a failure found while the query runs
            raise QueryError(step, str(e), self.transpile(sql)) from e
        return pa.Table.from_pandas(frame, preserve_index=False)

    def columns(self, name: str) -> list[str]:
        """Return the column names of the table or view ``name``."""
        return list(self.session.table(name).columns)

    def map_partitions(
        self,
        name: str,
        source: str,
        function: Callable[[pd.DataFrame], pd.DataFrame],
        added: Mapping[str, str],
    ) -> None:
        """Apply ``function`` to each partition of ``source`` where it lies: the view ``name``.

        ``function`` takes a partition's rows as a pandas frame (Arrow batches) and
        returns them with the columns ``added`` (name to Spark SQL type) after the
        source's own. It runs on the workers: nothing per row passes the driver.
        """
        from pyspark.sql.types import StructType

        frame = self.session.table(source)
        schema = StructType(list(frame.schema.fields))  # add() changes the schema it is given
        for column, kind in added.items():
            schema = schema.add(column, kind)
        names = schema.fieldNames()

        def each(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
            for batch in batches:
                yield function(batch)[names]

        frame.mapInPandas(each, schema).createOrReplaceTempView(name)

    def sort_positions(self, name: str, source: str, order_by: str) -> None:
        """Sort ``source`` across the cluster and name it ``name``, each row's place kept.

        ``order_by`` is in DuckDB's dialect. Each row gets ``_part``, its partition (the
        partitions hold consecutive ranges, in order), and ``_pos``, its 0-based place in
        that partition. The result is computed and kept here, once: a sort computed again
        may cut its partitions elsewhere.
        """
        from pyspark.sql import functions as F

        sql = f"SELECT * FROM {source} ORDER BY {order_by}"
        part = F.spark_partition_id()
        # the id is the partition's number shifted 33 bits, plus the row's place in it
        place = F.monotonically_increasing_id() - part.cast("long") * (1 << 33)
        frame = self._run(sql, name).withColumn("_part", part).withColumn("_pos", place)
        self._checkpoint(frame, name, sql)

    def sample(self, name: str, source: str, fraction: float, seed: int = 0) -> None:
        """Name a Bernoulli sample of ``fraction`` of ``source``'s rows the view ``name``."""
        self.session.table(source).sample(fraction=fraction, seed=seed).createOrReplaceTempView(
            name
        )

    def write_parquet(self, name: str, path: Path) -> None:
        """Write ``name`` as a Parquet dataset (a folder of parts, one per partition)."""
        try:
            self.session.table(name).write.mode("overwrite").parquet(str(path))
        except Exception as e:  # pyspark raises several unrelated exception types
            reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise QueryError(f"writing {path}", reason, f"TABLE {name}") from e

    def column_kinds(self, name: str) -> dict[str, str]:
        """Each column of ``name`` as one of the kinds of :func:`kind_of`."""
        return {column: kind_of(dtype) for column, dtype in self.session.table(name).dtypes}

    def _checkpoint(self, frame: Any, name: str, sql: str) -> None:
        """Compute ``frame`` now into the view ``name``; a failure names ``name`` and ``sql``."""
        try:
            frame = frame.localCheckpoint(eager=True)
        except Exception as e:  # a failure found while the query runs
            raise QueryError(name, str(e), self.transpile(sql)) from e
        frame.createOrReplaceTempView(name)

    def _run(self, sql: str, step: str) -> Any:
        spark_sql = self.transpile(sql)
        try:
            return self.session.sql(spark_sql)
        except Exception as e:  # pyspark raises several unrelated exception types
            raise QueryError(step, str(e), spark_sql) from e


def driver_java_options() -> str:
    """Return the driver's Java options: the cluster's own, then kehu's log settings.

    A setting given to the session replaces the one of ``spark-defaults.conf`` (in
    ``SPARK_CONF_DIR``, else Spark's ``conf`` folder), so the options an administrator
    put there (a proxy, Kerberos, memory flags) are read and kept before kehu's.
    """
    own = f"'-Dlog4j2.configurationFile={LOG4J}'"
    cluster = spark_defaults().get("spark.driver.extraJavaOptions", "").strip()
    return f"{cluster} {own}" if cluster else own


def spark_defaults() -> dict[str, str]:
    """Return the settings of ``spark-defaults.conf`` as spark-submit reads it (none without one).

    A Java properties file: a key, then white space, ``=`` or ``:``, then the value;
    ``#`` and ``!`` begin comments; a line ending in a backslash goes on on the next.
    """
    import os

    folder = os.environ.get("SPARK_CONF_DIR")
    if not folder:
        from pyspark.find_spark_home import _find_spark_home

        folder = str(Path(os.environ.get("SPARK_HOME") or _find_spark_home()) / "conf")
    path = Path(folder) / "spark-defaults.conf"
    if not path.is_file():
        return {}
    settings: dict[str, str] = {}
    pending = ""
    for raw in path.read_text(encoding="utf-8", errors="replace").splitlines():
        line = pending + raw.lstrip()
        if line.endswith("\\") and not line.endswith("\\\\"):
            pending = line[:-1]
            continue
        pending = ""
        if not line or line[0] in "#!":
            continue
        match = re.match(r"([^\s=:]+)\s*[=:]?\s*(.*)$", line)
        if match:
            settings[match.group(1)] = match.group(2).strip()
    return settings


#: The column of a CSV's row order while Spark reads it.
_ROW = "__kehu_row"


def _unclosed_quote(rows: Any, delimiter: str) -> str | None:
    """Return the start of a value that took in the rest of its file, or None.

    A quote that never closes makes the rest of the file one value of the file's last
    record: a value with a line break after which a line holds the delimiter (more
    records), or that ends in the file's last line break. A quoted value of the last
    record that looks so of its own accord is refused as well.
    """
    from pyspark.sql import functions as F

    columns = [c for c in rows.columns if c != _ROW]
    if not columns:
        return None
    records = f"(?s)[\\r\\n].*\\Q{delimiter}\\E|[\\r\\n]$"
    broken = F.coalesce(*[F.when(F.col(f"`{c}`").rlike(records), F.col(f"`{c}`")) for c in columns])
    last = rows.agg(F.max_by(broken, F.col(_ROW)).alias("value")).first()
    value = last["value"] if last is not None else None
    if value is None:
        return None
    return str(value).strip().splitlines()[0][:40] if value.strip() else ""


def java_message(error: Exception) -> str:
    """Return a Java exception's own first line rather than Py4J's wrapping of it."""
    java = getattr(error, "java_exception", None)
    text = str(java.getMessage() if java is not None else error).strip()
    return text.splitlines()[0] if text else type(error).__name__


#: Python's names of the charsets Spark 4 reads by default, and Spark's.
_SPARK_CHARSETS = {
    "utf-8": "utf-8",
    "utf-8-sig": "utf-8",
    "ascii": "us-ascii",
    "iso8859-1": "iso-8859-1",
    "utf-16": "utf-16",
    "utf-16-le": "utf-16le",
    "utf-16-be": "utf-16be",
    "utf-32": "utf-32",
}

#: The masters spark-submit accepts; for any other it exits with a Java trace.
SPARK_MASTER = re.compile(r"(local(-cluster)?(\[[^\]]+\])?|yarn|(spark|k8s)://\S+)")


def check_spark_master(master: str) -> None:
    """Raise :class:`InputError` unless ``master`` is a Spark master's form."""
    if not SPARK_MASTER.fullmatch(master.strip()):
        raise InputError(
            "the Spark master must be local, local[N], local[*], spark://HOST:PORT, yarn or "
            f"k8s://URL; got {master!r}"
        )


def spark_start_failure(error: BaseException, master: str) -> str:
    """Return one plain line saying why a Spark session at ``master`` did not start.

    PySpark and py4j raise several unrelated types; a Java error's own first line is
    kept, and a context that Spark stopped while starting (no master answered, the
    workers refused the application) says where to look.
    """
    java = getattr(error, "java_exception", None)
    text = str(java.toString()) if java is not None else str(error)
    reason = text.strip().splitlines()[0] if text.strip() else type(error).__name__
    if "stopped SparkContext" in reason:
        reason = (
            "Spark stopped while starting; is a master listening there and are its workers "
            "up? (Spark's log above says why)"
        )
    return f"could not start Spark at {master}: {reason}"


def _top_n_as_sorted_list(node: Any) -> Any:
    """Rewrite DuckDB's ``MAX(x, n)`` as a Spark expression.

    DuckDB's ``MAX(x, n)`` (the n largest values, descending, NULLs skipped) has no
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
