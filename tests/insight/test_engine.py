"""The backend seam: a failed query names its step and the query; the in-process
DuckDB engine takes settings and closes; an engine given to a function stays its
caller's."""

from __future__ import annotations

import pickle

import pyarrow as pa
import pytest

from kehu.insight.engine import (
    CLUSTER_FROM_THREADS,
    DuckDBEngine,
    QueryError,
    check_spark_master,
    engine_or_duckdb,
)
from kehu.insight.errors import InsightError


def test_a_failed_query_names_its_step_and_the_query():
    with DuckDBEngine() as engine, pytest.raises(QueryError) as caught:
        engine.query("SELECT amount FROM nowhere", "order totals")
    error = caught.value
    assert isinstance(error, InsightError)
    assert error.step == "order totals" and error.query == "SELECT amount FROM nowhere"
    assert "nowhere" in error.reason
    assert str(error).startswith("order totals: ")
    assert str(error).endswith("\nquery: SELECT amount FROM nowhere")


def test_a_query_error_survives_being_sent_to_another_process():
    error = pickle.loads(pickle.dumps(QueryError("step", "reason", "SELECT 1")))
    assert (error.step, error.reason, error.query) == ("step", "reason", "SELECT 1")
    assert str(error) == "step: reason\nquery: SELECT 1"


def test_a_failed_statement_names_the_table_it_was_making():
    with DuckDBEngine() as engine, pytest.raises(QueryError) as caught:
        engine.materialize("totals", "SELECT CAST('ten' AS DOUBLE) AS amount")
    assert caught.value.step == "totals"
    assert "CREATE OR REPLACE TEMP TABLE totals AS SELECT CAST('ten'" in caught.value.query


def test_settings_are_applied_after_the_defaults_and_override_them():
    with DuckDBEngine(threads=1, settings={"preserve_insertion_order": True}) as engine:
        rows = engine.execute(
            "SELECT current_setting('threads'), current_setting('preserve_insertion_order')",
            "settings",
        ).fetchall()
    assert rows == [(1, True)]


def test_a_setting_the_backend_refuses_names_the_setting():
    with pytest.raises(QueryError, match="setting memory_limit") as caught:
        DuckDBEngine(memory_limit="a lot")
    assert caught.value.query == "SET memory_limit = ?"


@pytest.mark.parametrize("threads", [2, CLUSTER_FROM_THREADS])
def test_a_table_clustered_by_a_key_keeps_its_rows_and_orders_them_from_enough_threads(threads):
    keys = pa.table({"k": [(i * 7919) % 1000 for i in range(20_000)], "v": range(20_000)})
    with DuckDBEngine(threads=threads) as engine:
        engine.register_table("t", keys)
        engine.materialize("c", "SELECT k, SUM(v) AS s FROM t GROUP BY k", clustered_by="k")
        stored = engine.query("SELECT k, s FROM c ORDER BY rowid", "stored").to_pydict()
    assert engine.threads == threads
    assert sorted(stored["k"]) == list(range(1000))
    assert sum(stored["s"]) == sum(range(20_000))
    if threads >= CLUSTER_FROM_THREADS:
        assert stored["k"] == list(range(1000))


def test_execute_binds_parameters():
    with DuckDBEngine() as engine:
        assert engine.execute("SELECT ? + 1", "sum", [41]).fetchall() == [(42,)]


def test_an_engine_made_for_a_block_is_closed_after_it_and_a_given_one_is_not():
    with engine_or_duckdb(None) as made:
        made.register_table("t", pa.table({"x": [1]}))
    with pytest.raises(QueryError):  # closed
        made.query("SELECT x FROM t", "after the block")
    given = DuckDBEngine()
    with engine_or_duckdb(given) as used:
        assert used is given
    assert given.query("SELECT 1 AS one", "still open").to_pylist() == [{"one": 1}]
    given.close()


class _JavaError(Exception):
    """What py4j raises: the Java exception beside a Python message about the call."""

    def __init__(self, java_text: str) -> None:
        super().__init__("An error occurred while calling None.org.apache.spark.sql.SparkSession.")
        self.java_exception = type("Java", (), {"toString": lambda _self: java_text})()


def test_a_spark_that_did_not_start_is_one_plain_line():
    from kehu.insight.engine import spark_start_failure

    stopped = _JavaError(
        "java.lang.IllegalStateException: Cannot call methods on a stopped SparkContext.\n"
        "This stopped SparkContext was created at:"
    )
    message = spark_start_failure(stopped, "spark://10.0.0.9:7077")
    assert message.startswith("could not start Spark at spark://10.0.0.9:7077: ")
    assert "is a master listening there" in message and "\n" not in message
    refused = spark_start_failure(ValueError("Invalid master URL\nmore"), "nowhere")
    assert refused == "could not start Spark at nowhere: Invalid master URL"
    assert spark_start_failure(OSError(), "local[2]").endswith(": OSError")


@pytest.mark.parametrize(
    "master",
    ["local", "local[2]", "local[*]", "local-cluster[2,1,1024]", "spark://h:7077", "yarn"],
)
def test_a_spark_master_of_a_known_form_is_taken(master):
    check_spark_master(master)


@pytest.mark.parametrize("master", ["nowhere", "nowhere:/cluster", "local[", "spark://", ""])
def test_a_spark_master_of_no_known_form_is_refused_before_spark_starts(master):
    # spark-submit would exit with a Java trace and PySpark say only "gateway exited"
    with pytest.raises(InsightError, match="must be local, local\\[N\\]") as caught:
        check_spark_master(master)
    assert repr(master) in str(caught.value)


def test_a_csv_in_another_encoding_is_read_from_a_utf8_copy_removed_on_close(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_bytes("客户,金额\n张三,10\n李四,20\n".encode("gb18030"))
    engine = DuckDBEngine()
    engine.register_csv("orders", path, encoding="gb18030")
    rows = engine.query("SELECT * FROM orders", "orders").to_pylist()
    assert rows == [{"客户": "张三", "金额": "10"}, {"客户": "李四", "金额": "20"}]
    copies = list(engine._scratch().iterdir())
    assert [p.name for p in copies] == ["orders.csv"]
    engine.close()
    assert not copies[0].exists() and not copies[0].parent.exists()


def test_the_clusters_own_driver_options_are_kept_before_kehus(tmp_path, monkeypatch):
    from kehu.insight.engine import LOG4J, driver_java_options, spark_defaults

    monkeypatch.setenv("SPARK_CONF_DIR", str(tmp_path))
    assert spark_defaults() == {}
    assert driver_java_options() == f"'-Dlog4j2.configurationFile={LOG4J}'"
    (tmp_path / "spark-defaults.conf").write_text(
        "# the cluster's settings\n"
        "spark.master  spark://h:7077\n"
        "! another comment\n"
        "spark.driver.memory=4g\n"
        "spark.driver.extraJavaOptions   -Dhttp.proxyHost=proxy \\\n"
        "    -Dhttp.proxyPort=3128\n"
    )
    assert spark_defaults() == {
        "spark.master": "spark://h:7077",
        "spark.driver.memory": "4g",
        "spark.driver.extraJavaOptions": "-Dhttp.proxyHost=proxy -Dhttp.proxyPort=3128",
    }
    assert driver_java_options() == (
        f"-Dhttp.proxyHost=proxy -Dhttp.proxyPort=3128 '-Dlog4j2.configurationFile={LOG4J}'"
    )


@pytest.mark.slow
def test_a_spark_session_keeps_the_driver_options_of_spark_defaults(tmp_path):
    import importlib.util
    import os
    import subprocess
    import sys

    from tests.conftest import require

    require(importlib.util.find_spec("pyspark") is not None, "pyspark is not installed")
    (tmp_path / "spark-defaults.conf").write_text(
        "spark.driver.extraJavaOptions -Dkehu.test.marker=kept\n"
    )
    script = (
        "from kehu.insight.engine import SparkEngine\n"
        "engine = SparkEngine(master='local[1]')\n"
        "jvm = engine.session.sparkContext._jvm\n"
        "print(jvm.System.getProperty('kehu.test.marker'), "
        "jvm.System.getProperty('log4j2.configurationFile'))\n"
        "engine.session.stop()\n"
    )
    env = os.environ | {"SPARK_CONF_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr
    marker, log_config = done.stdout.split()
    assert marker == "kept" and log_config.endswith("spark_log4j2.properties")
