"""BG/NBD against Fader, Hardie & Lee (2005) and the numbers in /shared/REFERENCES.md."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import hyp2f1
from tests.insight.btyd.conftest import (
    HOLDOUT_WEEKS,
    check_analytic_gradient,
    check_cdnow_holdout,
    rfm,
    simulate_bg_nbd,
)

from kehu.insight.btyd import BgNbd
from kehu.insight.btyd.bg_nbd import (
    bg_nbd_log_likelihood,
    bg_nbd_log_likelihood_and_gradient,
)

PUBLISHED = {"r": 0.2426, "alpha": 4.4136, "a": 0.7929, "b": 2.4259}


@pytest.fixture(scope="module")
def published() -> BgNbd:
    return BgNbd.from_params(**PUBLISHED)


@pytest.fixture(scope="module")
def fitted(cdnow: pd.DataFrame) -> BgNbd:
    return BgNbd().fit(cdnow)


def test_conditional_expectation_matches_the_paper_example(published: BgNbd) -> None:
    history = rfm([2], [30.43], [38.86])
    assert published.conditional_expected_purchases(39, history)[0] == pytest.approx(
        1.226, abs=5e-4
    )


def test_expected_purchases_of_a_new_customer_match_published_values(published: BgNbd) -> None:
    # The reference values were computed at a fit carried to more digits than the
    # published four; at the rounded parameters they agree to ~4e-4 at t = 78.
    t = [0.1429, 1, 3, 31.8571, 32, 78]
    expected = [0.0078, 0.0532, 0.1506, 1.0405, 1.0437, 1.8576]
    assert published.expected_purchases(t) == pytest.approx(expected, rel=3e-4, abs=5e-5)


def test_probability_of_n_purchases_matches_r_btyd() -> None:
    # R BTYD's documentation example uses the parameters rounded to three digits.
    model = BgNbd.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    assert model.probability_of_purchases(0, 39) == pytest.approx(0.5737864, rel=1e-6)
    assert model.probability_of_purchases(10, 2) == pytest.approx(1.07869e-07, rel=1e-5)


def test_probabilities_of_purchases_sum_to_one(published: BgNbd) -> None:
    assert published.probability_of_purchases(np.arange(400), 52).sum() == pytest.approx(1.0)


def test_log_likelihood_is_stable_for_two_hundred_purchases() -> None:
    params = np.array([0.25, 4.0, 0.8, 2.5])
    values = bg_nbd_log_likelihood(
        params, np.array([0.0, 200]), np.array([0.0, 38]), np.array([40.0, 40])
    )
    assert values == pytest.approx([-0.59947382, 100.7957], rel=1e-7, abs=1e-4)


def test_cdnow_fit_reproduces_published_parameters(fitted: BgNbd) -> None:
    assert fitted.converged_
    assert fitted.log_likelihood_ == pytest.approx(-9582.43, abs=0.01)
    for name, value in PUBLISHED.items():
        assert fitted.params_[name] == pytest.approx(value, abs=5e-4, rel=5e-4), name
    assert fitted.n_customers_ == 2357
    assert fitted.n_distinct_ < 2357


def test_cdnow_fit_reports_standard_errors_and_information_criteria(fitted: BgNbd) -> None:
    assert all(0 < se < fitted.params_[k] for k, se in fitted.standard_errors_.items())
    assert fitted.aic_ == pytest.approx(8 - 2 * fitted.log_likelihood_)
    assert fitted.bic_ == pytest.approx(4 * np.log(2357) - 2 * fitted.log_likelihood_)


def test_cdnow_calibration_counts(cdnow: pd.DataFrame) -> None:
    assert len(cdnow) == 2357
    assert cdnow["frequency"].sum() == 2457
    assert (cdnow["frequency"] == 0).sum() == 1411
    assert cdnow["holdout_frequency"].sum() == 1882


def test_cdnow_holdout_prediction_and_p_alive(fitted: BgNbd, cdnow: pd.DataFrame) -> None:
    check_cdnow_holdout(
        fitted, cdnow, total=1653.4, zero_mean=0.225, correlation=0.626, p_alive=0.813
    )


def test_cumulative_repeat_transactions_at_week_78(fitted: BgNbd, cdnow: pd.DataFrame) -> None:
    # Each customer's age at the end of week 78 is T + the 39 holdout weeks.
    ages = cdnow["T"].to_numpy() + HOLDOUT_WEEKS
    assert fitted.expected_purchases(ages).sum() == pytest.approx(4161, abs=0.5)


def test_analytic_gradient_matches_finite_differences(cdnow: pd.DataFrame) -> None:
    points = ([0.2426, 4.4136, 0.7929, 2.4259], [1.3, 0.7, 2.1, 0.4], [0.05, 30, 0.3, 9])
    check_analytic_gradient(bg_nbd_log_likelihood_and_gradient, cdnow, points)


def test_weighted_fit_on_distinct_rows_equals_fit_on_duplicated_rows() -> None:
    rng = np.random.default_rng(3)
    distinct = simulate_bg_nbd(300, 0.5, 5.0, 0.8, 2.5, seed=4)
    counts = rng.integers(1, 20, size=len(distinct))
    duplicated = {k: np.repeat(v.to_numpy(), counts) for k, v in distinct.items()}
    weighted = BgNbd().fit(distinct, weights=counts)
    plain = BgNbd().fit(duplicated)
    for name in PUBLISHED:
        assert weighted.params_[name] == pytest.approx(plain.params_[name], rel=1e-6)
    assert weighted.log_likelihood_ == pytest.approx(plain.log_likelihood_, rel=1e-9)
    per_row = bg_nbd_log_likelihood(
        np.array(list(plain.params_.values())),
        *(duplicated[c] for c in ("frequency", "recency", "T")),
    )
    assert per_row.sum() == pytest.approx(plain.log_likelihood_, rel=1e-9)


def test_parameters_are_recovered_from_simulated_customers() -> None:
    from kehu.insight import generate

    truth = generate.BgNbdParams(r=0.5, alpha=6.0, a=0.9, b=3.0)
    sim = generate.simulate_purchases(20_000, seed=11, bg_nbd=truth)
    repeats = sim.transactions[sim.transactions["t"] > 0].groupby("customer")["t"]
    customers = sim.customers.set_index("customer")
    data = rfm(
        repeats.count().reindex(customers.index, fill_value=0).to_numpy(),
        repeats.max().reindex(customers.index, fill_value=0.0).to_numpy(),
        customers["T"].to_numpy(),
    )
    model = BgNbd().fit(data)
    for name, value in vars(truth).items():
        assert abs(model.params_[name] - value) < 4 * model.standard_errors_[name], name


def test_conditional_expectation_is_finite_for_heavy_buyers(published: BgNbd) -> None:
    history = rfm([200, 500, 2000], [38, 39, 39.9], [40, 40, 40])
    values = published.conditional_expected_purchases(10, history)
    assert np.all(np.isfinite(values)) and np.all(values > 0)
    # Never more than the posterior mean rate (r + x) / (alpha + T) times t (dropout
    # only lowers it), and close to it for someone who bought moments ago; a buyer of
    # 200 silent for the last 2 weeks has most likely dropped out.
    ceiling = 10 * (0.2426 + np.array([200, 500, 2000])) / (4.4136 + 40)
    assert np.all(values < ceiling)
    assert values[2] > 0.75 * ceiling[2]
    assert values[0] < 0.05 * ceiling[0]


def test_transformed_conditional_expectation_equals_the_paper_formula(published: BgNbd) -> None:
    r, alpha, a, b = PUBLISHED.values()
    x, t_x, T, t = np.array([0.0, 1, 4, 12, 30]), np.array([0, 5, 20, 30, 37]), 38.0, 20.0
    z = t / (alpha + T + t)
    paper = (
        (a + b + x - 1)
        / (a - 1)
        * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z))
    )
    paper /= 1 + (x > 0) * a / (b + np.maximum(x, 1) - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x)
    ours = published.conditional_expected_purchases(t, rfm(x, t_x, np.full(5, T)))
    assert ours == pytest.approx(paper, rel=1e-10)
