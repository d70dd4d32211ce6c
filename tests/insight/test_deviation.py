"""Deviation flags: each customer against their own pattern, each order against the
customer's usual orders; and churn learned from history by a time split."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from kehu.insight.behaviour import customer_behaviour
from kehu.insight.churn.history import churn_from_history
from kehu.insight.data import InputError
from kehu.insight.deviation import customer_flags, unusual_orders

AS_OF = pd.Timestamp("2026-07-01")


def _orders(rows: list[tuple[int, str, float]]) -> pd.DataFrame:
    customer, when, amount = zip(*rows, strict=True)
    return pd.DataFrame(
        {
            "customer_id": customer,
            "order_id": np.arange(len(rows)),
            "ordered_at": pd.to_datetime(when),
            "amount": amount,
        }
    )


def _monthly(customer: int, months: int, amount: float, last: str = "2026-06-15") -> list:
    dates = pd.date_range(end=last, periods=months, freq="30D")
    return [(customer, str(d.date()), amount) for d in dates]


def test_spend_drop_and_long_gap_are_flagged_against_the_customers_own_pattern():
    rows = (
        _monthly(1, 12, 100.0)  # steady: nothing to say
        + _monthly(2, 12, 500.0, last="2026-01-15")  # stopped five months ago
        + _monthly(3, 12, 100.0)[:-3]  # ...
        + [(3, "2026-05-01", 20.0)]  # still buying, far less
    )
    b = customer_behaviour(_orders(rows), AS_OF).features
    flags = customer_flags(b, bg_nbd=(2.0, 8.0), period_days=7)
    by = {(f.customer_id, f.kind): f for f in flags.itertuples()}
    assert 1 not in flags["customer_id"].to_numpy()
    assert (2, "long_gap") in by and (2, "spend_drop") in by
    gap = by[(2, "long_gap")]
    assert "no order for 167 days against an order every 30 days" in gap.reason
    assert json.loads(gap.values)["chance"] < 0.01
    drop = by[(3, "spend_drop")]
    assert drop.reason.startswith("spent 20 in the last 90 days against")
    assert 0.7 <= json.loads(drop.values)["drop"] <= 1


def test_complaint_burst_needs_more_than_the_customers_usual_rate():
    rows = [row for c in range(1, 30) for row in _monthly(c, 12, 100.0)]  # most never complain
    tickets = pd.DataFrame(
        {
            "customer_id": [1, 1, 1, 2, 2, 2, 2, 2, 2],
            "opened_at": pd.to_datetime(
                ["2026-05-01", "2026-05-20", "2026-06-10"]  # three, none before
                + [
                    "2025-08-01",
                    "2025-10-01",
                    "2025-12-01",
                    "2026-02-01",
                    "2026-05-01",
                    "2026-06-01",
                ]  # a steady complainer: two recent ones are usual
            ),
            "kind": ["complaint"] * 9,
        }
    )
    b = customer_behaviour(_orders(rows), AS_OF, tickets=tickets).features
    flags = customer_flags(b)
    bursts = flags[flags["kind"] == "complaint_burst"]
    assert bursts["customer_id"].tolist() == [1]
    assert bursts["reason"].iloc[0].startswith("3 complaints in the last 90 days against about")


def test_unusual_orders_and_returns():
    rows = [(1, f"2026-0{m}-01", 100.0 + m) for m in range(1, 8)] + [
        (1, "2026-06-15", 2500.0),
        (1, "2026-06-16", -900.0),
        (2, "2026-06-16", 5000.0),  # too few orders to know what is usual
    ]
    flags = unusual_orders(_orders(rows))
    assert set(flags["kind"]) == {"unusual_order", "unusual_return"}
    big = flags[flags["kind"] == "unusual_order"].iloc[0]
    assert big["order_id"] == 7 and "an order of 2,500" in big["reason"]
    assert "their median order of 104" in big["reason"]
    assert unusual_orders(_orders(rows), since="2026-06-16")["kind"].tolist() == ["unusual_return"]
    # other columns of the orders are carried along unread; a missing one is named
    with_channel = _orders(rows).assign(channel="web")
    assert unusual_orders(with_channel)["order_id"].tolist() == flags["order_id"].tolist()
    with pytest.raises(InputError, match=r"missing \['order_id'\]"):
        unusual_orders(_orders(rows).drop(columns="order_id"))


def _histories(n: int = 1500, seed: int = 0) -> pd.DataFrame:
    """Customers who buy on a rhythm and, for some, stop at a random time."""
    rng = np.random.default_rng(seed)
    rows = []
    start = pd.Timestamp("2024-01-01")
    rate = rng.gamma(2, 1 / 40, n)  # orders per day
    stop = np.where(rng.random(n) < 0.5, rng.uniform(200, 900, n), 10_000)
    for c in range(n):
        t = rng.exponential(1 / rate[c])
        while t < min(stop[c], 912):
            rows.append((c, start + pd.Timedelta(days=t), float(rng.gamma(2, 50))))
            t += rng.exponential(1 / rate[c])
    frame = pd.DataFrame(rows, columns=["customer_id", "ordered_at", "amount"])
    frame["order_id"] = np.arange(len(frame))
    return frame


def test_churn_from_history_ranks_who_stops_next():
    orders = _histories()
    as_of = pd.Timestamp("2026-01-01")  # about 730 days in: train on 640, score on 730
    result = churn_from_history(orders[orders["ordered_at"] < as_of], as_of, horizon_days=90)
    assert result.metrics["cv_roc_auc"] > 0.75
    scores = result.scores.to_pandas()
    later = orders[(orders["ordered_at"] >= as_of) & (orders["ordered_at"] < "2026-04-01")]
    stopped = ~scores["id"].isin(later["customer_id"])
    assert roc_auc_score(stopped, scores["probability"]) > 0.75
    assert scores["reason_1"].notna().mean() > 0.5
    assert scores["reason_1"].dropna().str.contains(" = ").all()
    assert "IF " in result.metrics["rules"]


def test_churn_from_history_needs_enough_customers():
    orders = _orders(_monthly(1, 12, 100.0))
    with pytest.raises(InputError, match="at least 50 customers with orders before"):
        churn_from_history(orders, AS_OF)
    with pytest.raises(InputError, match="horizon_days must be at least 7"):
        churn_from_history(orders, AS_OF, horizon_days=3)


def test_an_amount_the_backend_cannot_read_raises_the_library_error_naming_the_query():
    from kehu.insight.engine import QueryError

    orders = _orders(_monthly(1, 6, 100.0)).astype({"amount": object})
    orders.loc[2, "amount"] = "12,50"
    with pytest.raises(QueryError, match="unusual orders") as caught:
        unusual_orders(orders)
    assert "CAST(amount AS DOUBLE)" in caught.value.query
    assert "12,50" in caught.value.reason
