from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kehu.insight.data import InputError
from kehu.insight.value import abc_classes, pareto, pyramid_tiers, value_score


def test_pyramid_defaults_give_1_4_15_80_percent():
    score = pd.Series(np.arange(1000, dtype=float))
    tiers = pyramid_tiers(score).value_counts()
    assert tiers.to_dict() == {"Lead": 800, "Iron": 150, "Gold": 40, "Platinum": 10}
    assert pyramid_tiers(score).iloc[-1] == "Platinum"


def test_customers_who_bring_nothing_are_lead_whatever_their_score():
    score = pd.Series([99.0, 50.0, 1.0])
    realised = pd.Series([-5.0, 10.0, 3.0])
    tiers = pyramid_tiers(score, realised, tiers=[("Top", 0.34), ("Rest", 0.66)])
    assert tiers.tolist() == ["Rest", "Top", "Rest"]


def test_tier_shares_must_sum_to_one():
    with pytest.raises(InputError, match="sum to 1"):
        pyramid_tiers(pd.Series([1.0]), tiers=[("A", 0.5), ("B", 0.4)])


def test_abc_cuts_by_cumulative_share_of_value():
    value = pd.Series([50.0, 30.0, 10.0, 6.0, 4.0, 0.0, -3.0], index=list("abcdefg"))
    classes = abc_classes(value)
    # a starts at 0% and b at 50% of value: A; c starts at 80%: B; d at 90%: B; e at 96%: C
    assert classes.to_dict() == {
        "a": "A",
        "b": "A",
        "c": "B",
        "d": "B",
        "e": "C",
        "f": "C",
        "g": "C",
    }


@given(st.lists(st.floats(0, 1e6), min_size=1, max_size=300))
def test_gini_is_between_0_and_1_and_lorenz_is_monotone(values):
    series = pd.Series(values)
    if series.sum() <= 0:
        with pytest.raises(InputError):
            pareto(series)
        return
    stats = pareto(series)
    assert -1e-9 <= stats.gini <= 1
    assert np.all(np.diff(stats.lorenz_value) >= -1e-12)
    assert stats.lorenz_value[0] == 0 and stats.lorenz_value[-1] == pytest.approx(1)
    assert stats.top20_share >= 0.2 - 1e-9 or len(values) < 5


def test_gini_matches_the_mean_absolute_difference_formula():
    rng = np.random.default_rng(3)
    v = rng.lognormal(3, 1.2, 2000)
    direct = np.abs(v[:, None] - v[None, :]).sum() / (2 * len(v) ** 2 * v.mean())
    assert pareto(pd.Series(v)).gini == pytest.approx(direct, rel=1e-9)


def test_value_score_weights_the_four_dimension_ranks():
    customers = pd.DataFrame(
        {
            "total_spend": [100.0, 10.0, 50.0],
            "p_alive": [0.9, 0.1, 0.5],
            "frequency": [5, 0, 2],
            "T": [10.0, 10.0, 10.0],
            "predicted_clv": [300.0, 5.0, 400.0],
        }
    )
    scores = value_score(customers)
    assert scores["value_score"].idxmax() == 0 and scores["value_score"].idxmin() == 1
    only_potential = value_score(customers, {"potential": 1.0})
    assert only_potential["value_score"].tolist() == [50.0, 0.0, 100.0]


def test_value_score_names_a_missing_column_and_bad_weights():
    with pytest.raises(InputError, match="lifecycle dimension needs column 'p_alive'"):
        value_score(pd.DataFrame({"total_spend": [1.0]}), {"lifecycle": 1})
    with pytest.raises(InputError, match="value weights must be among"):
        value_score(pd.DataFrame({"total_spend": [1.0]}), {"charm": 1})
