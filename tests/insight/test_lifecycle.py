from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kehu.insight.data import InputError
from kehu.insight.lifecycle import LifecycleRules, lifecycle_stage, loyalty_stage


def _customers(rows):
    columns = [
        "p_alive",
        "frequency",
        "first_purchase",
        "last_purchase",
        "days_since_last",
        "last_gap_days",
        "prior_mean_gap_days",
    ]
    return pd.DataFrame(rows, columns=columns)


def test_each_lifecycle_rule_in_order():
    frame = _customers(
        [
            (0.05, 9, "2024-01-01", "2024-06-01", 10, 14, 15.0),  # unlikely alive: lost
            (0.40, 9, "2024-01-01", "2024-06-01", 10, 14, 15.0),  # fading: decline
            (0.90, 4, "2024-01-01", "2024-03-01", 200, 14, 15.0),  # silent 200 d vs 15 d: decline
            (0.90, 4, "2024-01-01", "2024-03-01", 10, 40, 6.7),  # last gap 40 vs 6.7 earlier
            (0.95, 0, "2024-06-01", "2024-06-01", 10, np.nan, np.nan),  # one purchase
            (0.90, 2, "2024-01-01", "2024-03-01", 20, 30, 30.0),  # building up
            (0.90, 6, "2024-01-01", "2024-06-30", 25, 30, 30.0),  # regular buyer
        ]
    )
    assert lifecycle_stage(frame).tolist() == [
        "lost",
        "decline",
        "decline",
        "decline",
        "exploration",
        "formation",
        "stability",
    ]


def test_loyalty_ladder_uses_referrals_and_satisfaction_when_present():
    frame = pd.DataFrame(
        {
            "frequency": [np.nan, 0, 2, 5, 5, 5, 5],
            "p_alive": [np.nan, 0.9, 0.9, 0.9, 0.2, 0.9, 0.9],
            "referrals": [0, 0, 0, 0, 0, 2, 0],
            "satisfaction": [np.nan, 5, 5, np.nan, 5, np.nan, 4.5],
        }
    )
    assert loyalty_stage(frame).tolist() == [
        "prospect",
        "first-time",
        "repeat",
        "loyal",
        "repeat",
        "advocate",
        "advocate",
    ]


def test_thresholds_are_checked():
    with pytest.raises(InputError, match="lost_below ≤ decline_below"):
        LifecycleRules(lost_below=0.6, decline_below=0.5)


def test_missing_columns_are_named():
    with pytest.raises(InputError, match="lifecycle stages need columns"):
        lifecycle_stage(pd.DataFrame({"p_alive": [0.5]}))


def test_a_long_silent_one_time_buyer_is_in_decline_not_exploration():
    # repeat buyers here buy about every 30 days; one purchase 200 days ago is not
    # a relationship being explored
    frame = _customers(
        [
            (0.90, 6, "2024-01-01", "2024-06-29", 10, 30, 30.0),
            (0.90, 4, "2024-01-01", "2024-05-01", 10, 30, 30.0),
            (0.70, 0, "2024-01-01", "2024-01-01", 200, np.nan, np.nan),
            (0.70, 0, "2024-06-20", "2024-06-20", 20, np.nan, np.nan),
        ]
    )
    assert lifecycle_stage(frame).tolist()[2:] == ["decline", "exploration"]


def test_the_stage_agrees_with_a_fading_rfm_segment():
    frame = _customers([(0.9, 6, "2024-01-01", "2024-06-30", 25, 30, 30.0)] * 3)
    frame["rfm_segment"] = ["Champions", "Hibernating", "Lost"]
    assert lifecycle_stage(frame).tolist() == ["stability", "decline", "decline"]


def test_the_stage_agrees_with_a_status_people_gave_the_customer():
    frame = _customers([(0.9, 6, "2024-01-01", "2024-06-30", 25, 30, 30.0)] * 3)
    frame["status"] = ["active", "inactive", "lost"]
    assert lifecycle_stage(frame).tolist() == ["stability", "decline", "decline"]
