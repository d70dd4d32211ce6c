"""Shifted-beta-geometric against Fader & Hardie (2007) and /shared/REFERENCES.md."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import check_grad

from kehu.insight.btyd import InvalidDataError, ShiftedBetaGeometric
from kehu.insight.btyd.sbg import sbg_log_likelihood_and_gradient

REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173]
HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491, 468, 445, 427, 409, 394]
PUBLISHED = {
    # segment: (survivors, alpha, beta, log-likelihood, year-12 projection)
    "regular": (REGULAR, 0.7041, 1.1820, -1680.27, 170.0),
    "high-end": (HIGH_END, 0.6681, 3.8061, -1611.16, 378.0),
}


@pytest.mark.parametrize("segment", PUBLISHED)
def test_fit_on_years_one_to_seven_reproduces_the_paper(segment: str) -> None:
    survivors, alpha, beta, log_likelihood, year_12 = PUBLISHED[segment]
    model = ShiftedBetaGeometric().fit(survivors[:8])
    assert model.converged_
    assert model.alpha_ == pytest.approx(alpha, abs=5e-4)
    assert model.beta_ == pytest.approx(beta, abs=5e-4)
    assert model.log_likelihood_ == pytest.approx(log_likelihood, abs=0.01)
    assert model.predict_survivors(12) == pytest.approx(year_12, abs=0.05)
    assert model.standard_errors_["alpha"] > 0


@pytest.mark.parametrize("segment", PUBLISHED)
def test_curves_at_the_published_parameters_are_consistent(segment: str) -> None:
    _, alpha, beta, _, year_12 = PUBLISHED[segment]
    model = ShiftedBetaGeometric.from_params(alpha=alpha, beta=beta)
    t = np.arange(1, 13)
    survival = model.survival_function(np.arange(13))
    assert survival[0] == 1.0
    assert model.retention_rate(t) == pytest.approx(survival[1:] / survival[:-1], rel=1e-12)
    assert model.churn_probability(t) == pytest.approx(survival[:-1] - survival[1:], rel=1e-10)
    assert model.predict_survivors(12, n_initial=1000) == pytest.approx(year_12, abs=0.05)
    assert np.all(np.diff(model.retention_rate(t)) > 0)  # retention rises as churners leave


def test_analytic_gradient_matches_finite_differences() -> None:
    counts = np.array(REGULAR[:8], dtype=float)

    def value(p: np.ndarray) -> float:
        return sbg_log_likelihood_and_gradient(p, counts)[0] / 1000

    def gradient(p: np.ndarray) -> np.ndarray:
        return sbg_log_likelihood_and_gradient(p, counts)[1] / 1000

    for point in ([0.7041, 1.1820], [2.0, 0.3], [0.1, 8.0]):
        p = np.array(point)
        assert check_grad(value, gradient, p, epsilon=1e-7) < 1e-5 * (
            1 + np.linalg.norm(gradient(p))
        )


def test_parameters_are_recovered_from_a_simulated_cohort() -> None:
    rng = np.random.default_rng(8)
    theta = rng.beta(0.9, 2.5, 50_000)
    lifetime = rng.geometric(theta)  # periods until cancelling, >= 1
    survivors = [(lifetime > t).sum() for t in range(10)]
    model = ShiftedBetaGeometric().fit(survivors)
    assert abs(model.alpha_ - 0.9) < 4 * model.standard_errors_["alpha"]
    assert abs(model.beta_ - 2.5) < 4 * model.standard_errors_["beta"]


@pytest.mark.parametrize(
    ("survivors", "message"),
    [
        ([1000], "at least 2 periods, got 1"),
        ([1000, 1100, 900], r"must not increase, got 1100\.0 at period 1"),
        ([1000, 600.5], "whole numbers"),
        ([0, 0], "start above 0"),
        ([1000, float("nan")], "must be finite"),
    ],
)
def test_bad_survivor_counts_are_refused(survivors: list, message: str) -> None:
    with pytest.raises(InvalidDataError, match=message):
        ShiftedBetaGeometric().fit(survivors)
