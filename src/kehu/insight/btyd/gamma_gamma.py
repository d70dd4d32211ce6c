"""Gamma-Gamma model of spend per transaction.

Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005, "RFM and
CLV: using iso-value curves for customer base analysis", Journal of Marketing Research
42(4), 415-430, section 4 and appendix; after Colombo & Jiang 1999).

Each transaction's value is ``z ~ Gamma(shape=p, rate=nu)``; the customer-level rate is
``nu ~ Gamma(shape=q, rate=v)``. The model assumes spend per transaction is independent
of the number of transactions: check ``frequency_monetary_correlation_``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import digamma, gammaln

from kehu.insight.base import Likelihood, LikelihoodModel
from kehu.insight.btyd._inputs import (
    check_counts,
    check_nonnegative,
    compress_rows,
    read_columns,
    read_weights,
)
from kehu.insight.errors import InputError

__all__ = ["GammaGamma", "gamma_gamma_log_likelihood_and_gradient"]


def gamma_gamma_log_likelihood_and_gradient(
    params: np.ndarray, x: np.ndarray, m: np.ndarray, weights: np.ndarray
) -> tuple[float, np.ndarray]:
    """Weighted Gamma-Gamma log-likelihood and its analytic gradient in ``(p, q, v)``.

    The likelihood of the mean repeat spend ``m`` of customers with ``x >= 1`` repeat
    transactions::

        log Gamma(p x + q) - log Gamma(p x) - log Gamma(q) + q log v
          + (p x - 1) log m + p x log x - (p x + q) log(v + m x)

    (the density of the mean of ``x`` gamma-distributed values, mixed over ``nu``).
    """
    return _SpendTerms(x, m, weights).log_likelihood_and_gradient(params)


class _SpendTerms:
    """What the Gamma-Gamma likelihood needs that does not change with the parameters.

    What the likelihood needs that does not change while the parameters do: logs of
    ``m`` and ``x``, and the distinct counts (gamma and digamma of ``p x + q`` depend on
    ``x`` alone, so they are computed once per distinct count, not once per row).
    """

    def __init__(self, x: np.ndarray, m: np.ndarray, weights: np.ndarray) -> None:
        self.x, self.m, self.w = x, m, weights
        self.log_m = np.log(m)
        self.log_x = np.log(x)
        self.counts, self.index = np.unique(x, return_inverse=True)
        self.w_by_count = np.bincount(self.index, weights=weights)
        self.wx_by_count = self.w_by_count * self.counts
        self.w_log_m = float(weights @ self.log_m)
        self.wx_log_m = float((weights * x) @ self.log_m)
        self.wx_log_x = float((weights * x) @ self.log_x)

    def log_likelihood_and_gradient(self, params: np.ndarray) -> tuple[float, np.ndarray]:
        p, q, v = params
        k = self.counts
        pk = p * k
        total_w = self.w_by_count.sum()
        vmx = v + self.m * self.x
        log_vmx = np.log(vmx)
        w_log_vmx = self.w @ log_vmx
        wx_log_vmx = (self.w * self.x) @ log_vmx
        psi_pkq = digamma(pk + q)
        by_count = gammaln(pk + q) - gammaln(pk)
        value = (
            self.w_by_count @ by_count
            - total_w * gammaln(q)
            + q * np.log(v) * total_w
            + p * self.wx_log_m
            - self.w_log_m
            + p * self.wx_log_x
            - p * wx_log_vmx
            - q * w_log_vmx
        )
        d_p = (
            self.wx_by_count @ (psi_pkq - digamma(pk)) + self.wx_log_m + self.wx_log_x - wx_log_vmx
        )
        d_q = self.w_by_count @ psi_pkq - total_w * digamma(q) + total_w * np.log(v) - w_log_vmx
        d_v = total_w * q / v - self.w @ ((p * self.x + q) / vmx)
        return float(value), np.array([d_p, d_q, d_v], dtype=float)


def _spend_columns(data: Any) -> tuple[np.ndarray, np.ndarray]:
    columns = read_columns(data, ["frequency", "monetary_value"])
    x, m = columns["frequency"], columns["monetary_value"]
    check_counts("frequency", x)
    check_nonnegative("monetary_value", m)
    unpaid = np.flatnonzero((x > 0) & (m <= 0))
    if unpaid.size:
        raise InputError(
            f"monetary_value must be > 0 for customers with repeat purchases, got "
            f"{float(m[unpaid[0]])!r} at row {unpaid[0]} ({unpaid.size} rows violate this)"
        )
    return x, m


class GammaGamma(LikelihoodModel):
    """The Gamma-Gamma spend model (Fader, Hardie & Lee 2005b), fitted by maximum likelihood.

    The Gamma-Gamma spend model (Fader, Hardie & Lee 2005b), fitted by maximum
    likelihood on customers with at least one repeat purchase.

    Parameters
    ----------
    tol, max_iter, initial_params
        As in :class:`~kehu.insight.base.LikelihoodModel`; ``initial_params`` is
        ``{"p", "q", "v"}``; ``None`` starts from ``p = 1, q = 2`` and ``v``
        matched to the mean spend.

    Attributes
    ----------
    p_ : float
        Shape of the gamma distribution of one transaction's value ``z`` given the
        customer's rate ``nu`` (paper appendix, equation A1): ``E[z | nu] = p / nu``.
    q_, v_ : float
        Shape and rate of the gamma distribution of ``nu`` across customers; the
        population mean spend per transaction is ``p v / (q - 1)`` (needs ``q > 1``).
    params_, log_likelihood_, aic_, bic_, standard_errors_, covariance_, converged_,
    convergence_message_, n_iter_, n_customers_, n_distinct_
        As in :class:`~kehu.insight.base.LikelihoodModel`; ``n_customers_`` counts the repeat
        customers used.
    frequency_monetary_correlation_ : float
        Pearson correlation of ``frequency`` and ``monetary_value`` among the customers
        fitted. The model assumes they are independent; a correlation far from 0 means
        its spend predictions should not be trusted.

    Notes
    -----
    Input tables need the columns ``frequency`` (repeat purchases) and
    ``monetary_value`` (mean value of the repeat purchases, > 0 when frequency > 0).
    Rows with ``frequency == 0`` carry no information about spend and are left out of
    the fit (they are still predicted: the population mean).

    Examples
    --------
    >>> model = GammaGamma.from_params(p=6.2488, q=3.7446, v=15.4477)
    >>> spend = model.conditional_expected_average_spend(
    ...     {"frequency": [0, 2], "monetary_value": [0.0, 22.345]})
    >>> [round(float(s), 2) for s in spend]
    [35.17, 24.65]
    """

    frequency_monetary_correlation_: float  # set by fit

    _param_names = ("p", "q", "v")
    _model_name = "Gamma-Gamma"

    def _likelihood(self, data: Any, weights: Any) -> Likelihood:
        """Build the likelihood of the rows with ``frequency >= 1``.

        Return the likelihood of the rows with ``frequency >= 1`` (the others carry no
        information about spend), from ``p = 1, q = 2`` and ``v`` matched to the mean spend.
        """
        x, m = _spend_columns(data)
        w = read_weights(weights, x.size)
        repeat = (x > 0) & (w > 0)
        if repeat.sum() < 2:
            raise InputError(
                f"Gamma-Gamma needs at least 2 customers with frequency >= 1, got "
                f"{int(repeat.sum())}"
            )
        x, m, w = x[repeat], m[repeat], w[repeat]
        rows = compress_rows(x, m, weights=w, sort=False)
        cx, cm = rows.columns

        terms = _SpendTerms(cx, cm, rows.weights)
        return Likelihood(
            terms.log_likelihood_and_gradient,
            np.array([1.0, 2.0, float(w @ m / w.sum())]),
            float(rows.weights.sum()),
            rows.n_distinct,
            {"frequency_monetary_correlation": _weighted_correlation(x, m, w)},
        )

    def conditional_expected_average_spend(self, data: Any) -> np.ndarray:
        """Return the expected spend per transaction of each customer given their history.

        Paper equation 5, a weighted mean of the population mean ``p v / (q - 1)`` and
        the customer's own mean ``m``::

            p (v + x m) / (p x + q - 1)

        Customers with ``x = 0`` get the population mean (infinite when ``q <= 1``).
        """
        p, q, v = self._require_fitted("conditional_expected_average_spend")
        x, m = _spend_columns(data)
        with np.errstate(divide="ignore"):
            result: np.ndarray = p * (v + x * m) / np.where(p * x + q - 1 > 0, p * x + q - 1, 0.0)
            return result

    def population_mean_spend(self) -> float:
        """Return ``p v / (q - 1)``, the mean spend per transaction across customers.

        ``p v / (q - 1)``, the mean spend per transaction across customers (``inf``
        when ``q <= 1``).
        """
        p, q, v = self._require_fitted("population_mean_spend")
        return float(p * v / (q - 1)) if q > 1 else float("inf")


def _weighted_correlation(x: np.ndarray, m: np.ndarray, w: np.ndarray) -> float:
    if np.ptp(x) == 0 or np.ptp(m) == 0:
        return float("nan")
    covariance = np.cov(x, m, aweights=w)
    return float(covariance[0, 1] / np.sqrt(covariance[0, 0] * covariance[1, 1]))
