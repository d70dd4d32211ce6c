"""Customer lifetime value: the discounted sum, its edge cases and lifetimes' version."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from tests.conftest import require

from kehu.insight.btyd import BgNbd, GammaGamma, MbgNbd, ParetoNbd
from kehu.insight.btyd.clv import customer_lifetime_value
from kehu.insight.errors import InsightError

BG_NBD = {"r": 0.2426, "alpha": 4.4136, "a": 0.7929, "b": 2.4259}
MBG_NBD = {"r": 0.5248, "alpha": 6.1831, "a": 0.8914, "b": 1.6140}
PARETO_NBD = {"r": 0.5533, "alpha": 10.5776, "s": 0.6062, "beta": 11.6679}
GAMMA_GAMMA = {"p": 6.2488, "q": 3.7446, "v": 15.4477}


@pytest.fixture(scope="module")
def spend(cdnow: pd.DataFrame) -> np.ndarray:
    return GammaGamma.from_params(**GAMMA_GAMMA).conditional_expected_average_spend(cdnow)


@pytest.mark.parametrize(
    "model",
    [
        BgNbd.from_params(**BG_NBD),
        MbgNbd.from_params(**MBG_NBD),
        ParetoNbd.from_params(**PARETO_NBD),
    ],
    ids=["bg", "mbg", "pareto"],
)
def test_clv_is_the_discounted_sum_of_period_increments(model, cdnow, spend) -> None:
    value = customer_lifetime_value(
        model, cdnow, spend, horizon=6, discount_rate=0.02, margin=0.3, period_length=4.345
    )
    cumulative = [model.conditional_expected_purchases(4.345 * k, cdnow) for k in range(7)]
    by_hand = sum((cumulative[k] - cumulative[k - 1]) / 1.02**k for k in range(1, 7)) * spend * 0.3
    assert value == pytest.approx(by_hand, rel=1e-12)
    assert value.shape == (len(cdnow),)


def test_without_discounting_clv_is_spend_times_expected_purchases(cdnow, spend) -> None:
    model = BgNbd.from_params(**BG_NBD)
    value = customer_lifetime_value(model, cdnow, spend, horizon=39, discount_rate=0.0)
    expected = spend * model.conditional_expected_purchases(39, cdnow)
    assert value == pytest.approx(expected, rel=1e-10)


def test_clv_matches_lifetimes(cdnow: pd.DataFrame, spend: np.ndarray) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from lifetimes import BetaGeoFitter
            from lifetimes.utils import _customer_lifetime_value
    except ImportError:
        BetaGeoFitter = None  # noqa: N806
    require(BetaGeoFitter is not None, "lifetimes (test-only package) is not importable")
    peer = BetaGeoFitter()
    peer.params_ = pd.Series(BG_NBD)
    peer.predict = peer.conditional_expected_number_of_purchases_up_to_time  # set by fit()
    theirs = _customer_lifetime_value(
        peer, cdnow["frequency"], cdnow["recency"], cdnow["T"], pd.Series(spend, cdnow.index),
        time=12, discount_rate=0.01, freq="W",
    )  # fmt: skip
    ours = customer_lifetime_value(
        BgNbd.from_params(**BG_NBD),
        cdnow,
        spend,
        horizon=12,
        discount_rate=0.01,
        period_length=4.345,
    )
    assert ours == pytest.approx(theirs.to_numpy(), rel=1e-8)


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ({"horizon": 0}, "horizon must be a whole number >= 1, got 0"),
        ({"discount_rate": -1.5}, "discount_rate must be > -1, got -1.5"),
        ({"period_length": 0.0}, "period_length must be > 0, got 0.0"),
    ],
)
def test_bad_settings_are_refused(setting: dict, message: str) -> None:
    settings = {"horizon": 12, "discount_rate": 0.01} | setting
    history = {"frequency": [1.0], "recency": [2.0], "T": [5.0]}
    with pytest.raises(InsightError, match=message):
        customer_lifetime_value(BgNbd.from_params(**BG_NBD), history, 10.0, **settings)
