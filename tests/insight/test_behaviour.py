"""Behaviour features run their SQL through the engine seam: a query the backend
refuses raises the library's error naming the query, and an engine given is used and
left open for its owner."""

from __future__ import annotations

import pandas as pd
import pytest

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
