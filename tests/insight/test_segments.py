"""Behaviour features, k-means segments (choice of k, profiles, stable keys)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kehu.insight.behaviour import customer_behaviour
from kehu.insight.data import InputError
from kehu.insight.errors import InvalidParameterError
from kehu.insight.segments import Segmenter

END = pd.Timestamp("2026-06-30")


def _shop(n: int = 2000, seed: int = 1) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """Four planted groups: big frequent spenders, lapsed one-timers, tea lovers, and
    web-only shoppers."""
    rng = np.random.default_rng(seed)
    group = rng.integers(0, 4, n)
    n_orders = (
        np.choose(
            group, [rng.poisson(20, n), rng.poisson(1, n), rng.poisson(6, n), rng.poisson(3, n)]
        )
        + 1
    )
    customer = np.repeat(np.arange(n), n_orders)
    g = group[customer]
    days = np.where(g == 1, rng.uniform(400, 1000, len(g)), rng.uniform(1, 365, len(g)))
    amount = np.where(g == 0, rng.gamma(2, 200, len(g)), rng.gamma(2, 40, len(g)))
    when = END - pd.to_timedelta(days, unit="D")
    orders = pd.DataFrame(
        {
            "customer_id": customer,
            "order_id": np.arange(len(g)),
            "ordered_at": when,
            "amount": amount,
            "channel": np.where(g == 3, "web", rng.choice(["phone", "visit", "web"], len(g))),
        }
    )
    lines = pd.DataFrame(
        {
            "customer_id": customer,
            "ordered_at": when,
            "category": np.where(g == 2, "Tea", rng.choice(["Tea", "Cups", "Lamps"], len(g))),
            "amount": amount,
        }
    )
    return orders, lines, group


def test_behaviour_counts_only_what_happened_before_the_date():
    orders = pd.DataFrame(
        {
            "customer_id": [1, 1, 1, 2],
            "order_id": [1, 2, 3, 4],
            "ordered_at": pd.to_datetime(["2026-01-01", "2026-03-01", "2026-07-01", "2026-06-01"]),
            "amount": [100.0, -20.0, 999.0, 50.0],
        }
    )
    tickets = pd.DataFrame(
        {
            "customer_id": [1, 1, 2],
            "opened_at": pd.to_datetime(["2026-05-01", "2026-06-10", "2025-01-01"]),
            "kind": ["complaint", "question", "complaint"],
        }
    )
    b = customer_behaviour(orders, "2026-06-30", tickets=tickets).features.set_index("customer_id")
    assert b.loc[1, "n_orders"] == 2 and b.loc[1, "total_spend"] == 80.0
    assert (
        b.loc[1, "recency_days"] == (pd.Timestamp("2026-06-30") - pd.Timestamp("2026-03-01")).days
    )
    assert b.loc[1, "tenure_days"] == 180 and b.loc[1, "mean_gap_days"] == 59
    assert b.loc[1, "returns_share"] == 0.5 and b.loc[1, "spend_90d"] == 0
    assert b.loc[1, "spend_prev_90d"] == 80.0
    assert (b.loc[1, "n_tickets"], b.loc[1, "n_complaints"], b.loc[1, "complaints_90d"]) == (
        2,
        1,
        1,
    )
    assert np.isnan(b.loc[2, "mean_gap_days"]) and b.loc[2, "orders_90d"] == 1


def test_behaviour_shares_by_category_and_channel():
    orders, lines, group = _shop(400)
    b = customer_behaviour(orders, END + pd.Timedelta(days=1), lines=lines)
    assert set(b.categories) == {"Tea", "Cups", "Lamps"}
    f = b.features.set_index("customer_id")
    tea = f["category: Tea"].to_numpy()
    assert np.allclose(tea[group == 2], 1.0)
    assert np.allclose(f.filter(like="category: ").sum(axis=1), 1.0)
    assert np.allclose(f["channel: web"].to_numpy()[group == 3], 1.0)


def test_behaviour_names_missing_columns():
    with pytest.raises(InputError, match=r"missing \['amount'\], found"):
        customer_behaviour(pd.DataFrame(columns=["customer_id", "order_id", "ordered_at"]), END)


def test_segments_recover_planted_groups_with_names_and_value_shares():
    orders, lines, group = _shop()
    b = customer_behaviour(orders, END + pd.Timedelta(days=1), lines=lines).features
    seg = Segmenter(k_range=(3, 6)).fit(b)
    assert seg.k_ == 4 and seg.k_ == max(seg.k_scores_, key=seg.k_scores_.get)
    table = pd.crosstab(seg.labels_.to_numpy(), group)
    assert (table.max(axis=0) / table.sum(axis=0)).min() > 0.95  # each group in one segment
    by_key = {p.key: p for p in seg.profiles_}
    assert by_key[1].name == "Champions" and by_key[1].value_share > 0.7  # key 1: most value
    names = {p.name for p in seg.profiles_}
    assert {"Lapsed", "Tea buyers", "Web customers"} <= names
    assert sum(p.size for p in seg.profiles_) == len(b)
    assert abs(sum(p.value_share for p in seg.profiles_) - 1) < 1e-9
    lapsed = next(p for p in seg.profiles_ if p.name == "Lapsed")
    assert any(t.feature == "recency_days" and t.z > 0 for t in lapsed.traits)
    assert "days since last order" in " ".join(t.text for t in lapsed.traits)


def test_segment_keys_persist_when_the_data_change_a_little():
    orders, lines, group = _shop()
    b = customer_behaviour(orders, END + pd.Timedelta(days=1), lines=lines).features
    first = Segmenter(k_range=(3, 6)).fit(b)
    changed = b.sample(frac=0.93, random_state=4).copy()
    changed["total_spend"] *= 1.05
    second = Segmenter(k_range=(3, 6), seed=9).fit(changed, previous=first.labels_)
    common = second.labels_.index
    assert (second.labels_ == first.labels_.reindex(common)).mean() > 0.97
    assert set(second.summary()["kept_keys"]) == {"1", "2", "3", "4"}


def test_a_new_segment_gets_a_new_key():
    orders, lines, group = _shop()
    b = customer_behaviour(orders, END + pd.Timedelta(days=1), lines=lines).features
    first = Segmenter(k_range=(3, 3)).fit(b)
    second = Segmenter(k_range=(4, 4)).fit(b, previous=first.labels_)
    assert len(set(second.cluster_keys_) - set(first.cluster_keys_)) >= 1
    assert max(second.cluster_keys_) >= 4


def test_segmenter_contract():
    orders, lines, _ = _shop(300)
    b = customer_behaviour(orders, END + pd.Timedelta(days=1), lines=lines).features
    seg = Segmenter(k_range=(3, 4))
    with pytest.raises(InvalidParameterError, match="not fitted"):
        seg.predict(b)
    assert seg.fit(b) is seg
    again = Segmenter(k_range=(3, 4)).fit(b)
    assert (again.labels_ == seg.labels_).all()
    assert (seg.predict(b) == seg.labels_.to_numpy()).mean() > 0.99
    with pytest.raises(InvalidParameterError, match="k_range"):
        Segmenter(k_range=(1, 4)).fit(b)
    with pytest.raises(InputError, match="at least 24 customers"):
        Segmenter(k_range=(3, 8)).fit(b.head(10))
    with pytest.raises(InputError, match="no 'client' column"):
        seg.fit(b, id_col="client")
