"""Where the CRM's analysis run values the customers.

On DuckDB in the run's own process (the default), or on a Spark cluster when
``KEHU_ANALYSIS_ENGINE=spark`` (``KEHU_SPARK_MASTER``: the cluster, e.g.
``spark://host:7077``, default ``local[*]``; ``kehu score --engine spark`` for one run).
On Spark the value engine runs where the cluster is (:mod:`kehu.insight.distributed`)
and the valued customers come back to this process, which writes every customer's
scores to the CRM's database. The mining steps' SQL (the behaviour features, also at
the churn model's past cut-off, and the deviation checks) runs on the same Spark
session; the models that learn from those features, and the JSON each customer's page
shows, are made here.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd
from django.conf import settings

from kehu.insight.analyze import Analysis, AnalysisSettings, analyze

if TYPE_CHECKING:
    from kehu.insight.engine import SparkEngine

__all__ = ["ENGINES", "AnalysisEngine", "AnalysisSession", "EngineUnavailableError", "session"]

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


@dataclass
class AnalysisSession:
    """One run's engine: values the customers; ``spark`` (None on DuckDB, where each
    mining step opens its own DuckDB in this process) runs the mining steps' SQL too."""

    spark: SparkEngine | None = None

    def value(
        self,
        log: pd.DataFrame,
        analysis_settings: AnalysisSettings,
        step: Callable[[str], None],
        customer_columns: pd.DataFrame,
    ) -> Analysis:
        """Value the customers of ``log``; the result as one machine gives it."""
        if self.spark is None:
            return analyze(log, analysis_settings, progress=step, customer_columns=customer_columns)
        from kehu.insight.distributed import analyze_on_cluster, collect_analysis

        result = analyze_on_cluster(
            log,
            analysis_settings,
            engine=self.spark,
            progress=step,
            customer_columns=customer_columns,
        )
        return collect_analysis(result, self.spark)


@contextmanager
def session(engine: AnalysisEngine, step: Callable[[str], None]) -> Iterator[AnalysisSession]:
    """Open ``engine`` for one run (Spark is started once, and stopped at the end)."""
    if engine.name == "duckdb":
        yield AnalysisSession()
        return
    if importlib.util.find_spec("pyspark") is None:
        raise EngineUnavailableError(
            "the analysis engine is Spark, which needs PySpark: pip install 'kehu[spark]' "
            "(and Java 17 or newer), or set KEHU_ANALYSIS_ENGINE=duckdb"
        )
    from kehu.insight.engine import SparkEngine, spark_start_failure

    step("starting Spark")
    try:
        spark = SparkEngine(master=engine.spark_master)
    except Exception as e:  # pyspark and py4j raise several unrelated types
        raise EngineUnavailableError(spark_start_failure(e, engine.spark_master)) from e
    try:
        yield AnalysisSession(spark)
    finally:
        spark.session.stop()
