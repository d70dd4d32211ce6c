"""Behaviour features, k-means segments (choice of k, profiles, stable keys)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kehu.insight.behaviour import customer_behaviour
from kehu.insight.data import InputError
from kehu.insight.errors import InvalidParameterError, NotFittedError
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
    with pytest.raises(NotFittedError, match=r"not fitted yet: call fit\(\) before predict\(\)"):
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
        Segmenter(k_range=(3, 4), id_col="client").fit(b)


def _with_outliers(b: pd.DataFrame, n: int = 4) -> pd.DataFrame:
    """``n`` customers far from everyone in every direction (a data-entry slip, a
    reseller booking for a whole region)."""
    extreme = b.head(n).copy()
    extreme["customer_id"] = b["customer_id"].max() + 1 + np.arange(n)
    for column in extreme.columns.drop("customer_id"):
        extreme[column] = b[column].max() * 50 + 100
    return pd.concat([b, extreme], ignore_index=True)


def test_a_handful_of_outliers_is_merged_not_a_segment_of_its_own():
    orders, lines, _group = _shop()
    b = _with_outliers(customer_behaviour(orders, END + pd.Timedelta(days=1), lines=lines).features)
    seg = Segmenter(k_range=(3, 6)).fit(b)
    assert seg.min_size_ == 41  # 2% of 2,004 customers
    assert min(p.size for p in seg.profiles_) >= seg.min_size_
    assert seg.merged_ >= 4 and seg.summary()["merged_customers"] == seg.merged_
    assert sum(p.size for p in seg.profiles_) == len(b) == len(seg.labels_)
    assert set(seg.predict(b.drop(columns="customer_id"))) <= set(seg.cluster_keys_)


def test_min_share_must_leave_room_for_the_segments():
    orders, lines, _ = _shop(300)
    b = customer_behaviour(orders, END + pd.Timedelta(days=1), lines=lines).features
    with pytest.raises(InvalidParameterError, match=r"min_share must be .* below 1/4"):
        Segmenter(k_range=(3, 4), min_share=0.3).fit(b)


def _recent_small_and_old_big(n: int = 1500, seed: int = 2) -> pd.DataFrame:
    """Three groups of customers: one recent small order each; a few large orders
    long ago (most of the value); regulars in between."""
    rng = np.random.default_rng(seed)
    group = rng.choice(3, n, p=[0.15, 0.25, 0.6])
    n_orders = np.choose(group, [np.ones(n, int), rng.poisson(3, n) + 2, rng.poisson(8, n) + 2])
    customer = np.repeat(np.arange(n), n_orders)
    g = group[customer]
    days = np.choose(
        g,
        [
            rng.uniform(1, 60, len(g)),
            rng.uniform(300, 900, len(g)),
            rng.uniform(120, 700, len(g)),
        ],
    )
    amount = np.choose(
        g, [rng.gamma(2, 20, len(g)), rng.gamma(2, 800, len(g)), rng.gamma(2, 60, len(g))]
    )
    orders = pd.DataFrame(
        {
            "customer_id": customer,
            "order_id": np.arange(len(g)),
            "ordered_at": END - pd.to_timedelta(days, unit="D"),
            "amount": amount,
        }
    )
    return customer_behaviour(orders, END + pd.Timedelta(days=1)).features


def test_names_hold_what_they_say_big_spenders_bring_a_large_share_of_value():
    b = _recent_small_and_old_big()
    seg = Segmenter(k_range=(3, 3)).fit(b)
    by_name = {p.name_key: p for p in seg.profiles_}
    recent = min(seg.profiles_, key=lambda p: p.medians["recency_days"])
    assert recent.value_share < recent.share  # recent buyers, small value
    assert recent.name == "Recently active"  # not "Big spenders" for 0.2% of the value
    for p in seg.profiles_:
        ratio = p.value_share / p.share
        if p.name_key == "big_spenders":
            assert ratio >= 1.5
        if p.name_key == "champions":
            assert ratio >= 2.0
        if p.name_key == "lapsed":
            assert p.medians["recency_days"] > b["recency_days"].median()
    assert by_name["lapsed"].value_share > 0.5  # the old big buyers, gone quiet


def test_traits_are_medians_moving_the_way_the_segment_does():
    orders, lines, _ = _shop()
    b = customer_behaviour(orders, END + pd.Timedelta(days=1), lines=lines).features
    seg = Segmenter(k_range=(3, 6)).fit(b)
    overall = b.median(numeric_only=True)
    for p in seg.profiles_:
        for t in p.traits:
            assert "median" in t.text
            assert t.segment_median == pytest.approx(p.medians[t.feature], abs=1e-3)
            assert t.overall_median == pytest.approx(overall[t.feature])
            assert np.sign(t.segment_median - t.overall_median) == np.sign(t.z)


def test_the_silhouette_of_the_segments_kept_is_reported_with_a_weak_warning():
    orders, lines, _ = _shop()
    b = customer_behaviour(orders, END + pd.Timedelta(days=1), lines=lines).features
    planted = Segmenter(k_range=(3, 6)).fit(b).summary()
    assert planted["silhouette_final"] == planted["silhouette"][str(planted["k"])]
    assert planted["weak"] is (planted["silhouette_final"] < 0.25)
    rng = np.random.default_rng(0)
    noise = pd.DataFrame({"customer_id": range(1000), **{c: rng.normal(size=1000) for c in "abcd"}})
    blob = Segmenter(k_range=(3, 5)).fit(noise).summary()
    assert blob["weak"] is True and blob["silhouette_final"] < 0.25 == blob["weak_below"]
