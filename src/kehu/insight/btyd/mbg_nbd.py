"""MBG/NBD: the modified beta-geometric/negative-binomial model of repeat buying.

MBG/NBD: the modified beta-geometric/negative-binomial model of repeat buying
(Batislam, Denizel & Filiztekin 2007, "Empirical validation and comparison of models for
customer base analysis", International Journal of Research in Marketing 24(3), 201-209;
with the erratum of Wagner & Hoppe 2008, IJRM 25(3), 225-226).

While active, a customer buys following a Poisson process with rate ``lambda``,
``lambda ~ Gamma(shape=r, rate=alpha)``; at time 0 (right after the first purchase)
and after each repeat purchase the customer drops out for good with probability
``p``, ``p ~ Beta(a, b)``.

The one change from BG/NBD (:mod:`kehu.insight.btyd.bg_nbd`) is the dropout chance at
time 0: under BG/NBD a customer without repeat purchases cannot have dropped out, so
P(alive) is 1 for every one-time buyer however long ago they bought; under MBG/NBD it
falls with the time since that purchase.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1
from scipy.stats import nbinom

from kehu.insight.base import Likelihood, LikelihoodModel
from kehu.insight.btyd._inputs import mean_purchase_rate, rfm_columns, rfm_rows

__all__ = ["MbgNbd", "mbg_nbd_log_likelihood", "mbg_nbd_log_likelihood_and_gradient"]


def _log_odds_dropped(
    params: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """Return the log odds of dropped out after the last purchase against still active.

    ``log[a / (b + x) * ((alpha + T) / (alpha + t_x))**(r + x)]``: the log odds of
    "dropped out after the last purchase" against "still active at T".
    """
    r, alpha, a, b = params
    result: np.ndarray = (
        np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
    )
    return result


def mbg_nbd_log_likelihood(
    params: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """Log-likelihood of each customer (Batislam et al. 2007, appendix A, equation 3).

    ::

        L = B(a, b + x + 1) / B(a, b) * Gamma(r + x) alpha**r / Gamma(r)
              * (alpha + T)**-(r + x)
            + B(a + 1, b + x) / B(a, b) * Gamma(r + x) alpha**r / Gamma(r)
              * (alpha + t_x)**-(r + x)

    (the second term for every ``x``, 0 included), in log space: the first term's log
    plus ``softplus`` of the log odds of the second against it, finite for hundreds of
    purchases.

    Parameters
    ----------
    params : array_like
        ``(r, alpha, a, b)``.
    x, t_x, T : numpy.ndarray
        Repeat purchases, time of the last one, and time since the first purchase.
    """
    params = np.asarray(params, dtype=float)
    r, alpha, a, b = params
    head = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    alive = betaln(a, b + x + 1) - betaln(a, b) - (r + x) * np.log(alpha + T)
    result: np.ndarray = head + alive + np.logaddexp(0.0, _log_odds_dropped(params, x, t_x, T))
    return result


def _total_and_gradient(
    params: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, w: np.ndarray
) -> tuple[float, np.ndarray]:
    """Weighted total log-likelihood and its analytic gradient in ``(r, alpha, a, b)``.

    With ``gap`` the log odds of :func:`_log_odds_dropped` and ``s = sigmoid(gap)`` (the
    posterior share of the dropped-out term), each derivative is that of the
    still-active term plus ``s`` times that of ``gap``.
    """
    r, alpha, a, b = params
    gap = _log_odds_dropped(params, x, t_x, T)
    share = expit(gap)
    rx = r + x
    log_T, log_t_x = np.log(alpha + T), np.log(alpha + t_x)
    values = (
        gammaln(rx)
        - gammaln(r)
        + r * np.log(alpha)
        + betaln(a, b + x + 1)
        - betaln(a, b)
        - rx * log_T
        + np.logaddexp(0.0, gap)
    )
    psi_ab, psi_abx = digamma(a + b), digamma(a + b + x + 1)
    d_r = digamma(rx) - digamma(r) + np.log(alpha) - log_T + share * (log_T - log_t_x)
    d_alpha = r / alpha - rx / (alpha + T) + share * rx * (1 / (alpha + T) - 1 / (alpha + t_x))
    d_a = psi_ab - psi_abx + share / a
    d_b = digamma(b + x + 1) - psi_abx - digamma(b) + psi_ab - share / (b + x)
    gradient = np.array([w @ d_r, w @ d_alpha, w @ d_a, w @ d_b])
    return float(w @ values), gradient


def mbg_nbd_log_likelihood_and_gradient(
    params: np.ndarray,
    x: np.ndarray,
    t_x: np.ndarray,
    T: np.ndarray,
    weights: np.ndarray | None = None,
) -> tuple[float, np.ndarray]:
    """Return the weighted total MBG/NBD log-likelihood and its analytic gradient.

    Weighted total log-likelihood and its analytic gradient (see
    :func:`_total_and_gradient`).
    """
    w = np.ones(x.size) if weights is None else np.asarray(weights, dtype=float)
    return _total_and_gradient(np.asarray(params, dtype=float), x, t_x, T, w)


class MbgNbd(LikelihoodModel):
    """The MBG/NBD model (Batislam, Denizel & Filiztekin 2007), fitted by maximum likelihood.

    The MBG/NBD model (Batislam, Denizel & Filiztekin 2007), fitted by maximum
    likelihood.

    Identical ``(frequency, recency, T)`` rows are collapsed into weights before the
    fit; the optimiser is L-BFGS-B on the log-parameters with the analytic gradient, and
    standard errors come from the inverse of a numerical Hessian of that gradient.

    Parameters
    ----------
    tol : float
        Convergence tolerance of L-BFGS-B (``ftol`` and ``gtol``) on the log-likelihood
        scaled by its starting value.
    max_iter : int
        Maximum number of optimiser iterations.
    initial_params : dict or None
        Starting ``{"r", "alpha", "a", "b"}``; ``None`` starts from ``r = a = b = 1``
        and ``alpha`` matched to the mean purchase rate.

    Attributes
    ----------
    r_, alpha_ : float
        Shape and rate of the gamma distribution of the purchase rate ``lambda`` while
        active; mean rate ``r / alpha`` per time unit of the input.
    a_, b_ : float
        Parameters of the beta distribution of the dropout probability ``p`` at time 0
        and after each repeat purchase; mean ``a / (a + b)``.
    params_ : dict
        ``{"r", "alpha", "a", "b"}``.
    log_likelihood_, aic_, bic_ : float
        Maximised log-likelihood and the information criteria (BIC with the number of
        customers).
    standard_errors_ : dict
        Asymptotic standard error of each parameter (NaN when the observed information
        is not positive definite; a warning says so).
    covariance_ : numpy.ndarray
        Asymptotic covariance of ``(r, alpha, a, b)``.
    converged_ : bool
        Whether the optimiser converged; when not, a ``ConvergenceWarning`` was issued.
    convergence_message_ : str
    n_iter_ : int
    n_customers_ : float
        Number (sum of weights) of customers fitted.
    n_distinct_ : int
        Number of distinct ``(frequency, recency, T)`` rows the likelihood was computed on.

    Notes
    -----
    Input tables need the columns ``frequency`` (x, repeat purchases), ``recency`` (t_x,
    time of the last repeat purchase since the first; 0 when x = 0) and ``T`` (time since
    the first purchase), all in one time unit (e.g. weeks).

    Examples
    --------
    A one-time buyer is no longer certainly alive, and less so the longer ago the
    purchase was:

    >>> cdnow = MbgNbd.from_params(r=0.5248, alpha=6.1831, a=0.8914, b=1.6140)
    >>> history = {"frequency": [0, 0, 2], "recency": [0.0, 0.0, 30.43],
    ...            "T": [4.0, 38.86, 38.86]}
    >>> [round(float(p), 3) for p in cdnow.conditional_probability_alive(history)]
    [0.582, 0.39, 0.706]

    Fitting takes a table of customers (``MbgNbd().fit(customers)``); see the tests for
    the CDNOW example.
    """

    _param_names = ("r", "alpha", "a", "b")
    _model_name = "MBG/NBD"

    def _likelihood(self, data: Any, weights: Any) -> Likelihood:
        """Build the MBG/NBD likelihood over the distinct ``(frequency, recency, T)`` rows.

        Return the MBG/NBD likelihood over the distinct ``(frequency, recency, T)`` rows, from
        ``r = a = b = 1`` and ``alpha`` matched to the mean purchase rate.
        """
        rows = rfm_rows(data, weights)
        cx, ct_x, cT = rows.columns

        def objective(params: np.ndarray) -> tuple[float, np.ndarray]:
            return _total_and_gradient(params, cx, ct_x, cT, rows.weights)

        start = np.array([1.0, 1.0 / mean_purchase_rate(rows), 1.0, 1.0])
        return Likelihood(objective, start, float(rows.weights.sum()), rows.n_distinct)

    def log_likelihood(self, data: Any) -> np.ndarray:
        """Log-likelihood of each customer at the fitted parameters."""
        params = self._require_fitted("log_likelihood")
        return mbg_nbd_log_likelihood(params, *rfm_columns(data))

    def expected_purchases(self, t: Any) -> np.ndarray:
        """Return the expected repeat purchases of a new customer in ``(0, t]``.

        ``E[X(t)]``, Batislam et al. 2007, appendix A, equation 6::

            b / (a - 1) * [1 - (alpha / (alpha + t))**r
                             * 2F1(r, b + 1; a + b; t / (alpha + t))]
        """
        r, alpha, a, b = self._require_fitted("expected_purchases")
        t = np.asarray(t, dtype=float)
        z = t / (alpha + t)
        tail = np.exp(r * np.log(alpha / (alpha + t))) * hyp2f1(r, b + 1, a + b, z)
        result: np.ndarray = b / (a - 1) * (1 - tail)
        return result

    def conditional_probability_alive(self, data: Any) -> np.ndarray:
        """Probability that each customer is still alive, ``P(alive | x, t_x, T)``.

        Batislam et al. 2007, appendix A, equation 5::

            1 / (1 + a / (b + x) * ((alpha + T) / (alpha + t_x))**(r + x))

        computed as a logistic function of the log odds, so it never overflows. Below 1
        for every customer, one-time buyers included.
        """
        params = self._require_fitted("conditional_probability_alive")
        result: np.ndarray = expit(-_log_odds_dropped(params, *rfm_columns(data)))
        return result

    def conditional_expected_purchases(self, t: Any, data: Any) -> np.ndarray:
        """Return the expected repeat purchases of each customer in the next ``t`` time units.

        ``E[Y(t) | x, t_x, T]`` given the history (Batislam et al. 2007, appendix A,
        equation 7, as corrected by Wagner & Hoppe 2008)::

            (a + b + x) / (a - 1)
              * [1 - ((alpha + T) / (alpha + T + t))**(r + x)
                     * 2F1(r + x, b + x + 1; a + b + x; t / (alpha + T + t))]
              * P(alive | x, t_x, T)

        The hypergeometric factor is evaluated after Euler's transformation,
        ``(1 - z)**(r + x) 2F1(r + x, b + x + 1; c; z) = (1 - z)**(a - 1)
        2F1(a + b - r, a - 1; c; z)`` with ``c = a + b + x``, whose series has small
        numerator parameters, so it stays finite for customers with hundreds of
        purchases.
        """
        params = self._require_fitted("conditional_expected_purchases")
        x, t_x, T = rfm_columns(data)
        r, alpha, a, b = params
        t = np.asarray(t, dtype=float)
        c = a + b + x
        z = t / (alpha + T + t)
        tail = np.exp((a - 1) * np.log1p(-z)) * hyp2f1(a + b - r, a - 1, c, z)
        if_alive = c / (a - 1) * (1 - tail)
        result: np.ndarray = if_alive * expit(-_log_odds_dropped(params, x, t_x, T))
        return result

    def probability_of_purchases(self, n: Any, t: Any) -> np.ndarray:
        """Probability ``P(X(t) = n)`` that a new customer makes ``n`` repeat purchases.

        Batislam et al. 2007, appendix A, equation 4::

            B(a, b + n + 1) / B(a, b) * NB(n; r, alpha / (alpha + t))
              + B(a + 1, b + n) / B(a, b) * P(NB(r, alpha / (alpha + t)) >= n)

        (for ``n = 0`` the second term is the chance ``a / (a + b)`` of dropping out at
        once).
        """
        r, alpha, a, b = self._require_fitted("probability_of_purchases")
        n = np.asarray(n, dtype=float)
        q = alpha / (alpha + np.asarray(t, dtype=float))
        beta_ab = betaln(a, b)
        active = np.exp(betaln(a, b + n + 1) - beta_ab + nbinom.logpmf(n, r, q))
        dropped = np.exp(betaln(a + 1, b + n) - beta_ab) * nbinom.sf(n - 1, r, q)
        result: np.ndarray = active + dropped
        return result
