"""Customer lifetime value from a fitted purchase model and an expected spend.

Customer lifetime value from a fitted purchase model and an expected spend
(Fader, Hardie & Lee 2005, "RFM and CLV", section 5: discounted expected transactions
times expected value per transaction).
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from kehu.insight.btyd._inputs import rfm_columns
from kehu.insight.errors import InputError

__all__ = ["customer_lifetime_value"]


class PurchaseModel(Protocol):
    """Anything with BG/NBD's and Pareto/NBD's conditional expectation."""

    def conditional_expected_purchases(self, t: Any, data: Any) -> np.ndarray: ...

    def discounted_expected_purchases(self, t: Any, discount: Any, data: Any) -> np.ndarray: ...


def _check_settings(
    horizon: int, discount_rate: float, margin: float, period_length: float
) -> None:
    if int(horizon) != horizon or horizon < 1:
        raise InputError(f"horizon must be a whole number >= 1, got {horizon!r}")
    if not (np.isfinite(discount_rate) and discount_rate > -1):
        raise InputError(f"discount_rate must be > -1, got {discount_rate!r}")
    if not np.isfinite(margin):
        raise InputError(f"margin must be finite, got {margin!r}")
    if not (np.isfinite(period_length) and period_length > 0):
        raise InputError(f"period_length must be > 0, got {period_length!r}")


def customer_lifetime_value(
    model: PurchaseModel,
    data: Any,
    spend: Any,
    *,
    horizon: int,
    discount_rate: float,
    margin: float = 1.0,
    period_length: float = 1.0,
) -> np.ndarray:
    """Return the expected discounted value of each customer's purchases over ``horizon`` periods.

    ::

        CLV = margin * spend * sum_{k=1..horizon} [E(k L) - E((k - 1) L)] / (1 + d)**k

    with ``E(t)`` the model's conditional expected purchases in the next ``t`` time units
    (:meth:`~kehu.insight.btyd.BgNbd.conditional_expected_purchases`), ``L`` the
    ``period_length`` in the model's time unit and ``d`` the ``discount_rate`` per
    period. Purchases in period ``k`` are discounted as if paid at its end.

    Parameters
    ----------
    model : BgNbd or ParetoNbd
        A fitted purchase model.
    data : table
        Columns ``frequency``, ``recency``, ``T`` (in the model's time unit).
    spend : float or array_like
        Expected value per transaction of each customer, e.g.
        :meth:`~kehu.insight.btyd.GammaGamma.conditional_expected_average_spend`.
    horizon : int
        Number of periods.
    discount_rate : float
        Discount rate per period (e.g. 0.01 a month).
    margin : float
        Share of spend that is profit (1 for revenue).
    period_length : float
        Length of one period in the model's time unit (4.345 for months when the model
        is in weeks).

    Returns
    -------
    numpy.ndarray
        One value per row of ``data``.

    Examples
    --------
    >>> from kehu.insight.btyd import BgNbd
    >>> model = BgNbd.from_params(r=0.2426, alpha=4.4136, a=0.7929, b=2.4259)
    >>> history = {"frequency": [2], "recency": [30.43], "T": [38.86]}
    >>> value = customer_lifetime_value(model, history, spend=24.65, horizon=12,
    ...                                 discount_rate=0.01, period_length=4.345)
    >>> round(float(value[0]), 2)
    36.27
    """
    _check_settings(horizon, discount_rate, margin, period_length)
    x, t_x, T = rfm_columns(data)  # validated once; the model re-reads the arrays
    history = {"frequency": x, "recency": t_x, "T": T}
    spend = np.broadcast_to(np.asarray(spend, dtype=float), x.shape)
    periods = np.arange(1, int(horizon) + 1, dtype=float)
    value = model.discounted_expected_purchases(
        periods * period_length, (1 + discount_rate) ** -periods, history
    )
    result: np.ndarray = margin * spend * value
    return result
