"""Where the CRM's analysis run values the customers.

On DuckDB in the run's own process (the default), or on a Spark cluster when
``KEHU_ANALYSIS_ENGINE=spark`` (``KEHU_SPARK_MASTER``: the cluster, e.g.
``spark://host:7077``, default ``local[*]``; ``kehu score --engine spark`` for one run).
On Spark the value engine runs where the cluster is (:mod:`kehu.insight.distributed`)
and the valued customers come back to this process, which writes every customer's
scores to the CRM's database; the mining steps after it run here, as on DuckDB.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
from django.conf import settings

from kehu.insight.analyze import Analysis, AnalysisSettings, analyze

__all__ = ["ENGINES", "AnalysisEngine", "EngineUnavailableError", "run_analysis"]

ENGINES = ("duckdb", "spark")


class EngineUnavailableError(Exception):
    """The chosen engine cannot run (PySpark missing, the cluster unreachable)."""


@dataclass(frozen=True)
class AnalysisEngine:
    """Which engine values the customers, and the Spark cluster when it is Spark."""

    name: str = "duckdb"
    spark_master: str = "local[*]"

    def __post_init__(self) -> None:
        if self.name not in ENGINES:
            raise EngineUnavailableError(
                f"the analysis engine must be one of {', '.join(ENGINES)}, got {self.name!r} "
                "(KEHU_ANALYSIS_ENGINE)"
            )

    @classmethod
    def configured(cls, name: str | None = None, spark_master: str | None = None) -> AnalysisEngine:
        """Return the engine of the settings, ``name`` and ``spark_master`` where given."""
        return cls(
            name or settings.KEHU_ANALYSIS_ENGINE, spark_master or settings.KEHU_SPARK_MASTER
        )


def run_analysis(
    log: pd.DataFrame,
    analysis_settings: AnalysisSettings,
    engine: AnalysisEngine,
    step: Callable[[str], None],
    customer_columns: pd.DataFrame,
) -> Analysis:
    """Value the customers of ``log`` on ``engine``; the result as one machine gives it."""
    if engine.name == "duckdb":
        return analyze(log, analysis_settings, progress=step, customer_columns=customer_columns)
    return _on_spark(log, analysis_settings, engine.spark_master, step, customer_columns)


def _on_spark(
    log: pd.DataFrame,
    analysis_settings: AnalysisSettings,
    master: str,
    step: Callable[[str], None],
    customer_columns: pd.DataFrame,
) -> Analysis:
    if importlib.util.find_spec("pyspark") is None:
        raise EngineUnavailableError(
            "the analysis engine is Spark, which needs PySpark: pip install 'kehu[spark]' "
            "(and Java 17 or newer), or set KEHU_ANALYSIS_ENGINE=duckdb"
        )
    from kehu.insight.distributed import analyze_on_cluster, collect_analysis
    from kehu.insight.engine import SparkEngine, spark_start_failure

    step("starting Spark")
    try:
        spark = SparkEngine(master=master)
    except Exception as e:  # pyspark and py4j raise several unrelated types
        raise EngineUnavailableError(spark_start_failure(e, master)) from e
    try:
        result = analyze_on_cluster(
            log,
            analysis_settings,
            engine=spark,
            progress=step,
            customer_columns=customer_columns,
        )
        return collect_analysis(result, spark)
    finally:
        spark.session.stop()
