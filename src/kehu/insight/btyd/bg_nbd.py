"""BG/NBD: the beta-geometric/negative-binomial model of repeat buying.

BG/NBD: the beta-geometric/negative-binomial model of repeat buying in a
non-contractual setting (Fader, Hardie & Lee 2005, "Counting your customers the easy
way: an alternative to the Pareto/NBD model", Marketing Science 24(2), 275-284).

While active, a customer buys following a Poisson process with rate ``lambda``,
``lambda ~ Gamma(shape=r, rate=alpha)``; after each purchase the customer drops out for
good with probability ``p``, ``p ~ Beta(a, b)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1

from kehu.insight.btyd._beta_geometric import BetaGeometricModel
from kehu.insight.btyd._inputs import (
    CompressedRows,
    CountGroups,
    compress_rows,
    group_counts,
    rfm_columns,
)
from kehu.insight.btyd._parallel import map_threads, row_slices
from kehu.insight.likelihood import Objective

__all__ = ["BgNbd", "bg_nbd_log_likelihood", "bg_nbd_log_likelihood_and_gradient"]


def _count_terms(params: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the parts of equation 6 that depend on the count ``x`` alone.

    Return the parts of equation 6 that depend on the count ``x`` alone: the gamma-ratio head
    (without ``r log alpha``) and the beta ratios of the active and dropped-out terms.
    """
    r, _, a, b = params
    beta_ab = betaln(a, b)
    head = gammaln(r + x) - gammaln(r)
    alive = betaln(a, b + x) - beta_ab
    x_safe = np.where(x > 0, x, 1.0)  # keeps b + x - 1 > 0 where the term is masked out
    dropped = np.where(x > 0, betaln(a + 1, b + x_safe - 1) - beta_ab, -np.inf)
    return head, alive, dropped


def _row_terms(
    params: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, groups: CountGroups
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r, alpha, _, _ = params
    head, alive, dropped = (g[groups.index] for g in _count_terms(params, groups.values))
    alive = alive - (r + x) * np.log(alpha + T)
    dropped = dropped - (r + x) * np.log(alpha + t_x)
    return head + r * np.log(alpha), alive, dropped


def bg_nbd_log_likelihood(
    params: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """Return the BG/NBD log-likelihood of each customer (equation 6), in log space.

    Log-likelihood of each customer, Fader, Hardie & Lee (2005), equation 6, in log
    space (``logaddexp`` of its two terms), so it stays finite for hundreds of purchases.

    Parameters
    ----------
    params : array_like
        ``(r, alpha, a, b)``.
    x, t_x, T : numpy.ndarray
        Repeat purchases, time of the last one, and time since the first purchase.
    """
    params = np.asarray(params, dtype=float)
    head, alive, dropped = _row_terms(params, x, t_x, T, group_counts(x))
    result: np.ndarray = head + np.logaddexp(alive, dropped)
    return result


@dataclass(frozen=True)
class _FitRows:
    """Distinct ``(x, t_x, T)`` rows laid out for the BG/NBD likelihood.

    Distinct ``(x, t_x, T)`` rows laid out for the likelihood: sorted by ``x`` (so
    each count is one contiguous block), ``T`` and ``t_x`` as codes into their few
    distinct values (logs and reciprocals are then computed per value, not per row),
    and the per-``T`` weight sums that turn the alive term's sums into short dot
    products. Customers without repeat purchases (``x = 0``) need no per-row work.
    """

    x: np.ndarray  # counts of the rows with x > 0
    weights: np.ndarray  # their weights
    t_x_code: np.ndarray
    T_code: np.ndarray
    t_x_levels: np.ndarray
    T_levels: np.ndarray
    counts: np.ndarray  # distinct counts, 0 included when present
    count_weights: np.ndarray  # summed weight of each count
    count_code: np.ndarray  # each row's position among the positive counts
    positive: np.ndarray  # which of ``counts`` are > 0
    weight_by_T: np.ndarray  # sum of weights per T level (all rows)
    weighted_x_by_T: np.ndarray  # sum of weight * x per T level
    n: float

    @classmethod
    def from_rows(cls, rows: CompressedRows) -> _FitRows:
        x, _, _ = rows.columns
        _, t_x_code, T_code = rows.codes
        w = rows.weights
        counts, starts = np.unique(x, return_index=True)  # x is sorted: blocks
        count_weights = np.add.reduceat(w, starts)
        positive = counts > 0
        first = int(starts[positive][0]) if positive.any() else x.size
        n_T = rows.levels[2].size
        return cls(
            x=x[first:],
            weights=w[first:],
            t_x_code=t_x_code[first:],
            T_code=T_code[first:],
            t_x_levels=rows.levels[1],
            T_levels=rows.levels[2],
            counts=counts,
            count_weights=count_weights,
            count_code=np.repeat(
                np.arange(int(positive.sum())), np.diff(np.append(starts[positive], x.size))
            ),
            positive=positive,
            weight_by_T=np.bincount(T_code, weights=w, minlength=n_T),
            weighted_x_by_T=np.bincount(T_code, weights=w * x, minlength=n_T),
            n=float(w.sum()),
        )


def _total_and_gradient(params: np.ndarray, rows: _FitRows) -> tuple[float, np.ndarray]:
    """Weighted total log-likelihood and its analytic gradient in ``(r, alpha, a, b)``.

    Each customer's likelihood is ``head + log(e^A + e^D)`` with the alive term ``A`` and
    the dropped-out term ``D`` (``-inf`` when ``x = 0``); written as ``head + A +
    softplus(D - A)``, the ``head + A`` part sums per count and per ``T`` level, and only
    ``softplus(gap)`` and the share ``w = sigmoid(gap)`` of the dropped-out term need a
    pass over the rows with repeat purchases. Each derivative is ``d(head + A) +
    w d(gap)``; ``d gap / d a = 1 / a`` and ``d gap / d b = -1 / (b + x - 1)``.
    """
    r, alpha, a, b = params
    u, per_count, n = rows.counts, rows.count_weights, rows.n
    head_u, alive_u, dropped_u = _count_terms(params, u)
    log_T, log_t_x = np.log(alpha + rows.T_levels), np.log(alpha + rows.t_x_levels)
    alive_by_T = r * rows.weight_by_T + rows.weighted_x_by_T  # sum of w (r + x) per T
    total = per_count @ (head_u + alive_u) + r * np.log(alpha) * n - alive_by_T @ log_T
    d_r = per_count @ (digamma(r + u) - digamma(r)) + np.log(alpha) * n
    d_r -= rows.weight_by_T @ log_T
    d_alpha = r / alpha * n - alive_by_T @ (1 / (alpha + rows.T_levels))
    psi_ab_u = digamma(a + b) - digamma(a + b + u)
    d_a = per_count @ psi_ab_u
    d_b = per_count @ (psi_ab_u - digamma(b) + digamma(b + u))
    if rows.x.size:
        gap_u = (dropped_u - alive_u)[rows.positive]
        inverse_t_x, inverse_T = 1 / (alpha + rows.t_x_levels), 1 / (alpha + rows.T_levels)

        def repeat_rows(part: slice) -> tuple[float, float, float, np.ndarray]:
            x, weights = rows.x[part], rows.weights[part]
            t_x_code, T_code, count_code = (
                rows.t_x_code[part],
                rows.T_code[part],
                rows.count_code[part],
            )
            log_ratio = log_t_x[t_x_code] - log_T[T_code]  # log((alpha + t_x) / (alpha + T))
            rx = x + r
            gap = gap_u[count_code] - rx * log_ratio  # log(e^D / e^A)
            softplus, share = _softplus_and_sigmoid(gap)
            ww = weights * share
            return (
                float(weights @ softplus),
                float(ww @ log_ratio),
                float((ww * rx) @ (inverse_t_x[t_x_code] - inverse_T[T_code])),
                np.bincount(count_code, weights=ww, minlength=gap_u.size),
            )

        parts = map_threads(repeat_rows, row_slices(rows.x.size))
        ww_by_count = sum((p[3] for p in parts), np.zeros(gap_u.size))
        total += sum(p[0] for p in parts)
        d_r -= sum(p[1] for p in parts)
        d_alpha -= sum(p[2] for p in parts)
        d_a += ww_by_count.sum() / a
        d_b -= ww_by_count @ (1 / (u[rows.positive] + b - 1))
    return float(total), np.array([d_r, d_alpha, d_a, d_b])


def _softplus_and_sigmoid(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return ``log(1 + e^z)`` and ``1 / (1 + e^-z)`` from one sigmoid of ``|z|``.

    ``log(1 + e^z)`` and ``1 / (1 + e^-z)`` from one sigmoid of ``|z|`` (which lies in
    [0.5, 1], so its log is exact to rounding): a third of the time of ``np.logaddexp``
    plus ``expit``, and finite for any ``z``.
    """
    sigmoid_abs = expit(np.abs(z))
    softplus = np.maximum(z, 0.0) - np.log(sigmoid_abs)
    return softplus, 0.5 + np.copysign(sigmoid_abs - 0.5, z)


def bg_nbd_log_likelihood_and_gradient(
    params: np.ndarray,
    x: np.ndarray,
    t_x: np.ndarray,
    T: np.ndarray,
    weights: np.ndarray | None = None,
) -> tuple[float, np.ndarray]:
    """Return the weighted total BG/NBD log-likelihood and its analytic gradient.

    Weighted total log-likelihood and its analytic gradient in ``(r, alpha, a, b)``
    (see :func:`_total_and_gradient`; the rows are compressed first).
    """
    rows = compress_rows(x, t_x, T, weights=weights)
    return _total_and_gradient(np.asarray(params, dtype=float), _FitRows.from_rows(rows))


class BgNbd(BetaGeometricModel):
    """The BG/NBD model (Fader, Hardie & Lee 2005), fitted by maximum likelihood.

    Fitting works on compressed data: identical ``(frequency, recency, T)`` rows are
    collapsed into weights, so its cost is the number of distinct rows. The optimiser
    is L-BFGS-B on the log-parameters with the analytic gradient; standard errors come
    from the inverse of a numerical Hessian of that gradient.

    Parameters
    ----------
    tol, max_iter, initial_params
        As in :class:`~kehu.insight.base.LikelihoodModel`; ``initial_params`` is
        ``{"r", "alpha", "a", "b"}``, and ``None`` starts from ``r = a = b = 1`` and
        ``alpha`` matched to the mean purchase rate.

    Attributes
    ----------
    r_, alpha_ : float
        Shape and rate of the gamma distribution of the purchase rate ``lambda`` while
        active (paper equation 2); mean rate ``r / alpha`` per time unit of the input.
    a_, b_ : float
        Parameters of the beta distribution of the dropout probability ``p`` after each
        purchase (paper equation 3); mean ``a / (a + b)``.
    params_, log_likelihood_, aic_, bic_, standard_errors_, covariance_, converged_,
    convergence_message_, n_iter_, n_customers_, n_distinct_
        As in :class:`~kehu.insight.base.LikelihoodModel`.

    Notes
    -----
    Input tables need the columns ``frequency`` (x, repeat purchases), ``recency`` (t_x,
    time of the last repeat purchase since the first; 0 when x = 0) and ``T`` (time since
    the first purchase), all in one time unit (e.g. weeks).

    Examples
    --------
    >>> cdnow = BgNbd.from_params(r=0.2426, alpha=4.4136, a=0.7929, b=2.4259)
    >>> history = {"frequency": [0, 2, 7], "recency": [0.0, 30.43, 10.0],
    ...            "T": [38.86, 38.86, 38.86]}
    >>> [round(float(p), 3) for p in cdnow.conditional_probability_alive(history)]
    [1.0, 0.727, 0.004]
    >>> round(float(cdnow.expected_purchases(78.0)), 3)
    1.858

    Fitting takes a table of customers (``BgNbd().fit(customers)``); see the tests for
    the CDNOW example.
    """

    _model_name = "BG/NBD"
    _first_dropout = 1.0

    def _objective(self, rows: CompressedRows) -> Objective:
        """Equation 6 over the compressed rows, with its analytic gradient."""
        fit_rows = _FitRows.from_rows(rows)

        def objective(params: np.ndarray) -> tuple[float, np.ndarray]:
            return _total_and_gradient(params, fit_rows)

        return objective

    def log_likelihood(self, data: Any) -> np.ndarray:
        """Log-likelihood of each customer at the fitted parameters (equation 6)."""
        params = self._require_fitted("log_likelihood")
        return bg_nbd_log_likelihood(params, *rfm_columns(data))

    def expected_purchases(self, t: Any) -> np.ndarray:
        """Return the expected repeat purchases of a new customer in ``(0, t]``.

        ``E[X(t)]``, equation 9::

            (a + b - 1) / (a - 1) * [1 - (alpha / (alpha + t))**r
                                       * 2F1(r, b; a + b - 1; t / (alpha + t))]

        Undefined at ``a == 1`` exactly (the limit exists; fits practically never land
        there).
        """
        r, alpha, a, b = self._require_fitted("expected_purchases")
        t = np.asarray(t, dtype=float)
        z = t / (alpha + t)
        tail = np.exp(r * np.log(alpha / (alpha + t))) * hyp2f1(r, b, a + b - 1, z)
        result: np.ndarray = (a + b - 1) / (a - 1) * (1 - tail)
        return result
