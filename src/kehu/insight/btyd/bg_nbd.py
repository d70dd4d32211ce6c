"""BG/NBD: the beta-geometric/negative-binomial model of repeat buying.

BG/NBD: the beta-geometric/negative-binomial model of repeat buying in a
non-contractual setting (Fader, Hardie & Lee 2005, "Counting your customers the easy
way: an alternative to the Pareto/NBD model", Marketing Science 24(2), 275-284).

While active, a customer buys following a Poisson process with rate ``lambda``,
``lambda ~ Gamma(shape=r, rate=alpha)``; after each purchase the customer drops out for
good with probability ``p``, ``p ~ Beta(a, b)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import hyp2f1

from kehu.insight.btyd._beta_geometric import (
    BetaGeometricModel,
    FitRows,
    count_terms,
    total_and_gradient,
)
from kehu.insight.btyd._inputs import (
    CompressedRows,
    CountGroups,
    compress_rows,
    group_counts,
    rfm_columns,
)
from kehu.insight.likelihood import Objective

__all__ = ["BgNbd", "bg_nbd_log_likelihood", "bg_nbd_log_likelihood_and_gradient"]


def _row_terms(
    params: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, groups: CountGroups
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r, alpha, _, _ = params
    head, alive, dropped = (g[groups.index] for g in count_terms(params, groups.values, first=1.0))
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


def bg_nbd_log_likelihood_and_gradient(
    params: np.ndarray,
    x: np.ndarray,
    t_x: np.ndarray,
    T: np.ndarray,
    weights: np.ndarray | None = None,
) -> tuple[float, np.ndarray]:
    """Return the weighted total BG/NBD log-likelihood and its analytic gradient.

    Weighted total log-likelihood and its analytic gradient in ``(r, alpha, a, b)``
    (see :func:`~kehu.insight.btyd._beta_geometric.total_and_gradient`; the rows are
    compressed first).
    """
    rows = compress_rows(x, t_x, T, weights=weights)
    return total_and_gradient(np.asarray(params, dtype=float), FitRows.from_rows(rows, first=1.0))


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
        fit_rows = FitRows.from_rows(rows, first=1.0)

        def objective(params: np.ndarray) -> tuple[float, np.ndarray]:
            return total_and_gradient(params, fit_rows)

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
