"""A campaign's average effect over its control group, with its interval: by hand and
against statsmodels (difference of proportions) and scipy (Welch)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep

from kehu.insight.errors import InputError
from kehu.insight.uplift import response_effect, revenue_effect


def test_response_effect_by_hand():
    # 30 of 100 treated and 20 of 100 control responded: se = sqrt(.3*.7/100 + .2*.8/100)
    outcome = [1] * 30 + [0] * 70 + [1] * 20 + [0] * 80
    effect = response_effect(outcome, [1] * 100 + [0] * 100)
    se = np.sqrt(0.3 * 0.7 / 100 + 0.2 * 0.8 / 100)
    assert effect.estimate == pytest.approx(0.1)
    assert effect.standard_error == pytest.approx(se)
    assert (effect.low, effect.high) == pytest.approx((0.1 - 1.959964 * se, 0.1 + 1.959964 * se))
    assert (effect.treated_mean, effect.control_mean) == (0.3, 0.2)
    assert (effect.n_treated, effect.n_control) == (100, 100)


@pytest.mark.parametrize(("confidence", "seed"), [(0.95, 1), (0.9, 2), (0.99, 3)])
def test_response_effect_equals_statsmodels_wald_interval(confidence, seed):
    rng = np.random.default_rng(seed)
    t = (rng.random(3000) < 0.9).astype(int)
    y = (rng.random(3000) < 0.08 + 0.03 * t).astype(int)
    effect = response_effect(y, t, confidence=confidence)
    low, high = confint_proportions_2indep(
        y[t == 1].sum(),
        (t == 1).sum(),
        y[t == 0].sum(),
        (t == 0).sum(),
        method="wald",
        compare="diff",
        alpha=1 - confidence,
    )
    assert (effect.low, effect.high) == pytest.approx((low, high), rel=1e-9)


@pytest.mark.parametrize("seed", [1, 2])
def test_revenue_effect_equals_scipy_welch(seed):
    rng = np.random.default_rng(seed)
    t = (rng.random(800) < 0.5).astype(int)
    revenue = (rng.random(800) < 0.1 + 0.05 * t) * rng.lognormal(4, 1, 800)
    effect = revenue_effect(revenue, t)
    test = stats.ttest_ind(revenue[t == 1], revenue[t == 0], equal_var=False)
    interval = test.confidence_interval(0.95)
    assert effect.estimate == pytest.approx(revenue[t == 1].mean() - revenue[t == 0].mean())
    assert (effect.low, effect.high) == pytest.approx((interval.low, interval.high), rel=1e-9)
    assert effect.degrees_of_freedom == pytest.approx(test.df, rel=1e-9)
    assert effect.method == "Welch"


def test_an_effect_is_ready_for_json():
    effect = revenue_effect([10.0, 0.0, 30.0, 0.0, 0.0, 10.0, 0.0, 0.0], [1, 1, 1, 1, 0, 0, 0, 0])
    row = json.loads(json.dumps(effect.as_dict()))
    assert row["estimate"] == 7.5 and row["n_treated"] == 4 and row["confidence"] == 0.95


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: response_effect([1, 0, 1], [1, 1, 1]),
            "the effect needs at least 1 control row(s), got 0; a campaign without a "
            "control group has no measured effect",
        ),
        (
            lambda: response_effect([1, 0], [1, 0, 1]),
            "outcome and treatment must have one row per customer each, got 2 rows of "
            "outcome and 3 of treatment",
        ),
        (
            lambda: response_effect([1, 0.5], [1, 0]),
            "outcome must be 0 or 1 in every row, got 0.5 in row 1",
        ),
        (
            lambda: revenue_effect([1.0, 2.0, 3.0], [1, 1, 0]),
            "the effect needs at least 2 control row(s), got 1",
        ),
        (
            lambda: revenue_effect([1.0, None, 3.0, 4.0], [1, 1, 0, 0]),
            "revenue must be a finite number in every row, got None in row 1",
        ),
        (
            lambda: response_effect([1, 0], [1, 0], confidence=95),
            "confidence must be in (0, 1), got 95",
        ),
    ],
)
def test_bad_input_gets_a_message(call, message):
    with pytest.raises(InputError) as caught:
        call()
    assert message in str(caught.value)
