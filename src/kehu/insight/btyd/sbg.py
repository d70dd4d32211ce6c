"""Shifted-beta-geometric (sBG) model of contractual retention.

Shifted-beta-geometric (sBG) model of contractual retention (Fader & Hardie 2007,
"How to project customer retention", Journal of Interactive Marketing 21(1), 76-90).

At the end of each period a customer still under contract cancels with probability
``theta``, the same every period for that customer; ``theta ~ Beta(alpha, beta)``
across customers. Cohort retention rises over time because the customers likely to
cancel leave first.
"""

from __future__ import annotations

from typing import Any, Self

import numpy as np
from scipy.special import betaln, digamma

from kehu.insight.base import Likelihood, LikelihoodModel
from kehu.insight.btyd._inputs import check_counts
from kehu.insight.errors import InputError

__all__ = ["ShiftedBetaGeometric", "sbg_log_likelihood_and_gradient"]


def sbg_log_likelihood_and_gradient(
    params: np.ndarray, survivors: np.ndarray
) -> tuple[float, np.ndarray]:
    """Log-likelihood of a cohort's survivor counts and its gradient in ``(alpha, beta)``.

    Fader & Hardie 2007, equation 5::

        sum_{t=1..n} (S_{t-1} - S_t) log P(T = t) + S_n log S(n)

    with ``P(T = t) = B(alpha + 1, beta + t - 1) / B(alpha, beta)`` (equation 3) and
    ``S(t) = B(alpha, beta + t) / B(alpha, beta)`` (equation 4).
    """
    alpha, beta = params
    n = survivors.size - 1
    t = np.arange(1, n + 1)
    lost = survivors[:-1] - survivors[1:]
    kept = survivors[-1]
    beta_ab = betaln(alpha, beta)
    log_p = betaln(alpha + 1, beta + t - 1) - beta_ab
    log_s = betaln(alpha, beta + n) - beta_ab
    psi_ab, psi_abt, psi_abn = (
        digamma(alpha + beta),
        digamma(alpha + beta + t),
        digamma(alpha + beta + n),
    )
    d_alpha = lost @ (1 / alpha - psi_abt + psi_ab) + kept * (psi_ab - psi_abn)
    d_beta = lost @ (digamma(beta + t - 1) - psi_abt - digamma(beta) + psi_ab)
    d_beta += kept * (digamma(beta + n) - psi_abn - digamma(beta) + psi_ab)
    return float(lost @ log_p + kept * log_s), np.array([d_alpha, d_beta])


def _survivor_counts(survivors: Any) -> np.ndarray:
    counts = np.asarray(survivors, dtype=float).reshape(-1)
    if counts.size < 2:
        raise InputError(
            f"survivors needs the counts at the start of at least 2 periods, got {counts.size}"
        )
    bad = np.flatnonzero(~np.isfinite(counts))
    if bad.size:
        raise InputError(
            f"survivors must be finite, got {float(counts[bad[0]])!r} at period {bad[0]}"
        )
    check_counts("survivors", counts)
    if counts[0] <= 0:
        raise InputError(f"survivors must start above 0, got {float(counts[0])!r}")
    rising = np.flatnonzero(np.diff(counts) > 0)
    if rising.size:
        i = rising[0] + 1
        raise InputError(
            f"survivors must not increase, got {float(counts[i])!r} at period {i} "
            f"after {float(counts[i - 1])!r}"
        )
    return counts


class ShiftedBetaGeometric(LikelihoodModel):
    """The shifted-beta-geometric retention model (Fader & Hardie 2007).

    The shifted-beta-geometric retention model (Fader & Hardie 2007), fitted by
    maximum likelihood on one cohort's survivor counts.

    Parameters
    ----------
    tol, max_iter, initial_params
        As in :class:`~kehu.insight.base.LikelihoodModel`; ``initial_params`` is
        ``{"alpha", "beta"}``; ``None`` starts from ``alpha = beta = 1``.

    Attributes
    ----------
    alpha_, beta_ : float
        Parameters of the beta distribution of the per-period cancellation probability
        ``theta`` (equation 2); mean ``alpha / (alpha + beta)``.
    n_initial_ : float
        Size of the fitted cohort at period 0.
    params_, log_likelihood_, aic_, bic_, standard_errors_, covariance_, converged_,
    convergence_message_, n_iter_, n_customers_, n_distinct_
        As in :class:`~kehu.insight.base.LikelihoodModel`; ``n_distinct_`` is the number of
        observed periods.

    Examples
    --------
    >>> regular = [1000, 631, 468, 382, 326, 289, 262, 241]
    >>> model = ShiftedBetaGeometric().fit(regular)
    >>> round(model.alpha_, 3), round(model.beta_, 3)
    (0.704, 1.182)
    >>> round(float(model.predict_survivors(12)), 1)
    170.0
    """

    _param_names = ("alpha", "beta")
    _model_name = "shifted-beta-geometric"

    def fit(self, survivors: Any, weights: Any = None) -> Self:
        """Fit to a cohort's survivor counts.

        Fit to the number of customers still active at the start of periods
        ``0, 1, ..., n`` (whole numbers, not increasing, the first above 0).

        Parameters
        ----------
        survivors : array_like
            The cohort's survivor counts.
        weights : None
            Not used: the counts are the customers (an error when given).

        Returns
        -------
        ShiftedBetaGeometric
            ``self``, fitted.
        """
        return super().fit(survivors, weights)

    def _likelihood(self, data: Any, weights: Any) -> Likelihood:
        """Equation 5 over the survivor counts, from ``alpha = beta = 1``."""
        if weights is not None:
            raise InputError("ShiftedBetaGeometric takes no weights: survivors are counts")
        counts = _survivor_counts(data)

        def objective(params: np.ndarray) -> tuple[float, np.ndarray]:
            return sbg_log_likelihood_and_gradient(params, counts)

        return Likelihood(
            objective,
            np.array([1.0, 1.0]),
            float(counts[0]),
            counts.size - 1,
            {"n_initial": float(counts[0])},
        )

    def survival_function(self, t: Any) -> np.ndarray:
        """Return the share of a cohort still active at the start of period ``t``.

        ``S(t) = B(alpha, beta + t) / B(alpha, beta)``, the share of a cohort still
        active at the start of period ``t`` (equation 4).
        """
        alpha, beta = self._require_fitted("survival_function")
        t = np.asarray(t, dtype=float)
        result: np.ndarray = np.exp(betaln(alpha, beta + t) - betaln(alpha, beta))
        return result

    def churn_probability(self, t: Any) -> np.ndarray:
        """Return the share of a cohort that cancels at the end of period ``t``.

        ``P(T = t) = B(alpha + 1, beta + t - 1) / B(alpha, beta)`` for ``t >= 1``, the
        share of a cohort that cancels at the end of period ``t`` (equation 3).
        """
        alpha, beta = self._require_fitted("churn_probability")
        t = np.asarray(t, dtype=float)
        result: np.ndarray = np.exp(betaln(alpha + 1, beta + t - 1) - betaln(alpha, beta))
        return result

    def retention_rate(self, t: Any) -> np.ndarray:
        """Return the share of customers active in period ``t - 1`` who renew.

        ``r_t = S(t) / S(t - 1) = (beta + t - 1) / (alpha + beta + t - 1)`` for
        ``t >= 1``: the share of customers active in period ``t - 1`` who renew
        (equation 6).
        """
        alpha, beta = self._require_fitted("retention_rate")
        t = np.asarray(t, dtype=float)
        result: np.ndarray = (beta + t - 1) / (alpha + beta + t - 1)
        return result

    def predict_survivors(self, t: Any, n_initial: float | None = None) -> np.ndarray:
        """Return the expected customers active at the start of period ``t``.

        Return the expected customers active at the start of period ``t`` out of ``n_initial``
        (default: the fitted cohort's size).
        """
        self._require_fitted("predict_survivors")
        size = n_initial if n_initial is not None else getattr(self, "n_initial_", 1.0)
        return size * self.survival_function(t)
