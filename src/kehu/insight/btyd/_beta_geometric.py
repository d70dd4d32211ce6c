"""What BG/NBD and MBG/NBD share: the beta-geometric dropout and its predictions.

Under both models a customer, while active, buys following a Poisson process with rate
``lambda ~ Gamma(shape=r, rate=alpha)`` and, at each chance to drop out, leaves for good
with probability ``p ~ Beta(a, b)``. They differ only in when the first chance comes:
after the first repeat purchase under BG/NBD (Fader, Hardie & Lee 2005), at time 0,
right after the first purchase, under MBG/NBD (Batislam, Denizel & Filiztekin 2007).
:class:`BetaGeometricModel` holds what follows from that one difference, so each
formula below has one home; :mod:`~kehu.insight.btyd.bg_nbd` and
:mod:`~kehu.insight.btyd.mbg_nbd` keep their likelihoods and ``E[X(t)]``.

With ``j`` the purchase after which the first chance comes (``j = 1`` under BG/NBD,
``j = 0`` under MBG/NBD), a customer with ``x`` repeat purchases has had ``x - j + 1``
chances: the dropped-out term of the likelihood carries ``B(a + 1, b + x - j)``, the
still-active one ``B(a, b + x - j + 1)``, and a customer with ``x < j`` cannot have
dropped out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1

from kehu.insight.base import Likelihood, LikelihoodModel
from kehu.insight.btyd._inputs import (
    CompressedRows,
    compress_rows,
    mean_purchase_rate,
    rfm_columns,
    rfm_rows,
)
from kehu.insight.btyd._parallel import map_threads, row_slices
from kehu.insight.likelihood import Objective

__all__ = [
    "BetaGeometricModel",
    "FitRows",
    "count_terms",
    "log_odds_dropped",
    "total_and_gradient",
]


def log_odds_dropped(
    params: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, *, first: float
) -> np.ndarray:
    """Return the log odds of dropped out after the last purchase against still active.

    ``log[a / (b + x - j) * ((alpha + T) / (alpha + t_x))**(r + x)]`` with ``j =
    first`` (module docstring); ``-inf`` where ``x < j``, a customer who has had no
    chance to drop out.
    """
    r, alpha, a, b = params
    x_safe = np.maximum(x, first)  # keeps b + x - j > 0 where the term is masked out
    odds = np.log(a) - np.log(b + x_safe - first)
    odds = odds + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
    result: np.ndarray = np.where(x >= first, odds, -np.inf)
    return result


def _probability_alive(
    params: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, *, first: float
) -> np.ndarray:
    out = np.empty(np.broadcast_shapes(x.shape, t_x.shape, T.shape))
    if out.ndim != 1 or x.shape != out.shape or t_x.shape != out.shape or T.shape != out.shape:
        result: np.ndarray = expit(-log_odds_dropped(params, x, t_x, T, first=first))
        return result

    def part(rows: slice) -> None:
        out[rows] = expit(-log_odds_dropped(params, x[rows], t_x[rows], T[rows], first=first))

    map_threads(part, row_slices(out.size))
    return out


def _expected_if_alive(
    params: np.ndarray, t: np.ndarray, x: np.ndarray, T: np.ndarray, *, first: float
) -> np.ndarray:
    r, alpha, a, b = params
    c = a + b + x - first
    z = t / (alpha + T + t)
    tail = np.exp((a - 1) * np.log1p(-z)) * hyp2f1(a + b - first - r, a - 1, c, z)
    expected: np.ndarray = c / (a - 1) * (1 - tail)
    return expected


def count_terms(
    params: np.ndarray, x: np.ndarray, *, first: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the parts of the likelihood that depend on the count ``x`` alone.

    The gamma-ratio head (without ``r log alpha``) and the beta ratios of the active
    term, ``B(a, b + x - j + 1) / B(a, b)``, and of the dropped-out one, ``B(a + 1, b + x
    - j) / B(a, b)`` (``-inf`` where ``x < j``), with ``j = first`` (module docstring).
    """
    r, _, a, b = params
    beta_ab = betaln(a, b)
    head = gammaln(r + x) - gammaln(r)
    alive = betaln(a, b + x - first + 1) - beta_ab
    x_safe = np.where(x >= first, x, first)  # keeps b + x - j > 0 where the term is masked out
    dropped = np.where(x >= first, betaln(a + 1, b + x_safe - first) - beta_ab, -np.inf)
    return head, alive, dropped


@dataclass(frozen=True)
class FitRows:
    """Distinct ``(x, t_x, T)`` rows laid out for the likelihood.

    Sorted by ``x`` (so each count is one contiguous block), ``T`` and ``t_x`` as codes
    into their few distinct values (logs and reciprocals are then computed per value,
    not per row), and the per-``T`` weight sums that turn the alive term's sums into
    short dot products. Customers who cannot have dropped out (``x < j``: no repeat
    purchase under BG/NBD) need no per-row work.
    """

    first: float  # j of the module docstring
    x: np.ndarray  # counts of the rows with x >= j
    weights: np.ndarray  # their weights
    t_x_code: np.ndarray
    T_code: np.ndarray
    t_x_levels: np.ndarray
    T_levels: np.ndarray
    counts: np.ndarray  # distinct counts, those below j included when present
    count_weights: np.ndarray  # summed weight of each count
    count_code: np.ndarray  # each row's position among the counts >= j
    positive: np.ndarray  # which of ``counts`` are >= j
    weight_by_T: np.ndarray  # sum of weights per T level (all rows)
    weighted_x_by_T: np.ndarray  # sum of weight * x per T level
    n: float

    @classmethod
    def from_rows(cls, rows: CompressedRows, *, first: float) -> FitRows:
        x, _, _ = rows.columns
        _, t_x_code, T_code = rows.codes
        w = rows.weights
        counts, starts = np.unique(x, return_index=True)  # x is sorted: blocks
        count_weights = np.add.reduceat(w, starts)
        positive = counts >= first
        start = int(starts[positive][0]) if positive.any() else x.size
        n_T = rows.levels[2].size
        return cls(
            first=first,
            x=x[start:],
            weights=w[start:],
            t_x_code=t_x_code[start:],
            T_code=T_code[start:],
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


def total_and_gradient(params: np.ndarray, rows: FitRows) -> tuple[float, np.ndarray]:
    """Weighted total log-likelihood and its analytic gradient in ``(r, alpha, a, b)``.

    Each customer's likelihood is ``head + log(e^A + e^D)`` with the alive term ``A`` and
    the dropped-out term ``D`` (``-inf`` when ``x < j``); written as ``head + A +
    softplus(D - A)``, the ``head + A`` part sums per count and per ``T`` level, and only
    ``softplus(gap)`` and the share ``w = sigmoid(gap)`` of the dropped-out term need a
    pass over the rows that may have dropped out. Each derivative is ``d(head + A) + w
    d(gap)``; ``d gap / d a = 1 / a`` and ``d gap / d b = -1 / (b + x - j)``.
    """
    r, alpha, a, b = params
    first = rows.first
    u, per_count, n = rows.counts, rows.count_weights, rows.n
    head_u, alive_u, dropped_u = count_terms(params, u, first=first)
    log_T, log_t_x = np.log(alpha + rows.T_levels), np.log(alpha + rows.t_x_levels)
    alive_by_T = r * rows.weight_by_T + rows.weighted_x_by_T  # sum of w (r + x) per T
    total = per_count @ (head_u + alive_u) + r * np.log(alpha) * n - alive_by_T @ log_T
    d_r = per_count @ (digamma(r + u) - digamma(r)) + np.log(alpha) * n
    d_r -= rows.weight_by_T @ log_T
    d_alpha = r / alpha * n - alive_by_T @ (1 / (alpha + rows.T_levels))
    psi_ab_u = digamma(a + b) - digamma(a + b + u - first + 1)
    d_a = per_count @ psi_ab_u
    d_b = per_count @ (psi_ab_u - digamma(b) + digamma(b + u - first + 1))
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
            softplus, share = softplus_and_sigmoid(gap)
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
        d_b -= ww_by_count @ (1 / (u[rows.positive] + b - first))
    return float(total), np.array([d_r, d_alpha, d_a, d_b])


def softplus_and_sigmoid(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return ``log(1 + e^z)`` and ``1 / (1 + e^-z)`` from one sigmoid of ``|z|``.

    ``|z|``'s sigmoid lies in [0.5, 1], so its log is exact to rounding: a third of the
    time of ``np.logaddexp`` plus ``expit``, and finite for any ``z``.
    """
    sigmoid_abs = expit(np.abs(z))
    softplus = np.maximum(z, 0.0) - np.log(sigmoid_abs)
    return softplus, 0.5 + np.copysign(sigmoid_abs - 0.5, z)


class BetaGeometricModel(LikelihoodModel):
    """Base of :class:`~kehu.insight.btyd.BgNbd` and :class:`~kehu.insight.btyd.MbgNbd`.

    A subclass sets ``_first_dropout`` (``j`` of the module docstring), builds its
    likelihood's objective over the compressed rows (:meth:`_objective`) and gives
    ``expected_purchases`` and ``log_likelihood``; the fit's start, ``P(alive)``, the
    conditional expectation and ``P(X(t) = n)`` are here.
    """

    _param_names = ("r", "alpha", "a", "b")
    #: The purchase after which a customer may first drop out: 1 (the first repeat
    #: purchase) under BG/NBD, 0 (the first purchase) under MBG/NBD.
    _first_dropout: ClassVar[float]

    def _objective(self, rows: CompressedRows) -> Objective:
        """Return ``params -> (total log-likelihood, gradient)`` over ``rows``."""
        raise NotImplementedError

    def _likelihood(self, data: Any, weights: Any) -> Likelihood:
        """Build the likelihood over the distinct ``(frequency, recency, T)`` rows of ``data``.

        The model's likelihood over the distinct rows, from ``r = a = b = 1`` and
        ``alpha`` matched to the mean purchase rate.
        """
        rows = rfm_rows(data, weights)
        objective = self._objective(rows)
        start = np.array([1.0, 1.0 / mean_purchase_rate(rows), 1.0, 1.0])
        return Likelihood(objective, start, float(rows.weights.sum()), rows.n_distinct)

    def conditional_probability_alive(self, data: Any) -> np.ndarray:
        """Probability that each customer is still alive, ``P(alive | x, t_x, T)``.

        BG/NBD: Fader, Hardie & Lee 2005b, "Computing P(alive) using the BG/NBD model",
        equation 2; MBG/NBD: Batislam et al. 2007, appendix A, equation 5. Both are::

            1 / (1 + [x >= j] a / (b + x - j) * ((alpha + T) / (alpha + t_x))**(r + x))

        with ``j = 1`` under BG/NBD (a customer without repeat purchases is alive) and
        ``j = 0`` under MBG/NBD (below 1 for every customer, one-time buyers included),
        computed as a logistic function of the log odds, so it never overflows.

        Parameters
        ----------
        data : table
            Columns ``frequency``, ``recency``, ``T``.
        """
        params = self._require_fitted("conditional_probability_alive")
        return _probability_alive(params, *rfm_columns(data), first=self._first_dropout)

    def conditional_expected_purchases(self, t: Any, data: Any) -> np.ndarray:
        """Return the expected repeat purchases of each customer in the next ``t`` time units.

        ``E[Y(t) | x, t_x, T]`` given the history (BG/NBD: Fader, Hardie & Lee 2005,
        equation 10; MBG/NBD: Batislam et al. 2007, appendix A, equation 7, as corrected
        by Wagner & Hoppe 2008), with ``c = a + b + x - j``::

            c / (a - 1)
              * [1 - ((alpha + T) / (alpha + T + t))**(r + x)
                     * 2F1(r + x, b + x - j + 1; c; t / (alpha + T + t))]
              * P(alive | x, t_x, T)

        The hypergeometric factor is evaluated after Euler's transformation,
        ``(1 - z)**(r + x) 2F1(r + x, b + x - j + 1; c; z) = (1 - z)**(a - 1)
        2F1(a + b - j - r, a - 1; c; z)``, whose series has small numerator parameters
        and a large denominator ``c``, so it neither overflows nor loses precision for
        customers with hundreds of purchases.

        Parameters
        ----------
        t : float or array_like
            Horizon(s), broadcast against the rows of ``data``.
        data : table
            Columns ``frequency``, ``recency``, ``T``.
        """
        params = self._require_fitted("conditional_expected_purchases")
        x, t_x, T = rfm_columns(data)
        t = np.asarray(t, dtype=float)
        first = self._first_dropout
        if t.ndim == 0:  # one horizon: the expectation if alive depends on (x, T) alone,
            # which take far fewer distinct values than customers (27 k for a million)
            pairs = compress_rows(x, T, sort=False)
            if_alive = _expected_if_alive(params, t, *pairs.columns, first=first)[pairs.inverse]
        else:
            if_alive = _expected_if_alive(params, t, x, T, first=first)
        result: np.ndarray = if_alive * _probability_alive(params, x, t_x, T, first=first)
        return result

    def discounted_expected_purchases(self, t: Any, discount: Any, data: Any) -> np.ndarray:
        """Return ``sum_k discount_k (E[Y(t_k) | .] - E[Y(t_(k-1)) | .])`` per customer (t_0 = 0).

        The conditional expectation (:meth:`conditional_expected_purchases`) at every
        horizon of ``t`` at once, each period's increment weighted by its ``discount``
        (what :func:`~kehu.insight.btyd.customer_lifetime_value` sums). The expectation
        if alive depends on ``(x, T)`` alone, so it is computed once per distinct pair
        and horizon, and ``P(alive)`` once per customer.
        """
        params = self._require_fitted("discounted_expected_purchases")
        x, t_x, T = rfm_columns(data)
        t = np.asarray(t, dtype=float).reshape(-1, 1)
        discount = np.asarray(discount, dtype=float).reshape(-1)
        first = self._first_dropout
        pairs = compress_rows(x, T, sort=False)
        px, pT = (column[None, :] for column in pairs.columns)
        chunks = np.array_split(np.arange(t.shape[0]), min(t.shape[0], 8))
        curve = np.concatenate(
            map_threads(lambda k: _expected_if_alive(params, t[k], px, pT, first=first), chunks)
        )
        per_pair = discount @ np.diff(curve, axis=0, prepend=0.0)
        result: np.ndarray = per_pair[pairs.inverse] * _probability_alive(
            params, x, t_x, T, first=first
        )
        return result

    def probability_of_purchases(self, n: Any, t: Any) -> np.ndarray:
        """Probability ``P(X(t) = n)`` that a new customer makes ``n`` repeat purchases.

        BG/NBD: Fader, Hardie & Lee 2005, equation 8; MBG/NBD: Batislam et al. 2007,
        appendix A, equation 4. With the negative-binomial parts computed by
        :mod:`scipy.stats.nbinom` (log-pmf and survival function), both are::

            B(a, b + n - j + 1) / B(a, b) * NB(n; r, alpha / (alpha + t))
              + [n >= j] B(a + 1, b + n - j) / B(a, b) * P(NB(r, alpha / (alpha + t)) >= n)

        (under MBG/NBD, for ``n = 0`` the second term is the chance ``a / (a + b)`` of
        dropping out at once).
        """
        from scipy.stats import nbinom  # ~1 s to import: only where it is used

        r, alpha, a, b = self._require_fitted("probability_of_purchases")
        first = self._first_dropout
        n = np.asarray(n, dtype=float)
        q = alpha / (alpha + np.asarray(t, dtype=float))
        beta_ab = betaln(a, b)
        active = np.exp(betaln(a, b + n + (1 - first)) - beta_ab + nbinom.logpmf(n, r, q))
        n_safe = np.maximum(n, first)
        dropped = np.exp(betaln(a + 1, b + n_safe - first) - beta_ab) * nbinom.sf(n - 1, r, q)
        result: np.ndarray = active + np.where(n >= first, dropped, 0.0)
        return result
