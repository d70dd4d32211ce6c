"""Behaviour features run their SQL through the engine seam: a query the backend
refuses raises the library's error naming the query, and an engine given is used and
left open for its owner; on Spark the features are the same."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from tests.conftest import require

from kehu.insight.behaviour import customer_behaviour
from kehu.insight.engine import DuckDBEngine, QueryError
from kehu.insight.errors import InsightError

AS_OF = pd.Timestamp("2026-07-01")


def _orders(ordered_at: list[object], amount: list[object]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [1] * len(amount),
            "order_id": range(len(amount)),
            "ordered_at": ordered_at,
            "amount": amount,
        }
    )


def test_a_date_the_backend_cannot_read_raises_the_library_error_naming_the_query():
    orders = _orders(["2026-05-01", "last tuesday"], [10.0, 20.0])
    with pytest.raises(QueryError, match="behaviour_orders") as caught:
        customer_behaviour(orders, AS_OF)
    assert isinstance(caught.value, InsightError)
    assert "CAST(ordered_at AS TIMESTAMP)" in caught.value.query
    assert "last tuesday" in caught.value.reason


def test_an_engine_given_runs_the_features_and_stays_open():
    orders = _orders(pd.to_datetime(["2026-05-01", "2026-06-01"]), [10.0, 30.0])
    with DuckDBEngine() as engine:
        features = customer_behaviour(orders, AS_OF, engine=engine).features
        assert features["n_orders"].tolist() == [2.0]
        assert features["total_spend"].tolist() == [40.0]
        # the tables made on the way are freed; the engine still answers
        assert engine.query("SELECT 1 AS one", "after").to_pylist() == [{"one": 1}]
        with pytest.raises(QueryError):
            engine.query("SELECT * FROM behaviour_orders", "freed")


@pytest.mark.slow
def test_features_and_unusual_orders_are_the_same_on_spark():
    import importlib.util

    require(importlib.util.find_spec("pyspark") is not None, "pyspark is not installed")
    from kehu.insight.deviation import unusual_orders
    from kehu.insight.engine import SparkEngine

    rng = np.random.default_rng(3)
    n = 3000
    ids = rng.integers(1, 300, n)
    start = pd.Timestamp("2024-01-01")
    orders = pd.DataFrame(
        {
            "customer_id": ids,
            "order_id": np.arange(n),
            "ordered_at": start + pd.to_timedelta(rng.integers(0, 900 * 86400, n), unit="s"),
            "amount": np.round(rng.lognormal(4, 1, n) * np.where(rng.random(n) < 0.05, -1, 1), 2),
            "channel": rng.choice(["web", "shop", "phone"], n),
        }
    )
    lines = orders[["customer_id", "ordered_at"]].assign(
        category=rng.choice(["toys", "Kids' books", "garden", "tools"], n),
        amount=orders["amount"].abs(),
    )
    tickets = pd.DataFrame(
        {
            "customer_id": rng.integers(1, 300, 400),
            "opened_at": start + pd.to_timedelta(rng.integers(0, 900 * 86400, 400), unit="s"),
            "kind": rng.choice(["complaint", "question"], 400),
        }
    )
    spark = SparkEngine()
    duck = customer_behaviour(orders, AS_OF, lines=lines, tickets=tickets)
    on_spark = customer_behaviour(orders, AS_OF, lines=lines, tickets=tickets, engine=spark)
    assert (duck.categories, duck.channels) == (on_spark.categories, on_spark.channels)
    pd.testing.assert_frame_equal(
        duck.features,
        on_spark.features.sort_values("customer_id", ignore_index=True),
        check_exact=False,
        rtol=1e-9,
    )
    flagged = unusual_orders(orders)
    flagged_on_spark = unusual_orders(orders, engine=spark)
    assert len(flagged) > 0
    assert sorted(flagged["order_id"]) == sorted(flagged_on_spark["order_id"])

    # the same frames again (the churn model's cut-off, the deviation checks): not copied
    copies = []
    copy = spark.session.createDataFrame
    spark.session.createDataFrame = lambda frame, *a, **k: copies.append(frame) or copy(frame)
    again = customer_behaviour(orders, AS_OF, lines=lines, tickets=tickets, engine=spark)
    unusual_orders(orders, engine=spark)
    pd.testing.assert_frame_equal(on_spark.features, again.features)
    assert copies == []
    changed = orders.assign(amount=orders["amount"] * 2)
    doubled = customer_behaviour(changed, AS_OF, lines=lines, tickets=tickets, engine=spark)
    assert len(copies) == 1 and copies[0] is changed
    assert doubled.features["total_spend"].sum() == pytest.approx(
        2 * on_spark.features["total_spend"].sum()
    )
