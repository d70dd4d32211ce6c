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
from scipy.special import betaln, gammaln, hyp2f1

from kehu.insight.btyd._beta_geometric import (
    BetaGeometricModel,
    FitRows,
    log_odds_dropped,
    total_and_gradient,
)
from kehu.insight.btyd._inputs import CompressedRows, compress_rows, rfm_columns
from kehu.insight.likelihood import Objective

__all__ = ["MbgNbd", "mbg_nbd_log_likelihood", "mbg_nbd_log_likelihood_and_gradient"]


#: A customer may drop out at time 0, right after the first purchase (``j = 0`` of
#: :mod:`~kehu.insight.btyd._beta_geometric`): the one change from BG/NBD.
FIRST_DROPOUT = 0.0


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
    params, x, t_x, T
        As in :func:`~kehu.insight.btyd.bg_nbd.bg_nbd_log_likelihood`.
    """
    params = np.asarray(params, dtype=float)
    r, alpha, a, b = params
    head = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    alive = betaln(a, b + x + 1) - betaln(a, b) - (r + x) * np.log(alpha + T)
    gap = log_odds_dropped(params, x, t_x, T, first=FIRST_DROPOUT)
    result: np.ndarray = head + alive + np.logaddexp(0.0, gap)
    return result


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
    rows = compress_rows(x, t_x, T, weights=weights)
    fit_rows = FitRows.from_rows(rows, first=FIRST_DROPOUT)
    return total_and_gradient(np.asarray(params, dtype=float), fit_rows)


class MbgNbd(BetaGeometricModel):
    """The MBG/NBD model (Batislam, Denizel & Filiztekin 2007), fitted by maximum likelihood.

    The MBG/NBD model (Batislam, Denizel & Filiztekin 2007), fitted by maximum
    likelihood.

    Identical ``(frequency, recency, T)`` rows are collapsed into weights before the
    fit; the optimiser is L-BFGS-B on the log-parameters with the analytic gradient, and
    standard errors come from the inverse of a numerical Hessian of that gradient.

    Parameters
    ----------
    tol, max_iter, initial_params
        As in :class:`~kehu.insight.btyd.BgNbd`: ``{"r", "alpha", "a", "b"}``, from
        ``r = a = b = 1`` and ``alpha`` matched to the mean purchase rate by default.

    Attributes
    ----------
    r_, alpha_ : float
        Shape and rate of the gamma distribution of the purchase rate ``lambda`` while
        active; mean rate ``r / alpha`` per time unit of the input.
    a_, b_ : float
        Parameters of the beta distribution of the dropout probability ``p`` at time 0
        and after each repeat purchase; mean ``a / (a + b)``.
    params_, log_likelihood_, aic_, bic_, standard_errors_, covariance_, converged_,
    convergence_message_, n_iter_, n_customers_, n_distinct_
        As in :class:`~kehu.insight.base.LikelihoodModel`.

    Notes
    -----
    The input is that of :class:`~kehu.insight.btyd.BgNbd`: the columns ``frequency``,
    ``recency`` and ``T``, in one time unit.

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

    _model_name = "MBG/NBD"
    _first_dropout = FIRST_DROPOUT

    def _objective(self, rows: CompressedRows) -> Objective:
        """Return the likelihood of the compressed rows, with its analytic gradient."""
        fit_rows = FitRows.from_rows(rows, first=FIRST_DROPOUT)

        def objective(params: np.ndarray) -> tuple[float, np.ndarray]:
            return total_and_gradient(params, fit_rows)

        return objective

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
