"""MBG/NBD against the peer library lifetimes (``ModifiedBetaGeoFitter``) on CDNOW, the
paper's special cases, and parameter recovery on simulated customers."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from tests.conftest import require
from tests.insight.btyd.conftest import (
    HOLDOUT_WEEKS,
    check_analytic_gradient,
    check_cdnow_holdout,
    rfm,
    simulate_mbg_nbd,
)

from kehu.insight.btyd import BgNbd, MbgNbd
from kehu.insight.btyd.mbg_nbd import mbg_nbd_log_likelihood, mbg_nbd_log_likelihood_and_gradient

try:
    import lifetimes
except ImportError:  # pragma: no cover - exercised only where lifetimes is missing
    lifetimes = None

#: MBG/NBD on the CDNOW calibration (39 weeks), as lifetimes 0.11 fits it (tol 1e-10).
CDNOW_PARAMS = {"r": 0.5248, "alpha": 6.1831, "a": 0.8914, "b": 1.6140}
CDNOW_LOG_LIKELIHOOD = -9582.14


@pytest.fixture(scope="module")
def fitted(cdnow: pd.DataFrame) -> MbgNbd:
    return MbgNbd().fit(cdnow)


@pytest.fixture(scope="module")
def peer(cdnow: pd.DataFrame):
    require(lifetimes is not None, "the peer library lifetimes is not installed")
    columns = [cdnow[c].to_numpy() for c in ("frequency", "recency", "T")]
    # on some CPUs its BFGS stops short of a gradient of 1e-10 (or of 1e-9) with
    # "precision loss" and lifetimes raises; the next tolerance stops within 1e-6
    # (relative) of the same point
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for tol in (1e-10, 1e-9):
            try:
                return lifetimes.ModifiedBetaGeoFitter().fit(*columns, tol=tol)
            except lifetimes.utils.ConvergenceError:
                continue
        return lifetimes.ModifiedBetaGeoFitter().fit(*columns, tol=1e-8)


def _columns(data: pd.DataFrame) -> list[np.ndarray]:
    return [data[c].to_numpy() for c in ("frequency", "recency", "T")]


def test_cdnow_fit_matches_lifetimes(fitted: MbgNbd, peer, cdnow: pd.DataFrame) -> None:
    assert fitted.converged_
    for name, value in CDNOW_PARAMS.items():
        assert fitted.params_[name] == pytest.approx(value, abs=5e-4), name
        assert fitted.params_[name] == pytest.approx(float(peer.params_[name]), rel=1e-6), name
    assert fitted.log_likelihood_ == pytest.approx(CDNOW_LOG_LIKELIHOOD, abs=0.01)
    at_peer = MbgNbd.from_params(**{k: float(v) for k, v in peer.params_.items()})
    assert fitted.log_likelihood_ >= at_peer.log_likelihood(cdnow).sum() - 1e-9
    assert all(0 < se < fitted.params_[k] for k, se in fitted.standard_errors_.items())


def test_predictions_equal_lifetimes_at_the_same_parameters(peer, cdnow: pd.DataFrame) -> None:
    ours = MbgNbd.from_params(**{k: float(v) for k, v in peer.params_.items()})
    columns = _columns(cdnow)
    np.testing.assert_allclose(
        ours.conditional_probability_alive(cdnow),
        peer.conditional_probability_alive(*columns),
        rtol=1e-10,
    )
    np.testing.assert_allclose(
        ours.conditional_expected_purchases(HOLDOUT_WEEKS, cdnow),
        peer.conditional_expected_number_of_purchases_up_to_time(HOLDOUT_WEEKS, *columns),
        rtol=1e-9,
    )
    t = np.array([0.1429, 1.0, 3.0, 32.0, 78.0])
    np.testing.assert_allclose(
        ours.expected_purchases(t), peer.expected_number_of_purchases_up_to_time(t), rtol=1e-10
    )
    for n in (0, 1, 5):
        assert ours.probability_of_purchases(n, 39) == pytest.approx(
            peer.probability_of_n_purchases_up_to_time(39, n), rel=1e-10
        )


def test_cdnow_holdout_and_p_alive(fitted: MbgNbd, cdnow: pd.DataFrame) -> None:
    # measured here (REFERENCES.md has BG/NBD's: 1,653.4 predicted, 1,882 actual)
    check_cdnow_holdout(fitted, cdnow, total=1576.7, correlation=0.627, p_alive=0.449)


def test_one_time_buyers_are_not_certainly_alive_and_fade_with_time(fitted: MbgNbd) -> None:
    history = rfm([0, 0, 0], [0, 0, 0], [1.0, 20.0, 39.0])
    p_alive = fitted.conditional_probability_alive(history)
    assert np.all(p_alive < 1) and np.all(np.diff(p_alive) < 0)
    assert BgNbd.from_params(**CDNOW_PARAMS).conditional_probability_alive(history) == (
        pytest.approx([1.0, 1.0, 1.0])
    )


def test_p_alive_and_expectation_follow_the_paper_formulas() -> None:
    r, alpha, a, b = CDNOW_PARAMS.values()
    model = MbgNbd.from_params(**CDNOW_PARAMS)
    x, t_x, T = np.array([0.0, 2, 7]), np.array([0, 30.43, 10]), np.array([38.86] * 3)
    expected = 1 / (1 + a / (b + x) * ((alpha + T) / (alpha + t_x)) ** (r + x))
    assert model.conditional_probability_alive(rfm(x, t_x, T)) == pytest.approx(expected)


def test_probabilities_of_purchases_sum_to_one() -> None:
    model = MbgNbd.from_params(**CDNOW_PARAMS)
    assert model.probability_of_purchases(np.arange(400), 52).sum() == pytest.approx(1.0)


def test_log_likelihood_is_stable_for_two_hundred_purchases() -> None:
    params = np.array([0.25, 4.0, 0.8, 2.5])
    values = mbg_nbd_log_likelihood(params, np.array([200.0]), np.array([38.0]), np.array([40.0]))
    assert np.isfinite(values).all()
    history = rfm([200, 2000], [38, 39.9], [40, 40])
    assert np.isfinite(
        MbgNbd.from_params(**CDNOW_PARAMS).conditional_expected_purchases(10, history)
    ).all()


def test_analytic_gradient_matches_finite_differences(cdnow: pd.DataFrame) -> None:
    points = ([0.5248, 6.1831, 0.8914, 1.614], [1.3, 0.7, 2.1, 0.4], [0.05, 30, 0.3, 9])
    check_analytic_gradient(mbg_nbd_log_likelihood_and_gradient, cdnow, points)


def test_parameters_are_recovered_from_simulated_customers() -> None:
    truth = {"r": 0.5, "alpha": 6.0, "a": 0.9, "b": 3.0}
    data = simulate_mbg_nbd(20_000, **truth, seed=11)
    model = MbgNbd().fit(data)
    assert model.converged_
    for name, value in truth.items():
        assert abs(model.params_[name] - value) < 4 * model.standard_errors_[name], name


def test_a_fit_without_standard_errors_stops_where_the_optimiser_does(
    fitted: MbgNbd, cdnow: pd.DataFrame
) -> None:
    quick = MbgNbd(standard_errors=False).fit(cdnow)
    assert quick.converged_
    for name, value in fitted.params_.items():
        assert quick.params_[name] == pytest.approx(value, rel=1e-4), name
        assert np.isnan(quick.standard_errors_[name])
    assert quick.log_likelihood_ == pytest.approx(fitted.log_likelihood_, rel=1e-9)
