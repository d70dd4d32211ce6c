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

from typing import Any, ClassVar

import numpy as np
from scipy.special import betaln, expit, hyp2f1

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

__all__ = ["BetaGeometricModel", "log_odds_dropped"]


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
