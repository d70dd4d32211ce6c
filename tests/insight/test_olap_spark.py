"""The pivot SQL is the same on Spark: every kind of pivot on the hand-computable warehouse
gives DuckDB's cells and totals when run on a SparkEngine (SQL transpiled by SQLGlot)."""

from __future__ import annotations

import importlib.util
from datetime import date

import pandas as pd
import pytest
from tests.conftest import require
from tests.insight.olap_warehouse import write_small_warehouse

from kehu.insight.engine import DuckDBEngine
from kehu.insight.olap import MEASURES, PivotQuery, members, register_warehouse, run_pivot

QUERIES = [
    PivotQuery(tuple(MEASURES), ("year",), ("channel",)),
    PivotQuery(
        ("net_sales", "new_customers"), ("region",), ("quarter",), compare_previous_year=True
    ),
    PivotQuery(("net_sales", "orders"), ("customer",), top_n=2, other=True, share_of_total=True),
    PivotQuery(
        ("margin", "orders"),
        ("category", "product"),
        filters={"salesperson": ("alice", "(none)"), "year": ("2024",)},
        date_from=date(2024, 1, 1),
    ),
]


def _sorted(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    out = frame.sort_values(keys, ignore_index=True) if keys else frame
    return out.astype({c: float for c in out.columns if c not in keys}).astype(
        {c: str for c in keys}
    )


@pytest.mark.slow
def test_pivots_are_the_same_on_spark(tmp_path):
    require(importlib.util.find_spec("pyspark") is not None, "pyspark is not installed")
    from kehu.insight.engine import SparkEngine

    folder = write_small_warehouse(tmp_path / "warehouse")
    spark = SparkEngine()
    register_warehouse(spark, folder)
    with DuckDBEngine(threads=1) as duck:
        register_warehouse(duck, folder)
        for query in QUERIES:
            expected, found = run_pivot(duck, query), run_pivot(spark, query)
            keys = [*query.rows, *query.columns]
            pd.testing.assert_frame_equal(_sorted(found.cells, keys), _sorted(expected.cells, keys))
            assert found.row_headers == expected.row_headers
            assert found.totals == pytest.approx(expected.totals, nan_ok=True)
        assert members(spark, "customer", search="o") == members(duck, "customer", search="o")
