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
import pandas as pd
from scipy.special import digamma, gammaln, hyp2f1

from kehu.insight.base import Likelihood, LikelihoodModel
from kehu.insight.btyd._beta_geometric import softplus_and_sigmoid
from kehu.insight.btyd._inputs import (
    CompressedRows,
    compress_rows,
    mean_purchase_rate,
    rfm_columns,
    rfm_rows,
)
from kehu.insight.btyd._parallel import map_threads, row_slices

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


def _log_f_and_rate_slopes(
    params: np.ndarray, x: np.ndarray, u: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return :func:`_log_f` and its derivatives in ``alpha`` and ``beta``, analytic.

    ``alpha`` and ``beta`` enter the series only through its argument ``z``, and
    ``d/dz 2F1(1, b; c; z) = b / c * 2F1(2, b + 1; c + 1; z)``; so one more
    hypergeometric call gives both derivatives (``r`` and ``s`` also enter ``b`` and
    ``c``, whose derivatives have no cheap closed form).
    """
    r, alpha, s, beta = params
    c = r + s + x + 1
    if alpha >= beta:
        b, big, small = r + x, alpha + u, beta + u
        z = (alpha - beta) / big
        dz = (small / big**2, -1.0 / big)  # dz/dalpha, dz/dbeta
        outside = -s * np.log(small) - b * np.log(big)
        d_outside = (-b / big, -s / small)
    else:
        b, big, small = s + 1, beta + u, alpha + u
        z = (beta - alpha) / big
        dz = (-1.0 / big, small / big**2)
        outside = -(r + x - 1) * np.log(small) - b * np.log(big)
        d_outside = (-(r + x - 1) / small, -b / big)
    series = hyp2f1(1.0, b, c, z)
    log_slope = b / c * hyp2f1(2.0, b + 1, c + 1, z) / series  # d log(series) / dz
    value: np.ndarray = outside + np.log(series)
    d_alpha: np.ndarray = d_outside[0] + log_slope * dz[0]
    d_beta: np.ndarray = d_outside[1] + log_slope * dz[1]
    return value, d_alpha, d_beta


#: From this many customers on, :func:`_log_f` is computed once per distinct pair.
MIN_ROWS_TO_PAIR = 10_000


def _log_f_per_pair(params: np.ndarray, x: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Return :func:`_log_f` per customer, computed once per distinct ``(x, u)`` pair."""
    if x.ndim != 1 or x.shape != u.shape or x.size < MIN_ROWS_TO_PAIR:
        return _log_f(params, x, u)
    pairs = compress_rows(x, u, sort=False)
    result: np.ndarray = _log_f(params, *pairs.columns)[pairs.inverse]
    return result


def _log_terms(
    params: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return the two terms of the likelihood's bracket, in logs.

    Return the two terms of the likelihood's bracket, in logs: ``alive`` (still alive at T) and
    ``ended`` (``s / (r+s+x) * A_0``: died between ``t_x`` and ``T``).
    """
    r, alpha, s, beta = params
    alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    log_f_tx = _log_f_per_pair(params, x, t_x)
    gap = np.minimum(_log_f_per_pair(params, x, T) - log_f_tx, 0.0)  # A_0 = F(t_x) - F(T) >= 0
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


class _PairedObjective:
    """The weighted total Pareto/NBD log-likelihood and its gradient, hypergeometrics once per pair.

    The likelihood's costly part, ``log A_0``'s pieces (:func:`_log_f`, a Gaussian
    hypergeometric function each), depends on a customer's ``(x, t_x)`` or ``(x, T)``
    alone, and there are far fewer distinct pairs than distinct ``(x, t_x, T)`` rows (a
    million generated customers: 409,301 rows, 26,609 and 26,897 pairs). So the pieces
    are computed once per pair and gathered, and the gradient is the chain rule
    through them: analytic in everything but the pieces, whose derivatives are central
    differences on the log-parameters (relative step ``GRADIENT_STEP``) for ``r`` and
    ``s`` and analytic for ``alpha`` and ``beta`` (:func:`_log_f_and_rate_slopes`), again
    per pair. The five evaluations of the pieces run on all cores.
    """

    def __init__(self, rows: CompressedRows) -> None:
        x, _, T = rows.columns
        self.x, self.w = x, rows.weights
        (self.x_levels, _, self.T_levels), (self.x_at, _, self.T_at) = rows.levels, rows.codes
        pairs_tx, self.at_tx = _pairs(rows, 1)
        pairs_T, self.at_T = _pairs(rows, 2)
        self.n_tx = pairs_tx[0].size
        self.pair_x = np.concatenate([pairs_tx[0], pairs_T[0]])
        self.pair_u = np.concatenate([pairs_tx[1], pairs_T[1]])
        self.n = float(self.w.sum())
        self.w_x = np.bincount(self.x_at, weights=self.w, minlength=self.x_levels.size)

    def _pieces(self, task: tuple[np.ndarray, bool]) -> tuple[np.ndarray, ...]:
        params, with_slopes = task
        if with_slopes:
            return _log_f_and_rate_slopes(params, self.pair_x, self.pair_u)
        return (_log_f(params, self.pair_x, self.pair_u),)

    def __call__(self, params: np.ndarray) -> tuple[float, np.ndarray]:
        params = np.asarray(params, dtype=float)
        shifted = [(params, True)]  # the pieces at params, with their alpha and beta slopes
        for i in (0, 2):  # r and s: central differences on their logs
            for sign in (1.0, -1.0):
                p = params.copy()
                p[i] *= np.exp(sign * GRADIENT_STEP)
                shifted.append((p, False))
        (f, d_alpha, d_beta), (r_up,), (r_down,), (s_up,), (s_down,) = map_threads(
            self._pieces, shifted
        )
        step = 2 * GRADIENT_STEP
        d_f = np.stack(
            [
                (r_up - r_down) / (step * params[0]),
                d_alpha,
                (s_up - s_down) / (step * params[2]),
                d_beta,
            ]
        )
        return self._total(params, f, d_f)

    def _total(
        self, params: np.ndarray, f: np.ndarray, d_f: np.ndarray
    ) -> tuple[float, np.ndarray]:
        r, alpha, s, beta = params
        xs, Ts = self.x_levels, self.T_levels
        parts = map_threads(lambda part: self._row_sums(part, params, f), row_slices(self.x.size))
        (bracket, log_alpha_T, log_beta_T, ended), by_pair, by_level = (
            [sum(p[k] for p in parts) for k in range(4)],
            sum((p[4] for p in parts), np.zeros(f.size)),
            [sum(p[k] for p in parts) for k in (5, 6, 7)],
        )
        ended_x, alive_T, alive_xT = by_level
        n, w_x = self.n, self.w_x
        inv_rsx = ended_x @ (1.0 / (r + s + xs))
        total = float(w_x @ (gammaln(r + xs) - gammaln(r)) + bracket) + n * (
            r * np.log(alpha) + s * np.log(beta)
        )
        grad = np.array(
            [
                w_x @ (digamma(r + xs) - digamma(r)) + n * np.log(alpha) - log_alpha_T - inv_rsx,
                n * r / alpha - (r * alive_T + alive_xT) @ (1.0 / (alpha + Ts)),
                n * np.log(beta) - log_beta_T + ended / s - inv_rsx,
                n * s / beta - s * (alive_T @ (1.0 / (beta + Ts))),
            ]
        )
        return total, grad + d_f @ by_pair

    def _row_sums(self, part: slice, params: np.ndarray, f: np.ndarray) -> tuple[Any, ...]:
        """Return one slice of rows' weighted sums that the total and its gradient need.

        Each customer's log bracket is ``alive + softplus(ended - alive)``, and
        ``sigmoid(ended - alive)`` is the posterior share of the ended term, which
        weighs the derivatives of that term; the derivatives of the pieces come back as
        weights per pair (``d_f @`` them), those of functions of ``x`` or ``T`` alone as
        weights per level.
        """
        r, alpha, s, beta = params
        x, w = self.x[part], self.w[part]
        T_at, x_at, at_tx, at_T = (
            self.T_at[part],
            self.x_at[part],
            self.at_tx[part],
            self.at_T[part],
        )
        f_tx = f[: self.n_tx][at_tx]
        log_alpha_T = np.log(alpha + self.T_levels)[T_at]
        log_beta_T = np.log(beta + self.T_levels)[T_at]
        alive = -(r + x) * log_alpha_T - s * log_beta_T
        # e^gap - 1 with gap = log A_0's pieces' difference (<= 0): log(1 - e^gap) and
        # its slope (1 + e) / e both come from it
        e = np.expm1(np.minimum(f[self.n_tx :][at_T] - f_tx, 0.0))
        with np.errstate(divide="ignore"):
            ended = np.log(s / (r + s + self.x_levels))[x_at] + f_tx + np.log(-e)
        softplus, share = softplus_and_sigmoid(ended - alive)
        w_ended = w * share
        w_alive = w - w_ended
        with np.errstate(divide="ignore", invalid="ignore"):  # zero where t_x = T
            w_T = np.where(w_ended > 0, w_ended * (1 + e) / e, 0.0)
        n_T = self.T_levels.size
        return (
            float(w @ (alive + softplus)),
            float(w_alive @ log_alpha_T),
            float(w_alive @ log_beta_T),
            float(w_ended.sum()),
            np.concatenate(
                [
                    np.bincount(at_tx, weights=w_ended - w_T, minlength=self.n_tx),
                    np.bincount(at_T, weights=w_T, minlength=self.pair_x.size - self.n_tx),
                ]
            ),
            np.bincount(x_at, weights=w_ended, minlength=self.x_levels.size),
            np.bincount(T_at, weights=w_alive, minlength=n_T),
            np.bincount(T_at, weights=w_alive * x, minlength=n_T),
        )


def _pairs(rows: CompressedRows, column: int) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray]:
    """Return the distinct ``(x, u)`` pairs of ``rows`` and each row's position among them.

    ``u`` is the ``column`` of ``rows``; the pairs come from the level codes the
    compression already made.
    """
    x_codes, u_codes = rows.codes[0], rows.codes[column]
    key = x_codes.astype(np.int64) * max(rows.levels[column].size, 1) + u_codes
    at, distinct = pd.factorize(key, sort=False)
    x_code, u_code = np.divmod(distinct, max(rows.levels[column].size, 1))
    return (rows.levels[0][x_code].astype(float), rows.levels[column][u_code].astype(float)), at


class ParetoNbd(LikelihoodModel):
    """The Pareto/NBD model (Schmittlein, Morrison & Colombo 1987), fitted by maximum likelihood.

    The Pareto/NBD model (Schmittlein, Morrison & Colombo 1987), fitted by maximum
    likelihood.

    The hypergeometric pieces of the likelihood are computed once per distinct ``(x,
    t_x)`` and ``(x, T)`` pair, and the gradient is the chain rule through them: analytic
    but for the pieces' derivatives in ``r`` and ``s``, which are central differences
    (the derivatives of the Gaussian hypergeometric function with respect to its
    parameters have no cheap closed form). A gradient costs five evaluations of the
    pieces and one pass over the distinct rows; standard errors come from a numerical
    Hessian of that gradient.

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
        w, T = rows.weights, rows.columns[2]
        objective = _PairedObjective(rows)
        mean_T = max(float(w @ T / w.sum()), 1e-9)
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

    def discounted_expected_purchases(self, t: Any, discount: Any, data: Any) -> np.ndarray:
        """Return ``sum_k discount_k (E[Y(t_k) | .] - E[Y(t_(k-1)) | .])`` per customer (t_0 = 0).

        The conditional expectation (:meth:`conditional_expected_purchases`) at every
        horizon of ``t`` at once, each period's increment weighted by its ``discount``:
        its growth factor depends on ``T`` alone, so it is computed once per distinct
        ``T`` and horizon, and ``P(alive)`` once per customer.
        """
        params = self._require_fitted("discounted_expected_purchases")
        r, alpha, s, beta = params
        x, t_x, T = rfm_columns(data)
        t = np.asarray(t, dtype=float).reshape(-1, 1)
        discount = np.asarray(discount, dtype=float).reshape(-1)
        at, distinct_T = pd.factorize(T, sort=False)
        growth = _power_difference(s - 1, np.log1p(t / (beta + distinct_T[None, :])))
        per_T = discount @ np.diff(growth, axis=0, prepend=0.0)
        alive, ended = _log_terms(params, x, t_x, T)
        p_alive = np.exp(alive - np.logaddexp(alive, ended))
        result: np.ndarray = (r + x) * (beta + T) / (alpha + T) * per_T[at] * p_alive
        return result


def _power_difference(k: float, log_ratio: np.ndarray) -> np.ndarray:
    """Return ``(1 - exp(-k * log_ratio)) / k``, continuous at ``k = 0``.

    ``(1 - exp(-k * log_ratio)) / k``, continuous at ``k = 0`` (where it is
    ``log_ratio``).
    """
    if abs(k) < 1e-12:
        return np.asarray(log_ratio)
    return -np.expm1(-k * log_ratio) / k
