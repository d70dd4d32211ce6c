"""CDNOW fixtures for the BTYD tests.

The 2,357-customer CDNOW sample ships inside the ``lifetimes`` wheel (a test-only
dependency). It is read from the installed distribution's files, without importing
``lifetimes``, and never committed here. The calibration summary follows
/shared/REFERENCES.md: same-day purchases are one transaction (amounts summed),
calibration ends 1997-09-30 inclusive, time in weeks = days / 7, holdout to 1998-06-30.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import check_grad
from tests.conftest import require

from kehu.insight.btyd import BgNbd, MbgNbd, ParetoNbd

CALIBRATION_END = pd.Timestamp("1997-09-30")
HOLDOUT_END = pd.Timestamp("1998-06-30")
HOLDOUT_WEEKS = (HOLDOUT_END - CALIBRATION_END).days / 7


def _cdnow_sample_path() -> Path | None:
    try:
        files = importlib.metadata.files("lifetimes") or []
    except importlib.metadata.PackageNotFoundError:
        return None
    for file in files:
        if file.name == "CDNOW_sample.txt":
            return Path(str(file.locate()))
    return None


@pytest.fixture(scope="session")
def cdnow_transactions() -> pd.DataFrame:
    """One row per customer and purchase day: ``customer``, ``date``, ``amount``."""
    path = _cdnow_sample_path()
    require(
        path is not None and path.is_file(),
        "the CDNOW sample needs the test-only package lifetimes (pip install lifetimes)",
    )
    raw = pd.read_csv(
        path,
        sep=r"\s+",
        header=None,
        names=["master_id", "customer", "date", "n_cds", "amount"],
        dtype={"date": str},
    )
    raw["date"] = pd.to_datetime(raw["date"], format="%Y%m%d")
    return raw.groupby(["customer", "date"], as_index=False)["amount"].sum()


def calibration_summary(
    transactions: pd.DataFrame, calibration_end: pd.Timestamp, holdout_end: pd.Timestamp
) -> pd.DataFrame:
    """Per customer: ``frequency``, ``recency``, ``T`` (weeks), ``monetary_value`` (mean
    of the repeat transactions in calibration, 0 without repeats), ``holdout_frequency``."""
    calibration = transactions[transactions["date"] <= calibration_end]
    by_customer = calibration.groupby("customer")
    first = by_customer["date"].min()
    last = by_customer["date"].max()
    n_days = by_customer["date"].count()
    first_amount = calibration.sort_values("date").groupby("customer")["amount"].first()
    repeat_spend = by_customer["amount"].sum() - first_amount
    frequency = n_days - 1
    holdout = transactions[
        (transactions["date"] > calibration_end) & (transactions["date"] <= holdout_end)
    ]
    return pd.DataFrame(
        {
            "frequency": frequency.astype(float),
            "recency": (last - first).dt.days / 7,
            "T": (calibration_end - first).dt.days / 7,
            "monetary_value": np.where(frequency > 0, repeat_spend / frequency.clip(lower=1), 0.0),
            "holdout_frequency": holdout.groupby("customer")
            .size()
            .reindex(first.index, fill_value=0),
        }
    )


@pytest.fixture(scope="session")
def cdnow(cdnow_transactions: pd.DataFrame) -> pd.DataFrame:
    """The CDNOW calibration summary (2,357 customers), indexed by sample id."""
    return calibration_summary(cdnow_transactions, CALIBRATION_END, HOLDOUT_END)


def check_cdnow_holdout(
    fitted: BgNbd | MbgNbd | ParetoNbd,
    cdnow: pd.DataFrame,
    *,
    total: float,
    correlation: float,
    p_alive: float,
    zero_mean: float | None = None,
) -> None:
    """A model fitted on the CDNOW calibration predicts the holdout as its reference says:
    expected purchases in all (and per customer without repeat purchases), their
    correlation with the actual ones, and the mean P(alive)."""
    predicted = fitted.conditional_expected_purchases(HOLDOUT_WEEKS, cdnow)
    assert predicted.sum() == pytest.approx(total, abs=0.5)
    if zero_mean is not None:
        zero = (cdnow["frequency"] == 0).to_numpy()
        assert predicted[zero].mean() == pytest.approx(zero_mean, abs=5e-4)
    actual = cdnow["holdout_frequency"]
    assert np.corrcoef(predicted, actual)[0, 1] == pytest.approx(correlation, abs=5e-4)
    assert fitted.conditional_probability_alive(cdnow).mean() == pytest.approx(p_alive, abs=5e-4)


def check_analytic_gradient(
    log_likelihood_and_gradient: Callable[..., tuple[float, np.ndarray]],
    cdnow: pd.DataFrame,
    points: Sequence[Sequence[float]],
) -> None:
    """An analytic gradient agrees with finite differences of the CDNOW mean
    log-likelihood (errors on the scale of 1) at each of ``points``."""
    x, t_x, T = (cdnow[c].to_numpy() for c in ("frequency", "recency", "T"))
    w = np.full_like(x, 1 / x.size)

    def value(p: np.ndarray) -> float:
        return log_likelihood_and_gradient(p, x, t_x, T, w)[0]

    def gradient(p: np.ndarray) -> np.ndarray:
        return log_likelihood_and_gradient(p, x, t_x, T, w)[1]

    for point in points:
        p = np.array(point, dtype=float)
        error = check_grad(value, gradient, p, epsilon=1e-7)
        assert error < 1e-5 * (1 + np.linalg.norm(gradient(p))), point


def rfm(frequency: object, recency: object, T: object) -> dict[str, np.ndarray]:
    """A small ``frequency``/``recency``/``T`` table as a mapping of float arrays."""
    return {
        "frequency": np.asarray(frequency, dtype=float),
        "recency": np.asarray(recency, dtype=float),
        "T": np.asarray(T, dtype=float),
    }


def simulate_bg_nbd(
    n: int,
    r: float,
    alpha: float,
    a: float,
    b: float,
    *,
    seed: int,
    max_T: float = 52.0,
    dropout_at_start: bool = False,
) -> pd.DataFrame:
    """Customers drawn from the BG/NBD process (Fader, Hardie & Lee 2005, section 2),
    first purchase uniformly in the ``max_T`` time units before the end; with
    ``dropout_at_start``, the MBG/NBD process (:func:`simulate_mbg_nbd`)."""
    rng = np.random.default_rng(seed)
    T = max_T * rng.random(n)
    lam = rng.gamma(r, 1 / alpha, n)
    p = rng.beta(a, b, n)
    x, t_x = np.zeros(n), np.zeros(n)
    clock = np.zeros(n)
    active = np.flatnonzero(rng.random(n) >= p) if dropout_at_start else np.arange(n)
    while active.size:
        clock[active] += rng.standard_exponential(active.size) / np.maximum(lam[active], 1e-300)
        active = active[clock[active] <= T[active]]
        x[active] += 1
        t_x[active] = clock[active]
        active = active[rng.random(active.size) >= p[active]]
    return pd.DataFrame({"frequency": x, "recency": t_x, "T": T})


def simulate_pareto_nbd(
    n: int, r: float, alpha: float, s: float, beta: float, *, seed: int, max_T: float = 52.0
) -> pd.DataFrame:
    """Customers drawn from the Pareto/NBD process (Schmittlein, Morrison & Colombo
    1987): Poisson purchases at rate ``lambda ~ Gamma(r, alpha)`` until an exponential
    lifetime with rate ``mu ~ Gamma(s, beta)``."""
    rng = np.random.default_rng(seed)
    T = max_T * rng.random(n)
    lam = rng.gamma(r, 1 / alpha, n)
    mu = rng.gamma(s, 1 / beta, n)
    active_for = np.minimum(rng.standard_exponential(n) / mu, T)
    x = rng.poisson(lam * active_for).astype(float)
    # the last of x uniform times on (0, active_for) is active_for * U**(1/x)
    last = active_for * rng.random(n) ** (1 / np.maximum(x, 1))
    return pd.DataFrame({"frequency": x, "recency": np.where(x > 0, last, 0.0), "T": T})


def simulate_spend(n: int, p: float, q: float, v: float, *, seed: int) -> pd.DataFrame:
    """Repeat customers' ``frequency`` and mean spend from the Gamma-Gamma process:
    ``nu ~ Gamma(q, v)``; the mean of ``x`` values ``Gamma(p, nu)`` is ``Gamma(p x, x nu)``."""
    rng = np.random.default_rng(seed)
    x = 1 + rng.poisson(2.0, n)
    nu = rng.gamma(q, 1 / v, n)
    return pd.DataFrame(
        {"frequency": x.astype(float), "monetary_value": rng.gamma(p * x, 1 / (x * nu))}
    )


def simulate_mbg_nbd(
    n: int, r: float, alpha: float, a: float, b: float, *, seed: int, max_T: float = 52.0
) -> pd.DataFrame:
    """Customers drawn from the MBG/NBD process (Batislam, Denizel & Filiztekin 2007):
    as BG/NBD, but a customer may also drop out right after the first purchase."""
    return simulate_bg_nbd(n, r, alpha, a, b, seed=seed, max_T=max_T, dropout_at_start=True)
