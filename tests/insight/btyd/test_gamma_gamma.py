"""Gamma-Gamma against Fader, Hardie & Lee (2005b) and /shared/REFERENCES.md."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import check_grad
from tests.insight.btyd.conftest import simulate_spend

from kehu.insight.btyd import GammaGamma, InvalidDataError
from kehu.insight.btyd.gamma_gamma import gamma_gamma_log_likelihood_and_gradient

PUBLISHED = {"p": 6.2488, "q": 3.7446, "v": 15.4477}


@pytest.fixture(scope="module")
def fitted(cdnow: pd.DataFrame) -> GammaGamma:
    return GammaGamma().fit(cdnow)


def test_expected_spend_of_the_first_ten_cdnow_customers(cdnow: pd.DataFrame) -> None:
    model = GammaGamma.from_params(**PUBLISHED)
    spend = model.conditional_expected_average_spend(cdnow.head(10))
    expected = [24.65, 18.91, 35.17, 35.17, 35.17, 71.46, 18.91, 35.17, 27.28, 35.17]
    assert spend == pytest.approx(expected, abs=0.005)
    assert model.population_mean_spend() == pytest.approx(35.17, abs=0.005)


def test_cdnow_fit_reproduces_published_parameters(fitted: GammaGamma) -> None:
    assert fitted.converged_
    assert fitted.n_customers_ == 946
    assert fitted.log_likelihood_ == pytest.approx(-4055.92, abs=0.01)
    # The likelihood is flat along p, v: the published digits sit within 3e-4 of ours.
    for name, value in PUBLISHED.items():
        assert fitted.params_[name] == pytest.approx(value, rel=5e-4), name


def test_independence_check_reports_the_frequency_spend_correlation(
    fitted: GammaGamma, cdnow: pd.DataFrame
) -> None:
    repeaters = cdnow[cdnow["frequency"] > 0]
    expected = np.corrcoef(repeaters["frequency"], repeaters["monetary_value"])[0, 1]
    assert fitted.frequency_monetary_correlation_ == pytest.approx(expected)
    assert abs(fitted.frequency_monetary_correlation_) < 0.2  # CDNOW: about 0.11


def test_analytic_gradient_matches_finite_differences(cdnow: pd.DataFrame) -> None:
    repeaters = cdnow[cdnow["frequency"] > 0]
    x, m = repeaters["frequency"].to_numpy(), repeaters["monetary_value"].to_numpy()
    w = np.full_like(x, 1 / x.size)

    def value(p: np.ndarray) -> float:
        return gamma_gamma_log_likelihood_and_gradient(p, x, m, w)[0]

    def gradient(p: np.ndarray) -> np.ndarray:
        return gamma_gamma_log_likelihood_and_gradient(p, x, m, w)[1]

    for point in ([6.2488, 3.7446, 15.4477], [1.0, 2.0, 30.0], [20.0, 0.8, 3.0]):
        p = np.array(point)
        assert check_grad(value, gradient, p, epsilon=1e-7) < 1e-5 * (
            1 + np.linalg.norm(gradient(p))
        )


def test_parameters_are_recovered_from_simulated_spend() -> None:
    truth = {"p": 4.0, "q": 3.0, "v": 20.0}
    data = simulate_spend(20_000, **truth, seed=5)
    model = GammaGamma().fit(data)
    for name, value in truth.items():
        assert abs(model.params_[name] - value) < 4 * model.standard_errors_[name], name
    assert abs(model.frequency_monetary_correlation_) < 0.05


def test_customers_without_repeats_are_left_out_of_the_fit_but_predicted(
    fitted: GammaGamma, cdnow: pd.DataFrame
) -> None:
    refit = GammaGamma().fit(cdnow[cdnow["frequency"] > 0])
    assert refit.params_ == pytest.approx(fitted.params_)
    zero = cdnow[cdnow["frequency"] == 0].head(3)
    assert fitted.conditional_expected_average_spend(zero) == pytest.approx(
        [fitted.population_mean_spend()] * 3
    )


def test_repeat_customers_need_a_positive_spend() -> None:
    data = {"frequency": [1, 2, 3], "monetary_value": [10.0, 0.0, 5.0]}
    with pytest.raises(InvalidDataError, match=r"monetary_value must be > 0 .* at row 1"):
        GammaGamma().fit(data)


def test_fit_needs_repeat_customers() -> None:
    with pytest.raises(InvalidDataError, match="at least 2 customers with frequency >= 1"):
        GammaGamma().fit({"frequency": [0, 0, 1], "monetary_value": [0.0, 0.0, 5.0]})
