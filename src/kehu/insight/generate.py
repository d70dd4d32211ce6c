"""Simulated purchase histories drawn from the BTYD generative processes.

Each customer is acquired (makes a first purchase) at a uniformly random time in an
observation window that ends at a fixed reference date, so the output depends only on
the seed. Afterwards:

- BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way", section 2):
  while active, a customer buys following a Poisson process with rate ``lambda`` per
  week, ``lambda ~ Gamma(shape=r, rate=alpha)``; after each repeat purchase the customer
  becomes inactive for good with probability ``p``, ``p ~ Beta(a, b)``.
- Gamma-Gamma (Fader, Hardie & Lee 2005, "RFM and CLV: using iso-value curves",
  appendix): each transaction's value is ``z ~ Gamma(shape=p, rate=nu)`` with
  ``nu ~ Gamma(shape=q, rate=v)`` per customer, so a customer's mean spend is ``p / nu``.

The defaults are the published CDNOW parameters (``/shared/REFERENCES.md``), time in
weeks. Identity-like fields (names, emails, addresses) come from
:mod:`kehu.insight.profiles` and are re-exported here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import datetime

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.special import hyp2f1

from kehu.insight.errors import InputError
from kehu.insight.profiles import ProfilePools, build_pools, fake_customers, fake_people

__all__ = [
    "CDNOW_BG_NBD",
    "CDNOW_GAMMA_GAMMA",
    "DEFAULT_WINDOW_WEEKS",
    "REFERENCE_END",
    "BgNbdParams",
    "GammaGammaParams",
    "ProfilePools",
    "SimulatedPurchases",
    "bg_nbd_for_mean_transactions",
    "build_pools",
    "expected_repeat_transactions",
    "expected_transaction_value",
    "fake_customers",
    "fake_people",
    "mean_transactions_per_customer",
    "simulate_purchases",
]

SECONDS_PER_WEEK = 7 * 24 * 3600
#: The end of the default observation window (naive, UTC).
REFERENCE_END = datetime(2026, 6, 30)
#: Customers are acquired uniformly over the three years before ``REFERENCE_END``.
DEFAULT_WINDOW_WEEKS = 156.0


def _check_positive(**values: float) -> None:
    for name, value in values.items():
        if not (np.isfinite(value) and value > 0):
            raise InputError(f"{name} must be a positive finite number, got {value!r}")


@dataclass(frozen=True)
class BgNbdParams:
    """BG/NBD population parameters (Fader, Hardie & Lee 2005, equations 1-2).

    Parameters
    ----------
    r, alpha : float
        Shape and rate of the gamma distribution of the purchase rate ``lambda``
        (purchases per week while active); mean rate ``r / alpha``.
    a, b : float
        Parameters of the beta distribution of the dropout probability ``p`` after each
        repeat purchase; mean ``a / (a + b)``.
    """

    r: float = 0.2426
    alpha: float = 4.4136
    a: float = 0.7929
    b: float = 2.4259

    def __post_init__(self) -> None:
        """Check that every parameter is positive."""
        _check_positive(r=self.r, alpha=self.alpha, a=self.a, b=self.b)


@dataclass(frozen=True)
class GammaGammaParams:
    """Gamma-Gamma spend parameters.

    Gamma-Gamma spend parameters (Fader, Hardie & Lee 2005b, appendix; Colombo &
    Jiang 1999).

    Parameters
    ----------
    p : float
        Shape of the gamma distribution of one transaction's value given ``nu``.
    q, v : float
        Shape and rate of the gamma distribution of the customer-level rate ``nu``; the
        population mean transaction value is ``p * v / (q - 1)`` when ``q > 1``.
    """

    p: float = 6.2488
    q: float = 3.7446
    v: float = 15.4477

    def __post_init__(self) -> None:
        """Check that every parameter is positive."""
        _check_positive(p=self.p, q=self.q, v=self.v)


CDNOW_BG_NBD = BgNbdParams()
CDNOW_GAMMA_GAMMA = GammaGammaParams()


@dataclass(frozen=True)
class SimulatedPurchases:
    """The output of :func:`simulate_purchases`.

    Attributes
    ----------
    customers : pandas.DataFrame
        One row per customer, in index order: ``customer`` (0..n-1), ``acquired_at``
        (datetime64[s], the first purchase), ``T`` (weeks from acquisition to ``end``),
        the true individual parameters ``lam``, ``p_dropout``, ``nu``, ``alive`` (still
        active at ``end``), ``dropout_t`` (weeks from acquisition to dropout, NaN when
        alive) and ``n_transactions`` (including the first).
    transactions : pandas.DataFrame
        One row per transaction, sorted by customer then time: ``customer``, ``t``
        (weeks since acquisition; 0 for the first purchase), ``at`` (datetime64[s]) and
        ``amount`` (rounded to cents, at least 0.01).
    bg_nbd, gamma_gamma : BgNbdParams, GammaGammaParams
        The generating parameters, for parameter-recovery tests.
    start, end : datetime
        The observation window (naive UTC).
    seed : int
        The seed that reproduces this output.
    """

    customers: pd.DataFrame
    transactions: pd.DataFrame
    bg_nbd: BgNbdParams
    gamma_gamma: GammaGammaParams
    start: datetime
    end: datetime
    seed: int

    def parameters(self) -> dict[str, dict[str, float]]:
        """Return the generating parameters as ``{"bg_nbd": {...}, "gamma_gamma": {...}}``."""
        return {"bg_nbd": asdict(self.bg_nbd), "gamma_gamma": asdict(self.gamma_gamma)}


def expected_repeat_transactions(t: np.ndarray | float, params: BgNbdParams) -> np.ndarray:
    """Return the expected number of repeat purchases in ``(0, t]`` of a customer acquired at 0.

    BG/NBD ``E[X(t) | r, alpha, a, b]`` (Fader, Hardie & Lee 2005, equation 9)::

        (a + b - 1) / (a - 1) * [1 - (alpha / (alpha + t))**r
                                   * 2F1(r, b; a + b - 1; t / (alpha + t))]

    Parameters
    ----------
    t : array_like
        Time since acquisition, in weeks (the unit of ``alpha``).
    params : BgNbdParams
        Population parameters.

    Returns
    -------
    numpy.ndarray
        The expectation for each ``t``.

    Examples
    --------
    >>> round(float(expected_repeat_transactions(78.0, CDNOW_BG_NBD)), 3)
    1.858
    """
    t = np.asarray(t, dtype=float)
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    z = t / (alpha + t)
    result: np.ndarray = (
        (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, z))
    )
    return result


def expected_transaction_value(params: GammaGammaParams) -> float:
    """Return the population mean of one transaction's value, ``p * v / (q - 1)``.

    Examples
    --------
    >>> round(expected_transaction_value(CDNOW_GAMMA_GAMMA), 2)
    35.17
    """
    if params.q <= 1:
        raise InputError(f"the mean spend needs q > 1, got q={params.q!r}")
    return params.p * params.v / (params.q - 1)


def mean_transactions_per_customer(
    params: BgNbdParams, window_weeks: float = DEFAULT_WINDOW_WEEKS
) -> float:
    """Return the expected transactions per customer over an acquisition window.

    Return the expected transactions per customer (first purchase included) when acquisition
    times are uniform over a window of ``window_weeks``: ``1 + mean E[X(T)]``, T ~ U(0, W).

    Examples
    --------
    >>> round(mean_transactions_per_customer(CDNOW_BG_NBD), 2)
    2.73
    """
    _check_positive(window_weeks=window_weeks)
    nodes, weights = np.polynomial.legendre.leggauss(64)
    t = (nodes + 1) * window_weeks / 2
    return float(1 + np.sum(weights * expected_repeat_transactions(t, params)) / 2)


def bg_nbd_for_mean_transactions(
    mean_transactions: float,
    window_weeks: float = DEFAULT_WINDOW_WEEKS,
    base: BgNbdParams = CDNOW_BG_NBD,
) -> BgNbdParams:
    """Return ``base`` with ``alpha`` rescaled to a mean number of transactions.

    Return ``base`` with ``alpha`` rescaled (every purchase rate multiplied by one factor) so
    that a simulation yields ``mean_transactions`` per customer on average.

    Examples
    --------
    >>> params = bg_nbd_for_mean_transactions(5.0)
    >>> round(mean_transactions_per_customer(params), 3)
    5.0
    """
    if not (np.isfinite(mean_transactions) and mean_transactions > 1):
        raise InputError(
            f"mean_transactions must be a finite number above 1, got {mean_transactions!r}"
        )

    def gap(log_factor: float) -> float:
        scaled = replace(base, alpha=base.alpha / np.exp(log_factor))
        return mean_transactions_per_customer(scaled, window_weeks) - mean_transactions

    log_factor = brentq(gap, -20.0, 20.0, xtol=1e-10)
    return replace(base, alpha=base.alpha / float(np.exp(log_factor)))


def _draw_customers(
    n: int, rng: np.random.Generator, bg: BgNbdParams, gg: GammaGammaParams, window: float
) -> dict[str, np.ndarray]:
    T = window * rng.random(n)
    lam = rng.gamma(bg.r, 1.0 / bg.alpha, n)
    p_dropout = rng.beta(bg.a, bg.b, n)
    nu = rng.gamma(gg.q, 1.0 / gg.v, n)
    return {"T": T, "lam": np.maximum(lam, 1e-300), "p_dropout": p_dropout, "nu": nu}


def _repeat_purchases(
    lam: np.ndarray, p_dropout: np.ndarray, T: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the repeat purchase times of every customer.

    Repeat purchase times, one loop step per purchase number, vectorised across the
    customers still active. Returns (customer, t, dropout_t).
    """
    active = np.arange(lam.size)
    clock = np.zeros(lam.size)
    dropout_t = np.full(lam.size, np.nan)
    customers, times = [], []
    while active.size:
        clock = clock + rng.standard_exponential(active.size) / lam[active]
        inside = clock <= T[active]
        active, clock = active[inside], clock[inside]
        customers.append(active)
        times.append(clock)
        drops = rng.random(active.size) < p_dropout[active]
        dropout_t[active[drops]] = clock[drops]
        active, clock = active[~drops], clock[~drops]
    return np.concatenate(customers), np.concatenate(times), dropout_t


def _timestamps(end: datetime, T: np.ndarray, t: np.ndarray, customer: np.ndarray) -> np.ndarray:
    end64 = np.datetime64(end, "s")
    acquired_offset = np.round(T * SECONDS_PER_WEEK).astype(np.int64)
    offset = acquired_offset[customer] - np.round(t * SECONDS_PER_WEEK).astype(np.int64)
    result: np.ndarray = end64 - np.maximum(offset, 0).astype("timedelta64[s]")
    return result


def simulate_purchases(
    n_customers: int,
    *,
    seed: int = 7,
    bg_nbd: BgNbdParams = CDNOW_BG_NBD,
    gamma_gamma: GammaGammaParams = CDNOW_GAMMA_GAMMA,
    end: datetime = REFERENCE_END,
    window_weeks: float = DEFAULT_WINDOW_WEEKS,
) -> SimulatedPurchases:
    """Simulate the purchases of ``n_customers`` from BG/NBD and Gamma-Gamma.

    Parameters
    ----------
    n_customers : int
        Number of customers (each makes a first purchase when acquired).
    seed : int
        Seed of the random generator; the same seed gives the same output.
    bg_nbd, gamma_gamma : BgNbdParams, GammaGammaParams
        Generating parameters; CDNOW's published ones by default.
    end : datetime
        End of the observation window (naive, UTC).
    window_weeks : float
        Length of the acquisition window, in weeks.

    Returns
    -------
    SimulatedPurchases
        Customers with their true parameters, and transactions.

    Examples
    --------
    >>> sim = simulate_purchases(1_000, seed=1)
    >>> len(sim.customers), bool(sim.transactions["amount"].gt(0).all())
    (1000, True)
    """
    if int(n_customers) != n_customers or n_customers < 0:
        raise InputError(f"n_customers must be an integer >= 0, got {n_customers!r}")
    _check_positive(window_weeks=window_weeks)
    rng = np.random.default_rng(seed)
    drawn = _draw_customers(int(n_customers), rng, bg_nbd, gamma_gamma, window_weeks)
    repeat_customer, repeat_t, dropout_t = _repeat_purchases(
        drawn["lam"], drawn["p_dropout"], drawn["T"], rng
    )
    customer = np.concatenate([np.arange(n_customers), repeat_customer])
    t = np.concatenate([np.zeros(n_customers), repeat_t])
    order = np.argsort(customer, kind="stable")  # each customer's times are increasing
    customer, t = customer[order], t[order]
    amount = rng.gamma(gamma_gamma.p, 1.0 / drawn["nu"][customer])
    transactions = pd.DataFrame(
        {
            "customer": customer,
            "t": t,
            "at": _timestamps(end, drawn["T"], t, customer),
            "amount": np.maximum(np.round(amount, 2), 0.01),
        }
    )
    customers = pd.DataFrame(
        {
            "customer": np.arange(n_customers),
            "acquired_at": _timestamps(
                end, drawn["T"], np.zeros(n_customers), np.arange(n_customers)
            ),
            **drawn,
            "alive": np.isnan(dropout_t),
            "dropout_t": dropout_t,
            "n_transactions": np.bincount(customer, minlength=n_customers),
        }
    )
    start = end - pd.Timedelta(weeks=window_weeks).to_pytimedelta()
    return SimulatedPurchases(customers, transactions, bg_nbd, gamma_gamma, start, end, seed)
