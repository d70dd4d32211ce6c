"""The churn window follows how often customers order, and a history without both
outcomes is refused with a code the CRM phrases (not a cross-validation message)."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from kehu.insight.churn.history import churn_from_history, churn_window_days
from kehu.insight.data import InputError

AS_OF = datetime(2026, 6, 30)


def _orders(every_days: float, n_customers: int = 200, years: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    rows = []
    for customer in range(n_customers):
        day = rng.uniform(0, every_days)
        while day < 365 * years:
            rows.append((customer, AS_OF - pd.Timedelta(days=365 * years - day)))
            day += rng.exponential(every_days)
    frame = pd.DataFrame(rows, columns=["customer_id", "ordered_at"])
    return frame.assign(order_id=np.arange(len(frame)), amount=50.0, channel="web")


def test_the_window_is_three_typical_gaps_in_whole_months() -> None:
    weekly = churn_window_days(_orders(7), AS_OF)
    monthly = churn_window_days(_orders(30), AS_OF)
    yearly = churn_window_days(_orders(200), AS_OF)
    assert weekly["days"] == 30
    assert monthly["days"] == 30 * np.ceil(3 * monthly["median_gap_days"] / 30)
    assert yearly["days"] == 180  # the upper bound
    assert weekly["days"] < monthly["days"] < yearly["days"]


def test_a_short_history_keeps_half_of_it_before_the_cut_off() -> None:
    short = _orders(30, years=1)
    short = short[short["ordered_at"] > AS_OF - pd.Timedelta(days=100)]
    assert churn_window_days(short, AS_OF)["days"] <= 50


def test_a_history_where_nobody_came_back_is_refused_with_a_code() -> None:
    orders = _orders(30)
    orders = orders[orders["ordered_at"] < AS_OF - pd.Timedelta(days=120)]  # all silent
    with pytest.raises(InputError) as caught:
        churn_from_history(orders, AS_OF, horizon_days=90)
    assert caught.value.code == "churn_one_outcome"
    assert caught.value.params["came_back"] == 0 and caught.value.params["days"] == 90
    assert "cross-validation" not in str(caught.value)
