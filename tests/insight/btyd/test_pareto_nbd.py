"""Pareto/NBD against Schmittlein, Morrison & Colombo (1987), Fader & Hardie's note
and /shared/REFERENCES.md."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.integrate import quad
from scipy.optimize import approx_fprime
from scipy.special import gammaln
from tests.insight.btyd.conftest import (
    HOLDOUT_WEEKS,
    check_cdnow_holdout,
    rfm,
    simulate_pareto_nbd,
)

from kehu.insight.btyd import ParetoNbd
from kehu.insight.btyd._inputs import compress_rows
from kehu.insight.btyd.pareto_nbd import _PairedObjective, pareto_nbd_log_likelihood

PUBLISHED = {"r": 0.5533, "alpha": 10.5776, "s": 0.6062, "beta": 11.6679}


@pytest.fixture(scope="module")
def published() -> ParetoNbd:
    return ParetoNbd.from_params(**PUBLISHED)


@pytest.fixture(scope="module")
def fitted(cdnow: pd.DataFrame) -> ParetoNbd:
    return ParetoNbd().fit(cdnow)


def _likelihood_by_quadrature(params, x: float, t_x: float, T: float) -> float:
    """Independent check: alive at T, plus dying at some tau in (t_x, T) integrated
    numerically (Fader & Hardie 2005, equations 13-18)."""
    r, alpha, s, beta = params
    log_nb = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)

    def dying_at(tau: float) -> float:
        return s * np.exp(log_nb - (r + x) * np.log(alpha + tau) - (s + 1) * np.log(beta + tau))

    alive = np.exp(log_nb - (r + x) * np.log(alpha + T) - s * np.log(beta + T))
    return alive + quad(dying_at, t_x, T, epsabs=0, epsrel=1e-12)[0]


@pytest.mark.parametrize(
    "params",
    [(0.5533, 10.5776, 0.6062, 11.6679), (0.8, 15.0, 1.3, 4.0), (2.0, 5.0, 0.5, 5.0 + 1e-9)],
    ids=["alpha<beta", "alpha>beta", "alpha~beta"],
)
def test_log_likelihood_matches_numerical_integration_in_both_branches(params) -> None:
    x, t_x, T = np.array([0.0, 1, 4, 26, 60]), np.array([0, 5, 20, 30.86, 10]), np.full(5, 38.0)
    ours = pareto_nbd_log_likelihood(np.array(params), x, t_x, T)
    reference = [
        np.log(_likelihood_by_quadrature(params, *row)) for row in zip(x, t_x, T, strict=True)
    ]
    assert ours == pytest.approx(reference, rel=1e-9, abs=1e-9)


def test_expected_purchases_of_a_new_customer(published: ParetoNbd) -> None:
    assert published.expected_purchases(0.0) == 0.0
    # Closed form against E[lambda] E[(1 - exp(-mu t)) / mu] integrated numerically.
    r, alpha, s, beta = PUBLISHED.values()
    density = lambda mu: np.exp(s * np.log(beta) + (s - 1) * np.log(mu) - beta * mu - gammaln(s))  # noqa: E731
    for horizon in (1.0, 9.0, 78.0):
        integral = quad(lambda mu, h=horizon: -np.expm1(-mu * h) / mu * density(mu), 0, np.inf)[0]
        assert published.expected_purchases(horizon) == pytest.approx(
            r / alpha * integral, rel=1e-8
        )


def test_expected_purchases_against_the_eight_digit_reference_values(published: ParetoNbd) -> None:
    # REFERENCES.md lists 0.05077821 ... 0.38909211; those sit 0.45-0.6 % below the
    # closed form at the published (and at our fitted, and at lifetimes' fitted)
    # parameters, so they were computed at other parameters: checked to 0.7 %.
    reference = [0, 0.05077821, 0.09916088, 0.14542507, 0.18979930, 0.23247466,
                 0.27361274, 0.31335159, 0.35181024, 0.38909211]  # fmt: skip
    assert published.expected_purchases(np.arange(10)) == pytest.approx(reference, rel=7e-3)


def test_conditional_expectation_of_the_published_example(published: ParetoNbd) -> None:
    value = published.conditional_expected_purchases(52, rfm([26], [30.86], [31]))
    assert value[0] == pytest.approx(25.46, abs=5e-3)


def test_long_histories_do_not_overflow(published: ParetoNbd) -> None:
    values = published.conditional_expected_purchases(10, rfm([132, 133], [200, 200], [200, 200]))
    assert np.all(np.isfinite(values))
    assert abs(values[1] - values[0]) < 0.05
    heavy = published.log_likelihood(rfm([500, 2000], [150, 199], [200, 200]))
    assert np.all(np.isfinite(heavy))


def test_cdnow_fit_reproduces_published_parameters(fitted: ParetoNbd) -> None:
    assert fitted.converged_
    assert fitted.log_likelihood_ == pytest.approx(-9594.97, abs=0.01)
    for name, value in PUBLISHED.items():
        assert fitted.params_[name] == pytest.approx(value, abs=5e-4, rel=5e-4), name
    assert all(se > 0 for se in fitted.standard_errors_.values())


def test_cdnow_holdout_prediction_and_p_alive(fitted: ParetoNbd, cdnow: pd.DataFrame) -> None:
    check_cdnow_holdout(
        fitted, cdnow, total=1665.5, zero_mean=0.138, correlation=0.630, p_alive=0.446
    )


def test_cumulative_repeat_transactions_at_week_78(fitted: ParetoNbd, cdnow: pd.DataFrame) -> None:
    ages = cdnow["T"].to_numpy() + HOLDOUT_WEEKS
    assert fitted.expected_purchases(ages).sum() == pytest.approx(4270, abs=0.5)


def test_paired_objective_agrees_with_each_customers_likelihood(cdnow: pd.DataFrame) -> None:
    """The total computed once per (x, t_x) and (x, T) pair is the sum over customers, and its
    chain-rule gradient agrees with scipy's differences of that sum."""
    x, t_x, T = (cdnow[c].to_numpy() for c in ("frequency", "recency", "T"))
    w = np.full_like(x, 1 / x.size)
    objective = _PairedObjective(compress_rows(x, t_x, T, weights=w))

    def direct(q: np.ndarray) -> float:
        return float(w @ pareto_nbd_log_likelihood(q, x, t_x, T))

    for point in ([0.5533, 10.5776, 0.6062, 11.6679], [1.2, 4.0, 0.3, 30.0], [0.8, 9.0, 2.0, 3.0]):
        p = np.array(point)
        total, gradient = objective(p)
        assert total == pytest.approx(direct(p), rel=1e-12)
        assert gradient == pytest.approx(approx_fprime(p, direct, 1e-7), abs=1e-5)


def test_parameters_are_recovered_from_simulated_customers() -> None:
    truth = {"r": 0.6, "alpha": 8.0, "s": 0.8, "beta": 12.0}
    data = simulate_pareto_nbd(6_000, *truth.values(), seed=3)
    model = ParetoNbd().fit(data)
    for name, value in truth.items():
        assert abs(model.params_[name] - value) < 4 * model.standard_errors_[name], name
