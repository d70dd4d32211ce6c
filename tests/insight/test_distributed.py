"""The value engine on Spark (`kehu analyze --engine spark`) values every customer as on DuckDB.

In this process on Spark's local mode, and end to end as a user runs it: the command
against a standalone cluster (a master and two workers started on loopback from
PySpark's own launcher), its Parquet and models checked against the DuckDB command's.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kehu.insight.analyze import AnalysisSettings, analyze
from kehu.insight.errors import InputError
from kehu.insight.generate import simulate_purchases

pytestmark = pytest.mark.slow
KEHU = str(Path(sys.executable).with_name("kehu"))
# floating sums run in another order on Spark: a spend can differ in its last bit, a fit
# stops within its tolerance (1e-6 relative) at another point, and
# two customers tied on DuckDB are then ranked apart (a percentile moves by 1 / n)
RANK_TOLERANCE = {"profitability_rank": 2e-3, "value_score": 0.1}


def _transactions(n_customers: int, seed: int) -> pd.DataFrame:
    sim = simulate_purchases(n_customers, seed=seed, end=datetime(2026, 6, 30))
    log = sim.transactions.rename(columns={"customer": "customer_id", "at": "date"})
    log = log[["customer_id", "date", "amount"]]
    # a return on every 15th purchase: returned spend, net totals and ABC at zero value
    returns = log.iloc[::15].assign(amount=lambda t: -t["amount"] / 2)
    return pd.concat([log, returns], ignore_index=True)


@pytest.fixture(scope="module")
def purchases(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("spark") / "purchases.parquet"
    _transactions(1_500, seed=3).to_parquet(path)
    return path


@pytest.fixture(scope="module")
def spark():
    from kehu.insight.engine import SparkEngine

    return SparkEngine()


def assert_same_customers(want: pd.DataFrame, got: pd.DataFrame) -> None:
    want = want.sort_values("customer_id").reset_index(drop=True)
    got = got.sort_values("customer_id").reset_index(drop=True)
    assert list(got.columns) == list(want.columns)
    assert got["customer_id"].astype(str).tolist() == want["customer_id"].astype(str).tolist()
    for column in want.columns:
        expected, actual = want[column], got[column]
        if expected.dtype.kind in "fiub" and column in RANK_TOLERANCE:
            gap = np.abs(expected.to_numpy(float) - actual.to_numpy(float))
            assert np.nanmax(gap) <= RANK_TOLERANCE[column], column
        elif expected.dtype.kind == "f":
            np.testing.assert_allclose(
                actual.to_numpy(float),
                expected.to_numpy(float),
                rtol=1e-6,
                atol=1e-9,
                err_msg=column,
            )
        elif expected.dtype.kind in "iub":
            assert actual.to_numpy().tolist() == expected.to_numpy().tolist(), column
        else:
            assert actual.astype(str).tolist() == expected.astype(str).tolist(), column


def assert_same_models(want: dict, got: dict) -> None:
    for model in ("bg_nbd", "mbg_nbd", "pareto_nbd", "gamma_gamma"):
        for name, value in want[model].items():
            if isinstance(value, float):
                assert got[model][name] == pytest.approx(value, rel=1e-6), (model, name)
    chosen = ("chosen", "p_alive_model", "reason", "calibration_end", "holdout_end")
    for key in chosen:
        assert got["purchase_model"].get(key) == want["purchase_model"].get(key), key
    for key in ("tiers", "abc", "rfm_segments", "lifecycle_stages", "loyalty_stages"):
        assert got[key] == want[key], key
    for key in ("top20_share", "gini"):
        assert got["pareto"][key] == pytest.approx(want["pareto"][key], rel=1e-9)
    assert got["accounting"] == want["accounting"]
    assert got["notes"] == want["notes"]


def test_spark_values_every_customer_as_duckdb_does(purchases, spark):
    from kehu.insight.distributed import analyze_on_cluster

    settings = AnalysisSettings(today=datetime(2026, 7, 1).date())
    on_duckdb = analyze(purchases, settings)
    on_spark = analyze_on_cluster(purchases, settings, engine=spark)
    got = spark.query(f"SELECT * FROM {on_spark.customers}", "customers").to_pandas()
    assert len(got) == on_spark.n_customers == len(on_duckdb.customers) == 1_500
    assert_same_customers(on_duckdb.customers, got)
    assert_same_models(on_duckdb.models, on_spark.models)
    # the fits saw each distinct (frequency, recency, T) once, weighted by its customers
    assert on_spark.models["distinct_rfm_rows"] < 1_500
    assert on_spark.models["bg_nbd"]["n_customers"] == 1_500
    pd.testing.assert_frame_equal(on_spark.cohorts, on_duckdb.cohorts, check_dtype=False)


def test_customer_facts_join_and_the_collected_analysis_match_duckdbs(purchases, spark):
    from kehu.insight.distributed import analyze_on_cluster, collect_analysis

    ids = pd.read_parquet(purchases)["customer_id"].drop_duplicates().to_numpy()
    facts = pd.DataFrame(
        {
            "customer_id": ids[::3],
            "status": np.where(np.arange(len(ids[::3])) % 2 == 0, "lost", "active"),
            "satisfaction": np.arange(len(ids[::3])) % 5 + 1.0,
        }
    )
    settings = AnalysisSettings(today=datetime(2026, 7, 1).date())
    on_duckdb = analyze(purchases, settings, customer_columns=facts)
    cluster = analyze_on_cluster(purchases, settings, engine=spark, customer_columns=facts)
    collected = collect_analysis(cluster, spark)
    assert {"status", "satisfaction"} <= set(collected.customers.columns)
    order = [c for c in on_duckdb.customers.columns if c in collected.customers.columns]
    assert set(order) == set(collected.customers.columns)
    assert_same_customers(on_duckdb.customers, collected.customers[order])
    assert collected.models["lifecycle_stages"] == on_duckdb.models["lifecycle_stages"]
    assert collected.summary.calibration_end == on_duckdb.summary.calibration_end
    assert collected.pareto.gini == pytest.approx(on_duckdb.pareto.gini, rel=1e-9)
    with pytest.raises(InputError, match="may not replace computed columns"):
        analyze_on_cluster(
            purchases, settings, engine=spark, customer_columns=facts.assign(tier="x")
        )


def test_a_holdout_is_checked_on_spark_as_on_duckdb(purchases, spark):
    from kehu.insight.distributed import analyze_on_cluster

    settings = AnalysisSettings(calibration_end="2026-03-31")
    on_duckdb = analyze(purchases, settings)
    on_spark = analyze_on_cluster(purchases, settings, engine=spark)
    got = spark.query(f"SELECT * FROM {on_spark.customers}", "customers").to_pandas()
    assert "holdout_predicted" in got.columns and got.columns[-1] == "holdout_predicted"
    assert_same_customers(on_duckdb.customers, got)
    want, have = on_duckdb.models["holdout"], on_spark.models["holdout"]
    assert have["actual_total"] == want["actual_total"] > 0
    assert have["predicted_total"] == pytest.approx(want["predicted_total"], rel=1e-9)
    assert have["correlation"] == pytest.approx(want["correlation"], rel=1e-9)
    assert have["length_periods"] == pytest.approx(want["length_periods"])


def test_positions_are_the_ranks_of_one_sort_over_every_partition(spark):
    from kehu.insight.positions import with_position

    rng = np.random.default_rng(4)
    rows = pd.DataFrame(
        {
            "customer_id": [f"c{i:05d}" for i in rng.permutation(5_000)],
            "v": rng.integers(0, 40, 5_000).astype(float),
        }  # many ties
    )
    spark.register_table("kehu_test_rows", rows)
    conf = spark.session.conf
    conf.set("spark.sql.adaptive.coalescePartitions.enabled", "false")  # small data: 1 part
    try:
        spark.sort_positions("kehu_test_sorted", "kehu_test_rows", "v DESC, customer_id")
        parts = spark.query("SELECT DISTINCT _part FROM kehu_test_sorted", "parts").num_rows
        with_position(spark, "kehu_test_ranked", "kehu_test_rows", "v DESC, customer_id", "v")
    finally:
        conf.set("spark.sql.adaptive.coalescePartitions.enabled", "true")
    assert parts > 1, "the sort should span several partitions"
    got = spark.query("SELECT * FROM kehu_test_ranked", "ranked").to_pandas()
    want = rows.sort_values(["v", "customer_id"], ascending=[False, True], kind="stable")
    want = want.assign(position=np.arange(1, 5_001), running_total=want["v"].cumsum())
    got = got.sort_values("position").reset_index(drop=True)
    assert got["customer_id"].tolist() == want["customer_id"].tolist()
    np.testing.assert_allclose(got["running_total"], want["running_total"])
    spark.drop("kehu_test_ranked")


def test_a_wrong_weighting_is_refused_before_the_cluster_works(purchases, spark):
    from kehu.insight.distributed import analyze_on_cluster
    from kehu.insight.errors import InputError

    settings = AnalysisSettings(weights={"loudness": 1.0})
    with pytest.raises(InputError, match="value weights must be among"):
        analyze_on_cluster(purchases, settings, engine=spark)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(log: Path, text: str, process: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if text in log.read_text(errors="replace"):
            return
        if process.poll() is not None:
            break
        time.sleep(0.5)
    pytest.fail(f"{log.name}: no {text!r} within {seconds} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def standalone_cluster(tmp_path_factory) -> Iterator[str]:
    """A Spark standalone cluster on loopback: one master, two workers of one core each."""
    import pyspark

    if shutil.which("java") is None:
        pytest.fail("Spark needs Java: install a JRE (apt-get install default-jre-headless)")
    home = Path(pyspark.__file__).parent
    logs = tmp_path_factory.mktemp("cluster")
    env = os.environ | {
        "SPARK_HOME": str(home),
        "SPARK_LOCAL_IP": "127.0.0.1",
        "SPARK_WORKER_DIR": str(logs / "work"),
        "PYSPARK_PYTHON": sys.executable,
    }
    port = _free_port()
    master_url = f"spark://127.0.0.1:{port}"
    spark_class = [str(home / "bin" / "spark-class")]
    processes: list[subprocess.Popen] = []

    def start(name: str, *args: str) -> tuple[subprocess.Popen, Path]:
        log = logs / f"{name}.log"
        with log.open("w") as out:
            process = subprocess.Popen(
                [*spark_class, *args], env=env, stdout=out, stderr=subprocess.STDOUT
            )
        processes.append(process)
        return process, log

    try:
        master, log = start(
            "master",
            "org.apache.spark.deploy.master.Master",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--webui-port",
            str(_free_port()),
        )
        _wait_for(log, "I have been elected leader", master)
        for n in (1, 2):
            worker, log = start(
                f"worker{n}",
                "org.apache.spark.deploy.worker.Worker",
                "--host",
                "127.0.0.1",
                "--cores",
                "1",
                "--memory",
                "1g",
                "--webui-port",
                str(_free_port()),
                master_url,
            )
            _wait_for(log, "Successfully registered with master", worker)
        yield master_url
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def _kehu(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [KEHU, *args], capture_output=True, text=True, timeout=900, env=env, check=False
    )


def test_kehu_analyze_on_a_standalone_cluster_gives_duckdbs_results(standalone_cluster, tmp_path):
    log = tmp_path / "orders.csv"
    _transactions(800, seed=9).to_csv(log, index=False)
    env = os.environ | {"SPARK_LOCAL_IP": "127.0.0.1"}
    local = _kehu("analyze", str(log), "--out", str(tmp_path / "duckdb"))
    assert local.returncode == 0, local.stderr
    clustered = _kehu(
        "analyze",
        str(log),
        "--out",
        str(tmp_path / "spark"),
        "--engine",
        "spark",
        "--spark-master",
        standalone_cluster,
        env=env,
    )
    assert clustered.returncode == 0, clustered.stderr[-3000:]
    assert "Traceback" not in clustered.stderr
    # the same lines of accounting, and the files each engine writes
    assert clustered.stdout.splitlines()[:2] == local.stdout.splitlines()[:2]
    parts = sorted((tmp_path / "spark" / "customers.parquet").glob("part-*.parquet"))
    assert parts, "the workers wrote no part of the customers"
    assert_same_customers(
        pd.read_parquet(tmp_path / "duckdb" / "customers.parquet"),
        pd.read_parquet(tmp_path / "spark" / "customers.parquet"),
    )
    want = json.loads((tmp_path / "duckdb" / "models.json").read_text())
    got = json.loads((tmp_path / "spark" / "models.json").read_text())
    assert got["engine"] == "spark"
    assert_same_models(want, got)
    cohorts = pd.read_csv(tmp_path / "spark" / "cohorts.csv")
    assert cohorts["size"].sum() == 800


def test_a_master_that_cannot_be_read_gets_a_plain_message(tmp_path):
    log = tmp_path / "orders.csv"
    _transactions(50, seed=1).to_csv(log, index=False)
    result = _kehu(
        "analyze",
        str(log),
        "--out",
        str(tmp_path / "out"),
        "--engine",
        "spark",
        "--spark-master",
        "nowhere:/cluster",
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "could not start Spark at nowhere:/cluster" in result.stderr


def test_a_missing_input_is_named_before_spark_starts(tmp_path):
    missing = tmp_path / "nowhere.parquet"
    result = _kehu("analyze", str(missing), "--out", str(tmp_path / "out"), "--engine", "spark")
    assert result.returncode != 0
    assert f"input file '{missing}' does not exist" in result.stderr
    assert "Spark" not in result.stderr  # no JVM started to find that out


def test_a_csv_is_read_on_spark_as_duckdb_reads_it(spark, tmp_path):
    from kehu.insight.engine import DuckDBEngine

    path = tmp_path / "orders.csv"
    path.write_text(
        "customer_id,date,amount,note\n"
        '"Bob ""the"" shop",2024-01-02,5,x\n"a,b",2024-01-03,6,"two\nlines"\nplain,2024-01-04,7,\n'
    )
    spark.register_csv("quoted", path)
    with DuckDBEngine() as duck:
        duck.register_csv("quoted", path)
        want = duck.query("SELECT * FROM quoted ORDER BY date", "read").to_pylist()
    assert want[0]["customer_id"] == 'Bob "the" shop' and want[1]["note"] == "two\nlines"
    assert spark.query("SELECT * FROM quoted ORDER BY date", "read").to_pylist() == want
