"""Pareto/NBD: Poisson purchases with an exponential lifetime.

Pareto/NBD: Poisson purchases with an exponential lifetime (Schmittlein, Morrison &
Colombo 1987, "Counting your customers: who are they and what will they do next?",
Management Science 33(1), 1-24), with the likelihood and expressions of Fader & Hardie
(2005), "A note on deriving the Pareto/NBD model and related expressions".

While alive, a customer buys following a Poisson process with rate ``lambda``,
``lambda ~ Gamma(shape=r, rate=alpha)``; the lifetime is exponential with rate ``mu``,
``mu ~ Gamma(shape=s, rate=beta)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import gammaln, hyp2f1

from kehu.insight.base import Likelihood, LikelihoodModel
from kehu.insight.btyd._inputs import mean_purchase_rate, rfm_columns, rfm_rows

__all__ = ["ParetoNbd", "pareto_nbd_log_likelihood"]

#: Relative step of the central-difference gradient, on the log-parameters.
GRADIENT_STEP = 1e-5


def _log_f(params: np.ndarray, x: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Return the pieces of ``A_0`` (Fader & Hardie 2005, equations 21-22), in logs.

    ``log[2F1(r+s+x, b'; r+s+x+1; z(u)) / (max(alpha, beta) + u)**(r+s+x)]``, the
    pieces of ``A_0`` (Fader & Hardie 2005, equation 21-22), after Euler's
    transformation ``2F1(a, b; c; z) = (1-z)**(c-a-b) 2F1(c-a, c-b; c; z)``. The
    transformed series is ``2F1(1, .; r+s+x+1; z)``, of order 1, so nothing overflows
    however many purchases a customer made.

    - ``alpha >= beta``: ``b' = s + 1``, ``z = (alpha - beta) / (alpha + u)``, giving
      ``-s log(beta + u) - (r + x) log(alpha + u) + log 2F1(1, r + x; r+s+x+1; z)``.
    - ``alpha < beta``: ``b' = r + x``, ``z = (beta - alpha) / (beta + u)``, giving
      ``-(r + x - 1) log(alpha + u) - (s + 1) log(beta + u)
      + log 2F1(1, s + 1; r+s+x+1; z)``.
    """
    r, alpha, s, beta = params
    c = r + s + x + 1
    if alpha >= beta:
        z = (alpha - beta) / (alpha + u)
        series = hyp2f1(1.0, r + x, c, z)
        result: np.ndarray = -s * np.log(beta + u) - (r + x) * np.log(alpha + u) + np.log(series)
        return result
    z = (beta - alpha) / (beta + u)
    series = hyp2f1(1.0, s + 1, c, z)
    ended: np.ndarray = (
        -(r + x - 1) * np.log(alpha + u) - (s + 1) * np.log(beta + u) + np.log(series)
    )
    return ended


def _log_terms(
    params: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return the two terms of the likelihood's bracket, in logs.

    Return the two terms of the likelihood's bracket, in logs: ``alive`` (still alive at T) and
    ``ended`` (``s / (r+s+x) * A_0``: died between ``t_x`` and ``T``).
    """
    r, alpha, s, beta = params
    alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    log_f_tx = _log_f(params, x, t_x)
    gap = np.minimum(_log_f(params, x, T) - log_f_tx, 0.0)  # A_0 = F(t_x) - F(T) >= 0
    with np.errstate(divide="ignore"):
        ended = np.log(s / (r + s + x)) + log_f_tx + np.log(-np.expm1(gap))
    return alive, ended


def pareto_nbd_log_likelihood(
    params: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """Log-likelihood of each customer (Fader & Hardie 2005, equation 22).

    ::

        log Gamma(r + x) - log Gamma(r) + r log alpha + s log beta
          + log[ 1 / ((alpha + T)**(r + x) (beta + T)**s) + s / (r + s + x) A_0 ]

    with the bracket as a ``logaddexp`` of its two terms and ``A_0`` from
    :func:`_log_f`, so long histories (hundreds of purchases) neither overflow nor
    underflow.

    Parameters
    ----------
    params : array_like
        ``(r, alpha, s, beta)``.
    x, t_x, T : numpy.ndarray
        Repeat purchases, time of the last one, and time since the first purchase.
    """
    params = np.asarray(params, dtype=float)
    r, alpha, s, beta = params
    head = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    result: np.ndarray = head + np.logaddexp(*_log_terms(params, x, t_x, T))
    return result


def _total_and_numerical_gradient(
    params: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, w: np.ndarray
) -> tuple[float, np.ndarray]:
    """Return the weighted total Pareto/NBD log-likelihood and its numerical gradient.

    Weighted total log-likelihood and its gradient by central differences on the
    log-parameters (relative step ``GRADIENT_STEP``; error about 1e-10 relative).
    """

    def total(p: np.ndarray) -> float:
        return float(w @ pareto_nbd_log_likelihood(p, x, t_x, T))

    grad = np.empty(params.size)
    for i in range(params.size):
        up, down = params.copy(), params.copy()
        up[i] *= np.exp(GRADIENT_STEP)
        down[i] *= np.exp(-GRADIENT_STEP)
        grad[i] = (total(up) - total(down)) / (2 * GRADIENT_STEP * params[i])
    return total(params), grad


class ParetoNbd(LikelihoodModel):
    """The Pareto/NBD model (Schmittlein, Morrison & Colombo 1987), fitted by maximum likelihood.

    The Pareto/NBD model (Schmittlein, Morrison & Colombo 1987), fitted by maximum
    likelihood.

    The gradient is **numerical**: central differences of the log-likelihood on the
    log-parameters (the derivatives of the Gaussian hypergeometric function with respect
    to its parameters have no cheap closed form). Each gradient therefore costs eight
    likelihood evaluations; fitting, like :class:`~kehu.insight.btyd.BgNbd`, works on
    compressed data (identical ``(frequency, recency, T)`` rows collapsed into weights),
    and standard errors come from a numerical Hessian of that gradient.

    Parameters
    ----------
    tol, max_iter, initial_params
        As in :class:`~kehu.insight.base.LikelihoodModel`; ``initial_params`` is
        ``{"r", "alpha", "s", "beta"}``; ``None`` starts from ``r = s = 1``,
        ``alpha`` matched to the mean purchase rate and ``beta`` to the mean ``T``.

    Attributes
    ----------
    r_, alpha_ : float
        Shape and rate of the gamma distribution of the purchase rate ``lambda`` while
        alive; mean ``r / alpha`` purchases per time unit.
    s_, beta_ : float
        Shape and rate of the gamma distribution of the dropout rate ``mu``; mean
        ``s / beta`` (the mean lifetime of a customer with rate ``mu`` is ``1 / mu``).
    params_, log_likelihood_, aic_, bic_, standard_errors_, covariance_, converged_,
    convergence_message_, n_iter_, n_customers_, n_distinct_
        As in :class:`~kehu.insight.base.LikelihoodModel`.

    Notes
    -----
    Input tables need the columns ``frequency``, ``recency`` and ``T``, as for
    :class:`~kehu.insight.btyd.BgNbd`.

    Examples
    --------
    >>> model = ParetoNbd.from_params(r=0.5533, alpha=10.5776, s=0.6062, beta=11.6679)
    >>> history = {"frequency": [26], "recency": [30.86], "T": [31.0]}
    >>> round(float(model.conditional_expected_purchases(52, history)[0]), 2)
    25.46
    """

    _param_names = ("r", "alpha", "s", "beta")
    _model_name = "Pareto/NBD"

    def _likelihood(self, data: Any, weights: Any) -> Likelihood:
        """Build the Pareto/NBD likelihood over the distinct ``(frequency, recency, T)`` rows.

        Return the Pareto/NBD likelihood over the distinct ``(frequency, recency, T)`` rows, from
        ``r = s = 1``, ``alpha`` matched to the mean purchase rate and ``beta`` to the mean ``T``.
        """
        rows = rfm_rows(data, weights)
        cx, ct_x, cT = rows.columns
        w = rows.weights

        def objective(params: np.ndarray) -> tuple[float, np.ndarray]:
            return _total_and_numerical_gradient(params, cx, ct_x, cT, w)

        mean_T = max(float(w @ cT / w.sum()), 1e-9)
        start = np.array([1.0, 1.0 / mean_purchase_rate(rows), 1.0, mean_T])
        return Likelihood(objective, start, float(w.sum()), rows.n_distinct)

    def log_likelihood(self, data: Any) -> np.ndarray:
        """Log-likelihood of each customer at the fitted parameters."""
        params = self._require_fitted("log_likelihood")
        return pareto_nbd_log_likelihood(params, *rfm_columns(data))

    def expected_purchases(self, t: Any) -> np.ndarray:
        """Return the expected purchases of a new customer in ``(0, t]``.

        ``E[X(t)]``, Fader & Hardie 2005, equation 27::

            r beta / (alpha (s - 1)) * [1 - (beta / (beta + t))**(s - 1)]

        (``r beta / alpha * log(1 + t / beta)`` at ``s = 1``).
        """
        r, alpha, s, beta = self._require_fitted("expected_purchases")
        t = np.asarray(t, dtype=float)
        result: np.ndarray = r * beta / alpha * _power_difference(s - 1, np.log1p(t / beta))
        return result

    def conditional_probability_alive(self, data: Any) -> np.ndarray:
        """Return the probability that each customer is still alive, ``P(alive | x, t_x, T)``.

        ``P(alive | x, t_x, T)`` (Fader & Hardie 2005, equation 24): the share of the
        likelihood's bracket taken by its still-alive term, from the same log terms.
        """
        params = self._require_fitted("conditional_probability_alive")
        alive, ended = _log_terms(params, *rfm_columns(data))
        result: np.ndarray = np.exp(alive - np.logaddexp(alive, ended))
        return result

    def conditional_expected_purchases(self, t: Any, data: Any) -> np.ndarray:
        """Return the expected purchases of each customer in the next ``t`` time units.

        ``E[Y(t) | x, t_x, T]`` given the history, Fader & Hardie 2005, equation 28::

            (r + x) (beta + T) / ((alpha + T) (s - 1))
              * [1 - ((beta + T) / (beta + T + t))**(s - 1)] * P(alive | x, t_x, T)
        """
        params = self._require_fitted("conditional_expected_purchases")
        r, alpha, s, beta = params
        x, t_x, T = rfm_columns(data)
        t = np.asarray(t, dtype=float)
        alive, ended = _log_terms(params, x, t_x, T)
        p_alive = np.exp(alive - np.logaddexp(alive, ended))
        growth = _power_difference(s - 1, np.log1p(t / (beta + T)))
        result: np.ndarray = (r + x) * (beta + T) / (alpha + T) * growth * p_alive
        return result


def _power_difference(k: float, log_ratio: np.ndarray) -> np.ndarray:
    """Return ``(1 - exp(-k * log_ratio)) / k``, continuous at ``k = 0``.

    ``(1 - exp(-k * log_ratio)) / k``, continuous at ``k = 0`` (where it is
    ``log_ratio``).
    """
    if abs(k) < 1e-12:
        return np.asarray(log_ratio)
    return -np.expm1(-k * log_ratio) / k
