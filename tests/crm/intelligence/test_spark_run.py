"""The CRM's analysis run on Spark (``kehu score --engine spark``, ``KEHU_ANALYSIS_ENGINE``)
writes the scores a run on DuckDB writes, its mining steps' SQL on the same Spark, and
says plainly when Spark cannot start."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import transaction
from django.test import override_settings

from kehu.crm.intelligence.engines import AnalysisEngine, EngineUnavailableError

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]
COMPARED = (
    "p_alive",
    "expected_purchases",
    "predicted_clv",
    "value_score",
    "total_spend",
    "churn_risk",
)
LABELS = (
    "tier",
    "abc_class",
    "rfm_segment",
    "lifecycle_stage",
    "loyalty_stage",
    "r_score",
    "segment",
    "n_flags",
)


def _scores() -> dict[int, dict[str, object]]:
    from kehu.crm.intelligence.models import CustomerScore

    rows = CustomerScore.objects.values("customer_id", *COMPARED, *LABELS)
    return {row.pop("customer_id"): row for row in rows}


@pytest.fixture(scope="module")
def both_runs(
    django_db_setup: None, django_db_blocker
) -> Iterator[tuple[dict, dict, object, object, list[str]]]:
    from kehu.crm.demo.load import load_demo
    from kehu.crm.intelligence.actions import execute_run, request_run
    from kehu.insight.engine import SparkEngine

    asked: list[str] = []  # the steps of the queries Spark answered
    answer = SparkEngine.query

    def recorded(engine: SparkEngine, sql: str, step: str = "query"):
        asked.append(step)
        return answer(engine, sql, step)

    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHER),
        transaction.atomic(),
        pytest.MonkeyPatch.context() as patch,
    ):
        load_demo(200, seed=5)
        on_duckdb = execute_run(request_run(), engine=AnalysisEngine("duckdb"))
        assert on_duckdb.error == "", on_duckdb.error
        duckdb_scores = _scores()
        patch.setattr(SparkEngine, "query", recorded)
        on_spark = execute_run(request_run(), engine=AnalysisEngine("spark", "local[2]"))
        yield duckdb_scores, _scores(), on_spark, on_duckdb, asked
        transaction.set_rollback(True)


@pytest.mark.slow
@pytest.mark.django_db
def test_a_run_on_spark_writes_the_scores_a_run_on_duckdb_writes(both_runs):
    from kehu.crm.intelligence.models import ValueRun

    on_duckdb, on_spark, run, _, _ = both_runs
    assert run.status == ValueRun.Status.DONE, run.error
    assert run.analysis_models["engine"] == "spark"
    assert on_spark.keys() == on_duckdb.keys() and len(on_spark) == 200
    for customer, want in on_duckdb.items():
        got = on_spark[customer]
        for name in LABELS:
            assert got[name] == want[name], (customer, name)
        for name in COMPARED:
            if want[name] is None:
                assert got[name] is None, (customer, name)
            else:  # floating sums in another order: the last digits may differ
                assert got[name] == pytest.approx(want[name], rel=1e-6, abs=1e-9), name


@pytest.mark.slow
@pytest.mark.django_db
def test_the_mining_steps_sql_runs_on_the_runs_spark_and_finds_what_duckdb_finds(both_runs):
    _, _, on_spark, on_duckdb, asked = both_runs
    # the behaviour features (the segments' today, the churn model's at its past
    # cut-off and today), the overdue invoices and the unusual orders
    assert asked.count("order features") == 3
    assert "unusual orders" in asked and "overdue invoices" in asked
    # the second run keeps the first one's segment keys; the time each step took differs
    differ = {"seconds", "kept_keys"}
    for step in ("segments", "churn", "deviations"):
        spark_summary = {k: v for k, v in on_spark.mining[step].items() if k not in differ}
        duckdb_summary = {k: v for k, v in on_duckdb.mining[step].items() if k not in differ}
        assert spark_summary == duckdb_summary, step


def test_an_unknown_engine_is_refused_with_the_setting_to_fix() -> None:
    with pytest.raises(EngineUnavailableError, match="KEHU_ANALYSIS_ENGINE"):
        AnalysisEngine("hadoop")
