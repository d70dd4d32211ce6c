"""The average effect of a campaign on its members, against its control group.

- :func:`response_effect`: the difference of response rates (treated minus control)
  with a normal-approximation confidence interval, standard error
  ``sqrt(p_t (1 - p_t) / n_t + p_c (1 - p_c) / n_c)`` (the unpooled Wald interval of a
  difference of proportions).
- :func:`revenue_effect`: the difference of mean revenue per customer with Welch's
  interval (unequal variances; Welch-Satterthwaite degrees of freedom), the same as
  :func:`scipy.stats.ttest_ind` with ``equal_var=False``.

Both assume that who got the campaign was decided at random (a held-out control group).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import stats

from kehu.insight.errors import InputError, coded
from kehu.insight.uplift.data import binary_column, check_lengths, numeric_column

__all__ = [
    "Effect",
    "mean_difference",
    "proportion_difference",
    "response_effect",
    "revenue_effect",
]


@dataclass(frozen=True)
class Effect:
    """An average treatment effect with its confidence interval.

    Attributes
    ----------
    estimate : float
        Treated mean minus control mean (of the response rate, or revenue per customer).
    low, high : float
        The confidence interval.
    confidence : float
        Its level (0.95).
    standard_error : float
        Standard error of the estimate.
    treated_mean, control_mean : float
        The mean in each group.
    n_treated, n_control : int
        Customers in each group.
    method : str
        ``"difference of proportions (normal approximation)"`` or ``"Welch"``.
    degrees_of_freedom : float or None
        Welch-Satterthwaite degrees of freedom (``None`` for the normal approximation).
    """

    estimate: float
    low: float
    high: float
    confidence: float
    standard_error: float
    treated_mean: float
    control_mean: float
    n_treated: int
    n_control: int
    method: str
    degrees_of_freedom: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the fields as plain Python values (ready for JSON).

        Returns
        -------
        dict
            Field name to value.
        """
        return asdict(self)


def _groups(
    values: np.ndarray, name: str, treatment: Any, minimum: int
) -> tuple[np.ndarray, np.ndarray]:
    t = binary_column(treatment, "treatment")
    check_lengths(**{name: values, "treatment": t})
    treated, control = values[t == 1], values[t == 0]
    for rows, group in ((treated, "treated"), (control, "control")):
        if len(rows) < minimum:
            why = "; a campaign without a control group has no measured effect"
            raise coded(
                InputError(
                    f"the effect needs at least {minimum} {group} row(s), got {len(rows)}"
                    + (why if group == "control" else "")
                ),
                f"too_few_{group}",
                n=len(rows),
                minimum=minimum,
            )
    return treated, control


def _check_confidence(confidence: float) -> None:
    if not 0 < confidence < 1:
        raise coded(
            InputError(f"confidence must be in (0, 1), got {confidence!r}"),
            "bad_confidence",
            confidence=confidence,
        )


def response_effect(outcome: Any, treatment: Any, *, confidence: float = 0.95) -> Effect:
    """Return the uplift in response rate, treated minus control, with its interval.

    Parameters
    ----------
    outcome : array_like
        1 for a customer who responded (converted), 0 otherwise.
    treatment : array_like
        1 for a contacted customer, 0 for control.
    confidence : float
        Level of the interval.

    Returns
    -------
    Effect
        ``estimate = p_t - p_c`` and ``estimate -/+ z * standard_error``.

    Raises
    ------
    InputError
        For values other than 0/1, mismatched lengths, or a group without rows.

    Examples
    --------
    >>> effect = response_effect([1] * 30 + [0] * 70 + [1] * 20 + [0] * 80,
    ...                          [1] * 100 + [0] * 100)
    >>> round(effect.estimate, 3), round(effect.low, 3), round(effect.high, 3)
    (0.1, -0.019, 0.219)
    """
    _check_confidence(confidence)
    y = binary_column(outcome, "outcome").astype(float)
    treated, control = _groups(y, "outcome", treatment, 1)
    return proportion_difference(
        int(treated.sum()), len(treated), int(control.sum()), len(control), confidence=confidence
    )


def proportion_difference(
    responders_treated: int,
    n_treated: int,
    responders_control: int,
    n_control: int,
    *,
    confidence: float = 0.95,
) -> Effect:
    """Return :func:`response_effect` from counts (a database's grouped counts).

    Parameters
    ----------
    responders_treated, n_treated : int
        Responders and customers of the treated group.
    responders_control, n_control : int
        The same for the control group.
    confidence : float
        Level of the interval.

    Returns
    -------
    Effect
        As :func:`response_effect`.

    Raises
    ------
    InputError
        For a group without customers, or more responders than customers.

    Examples
    --------
    >>> round(proportion_difference(30, 100, 20, 100).low, 3)
    -0.019
    """
    _check_confidence(confidence)
    for responders, n, group in (
        (responders_treated, n_treated, "treated"),
        (responders_control, n_control, "control"),
    ):
        if n < 1 or not 0 <= responders <= n:
            raise coded(
                InputError(
                    f"the {group} group needs 0 to {n} responders of {n} >= 1, got {responders}"
                ),
                f"bad_{group}_counts",
                responders=responders,
                n=n,
            )
    p_t, p_c = responders_treated / n_treated, responders_control / n_control
    se = float(np.sqrt(p_t * (1 - p_t) / n_treated + p_c * (1 - p_c) / n_control))
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    estimate = p_t - p_c
    return Effect(
        estimate,
        estimate - z * se,
        estimate + z * se,
        confidence,
        se,
        p_t,
        p_c,
        n_treated,
        n_control,
        "difference of proportions (normal approximation)",
    )


def revenue_effect(revenue: Any, treatment: Any, *, confidence: float = 0.95) -> Effect:
    """Return the difference in mean revenue per customer with Welch's interval.

    Parameters
    ----------
    revenue : array_like
        Revenue of each customer in the campaign's window (0 without a purchase).
    treatment : array_like
        1 for a contacted customer, 0 for control.
    confidence : float
        Level of the interval.

    Returns
    -------
    Effect
        ``estimate = mean_t - mean_c``, its interval from Student's t with the
        Welch-Satterthwaite degrees of freedom.

    Raises
    ------
    InputError
        For a missing or infinite revenue, mismatched lengths, or fewer than two rows
        in a group.

    Examples
    --------
    >>> effect = revenue_effect([10.0, 0.0, 30.0, 0.0, 0.0, 10.0, 0.0, 0.0],
    ...                         [1, 1, 1, 1, 0, 0, 0, 0])
    >>> effect.estimate, round(effect.low, 2), round(effect.high, 2)
    (7.5, -13.91, 28.91)
    """
    _check_confidence(confidence)
    values = numeric_column(revenue, "revenue")
    treated, control = _groups(values, "revenue", treatment, 2)
    return mean_difference(
        (float(treated.mean()), float(treated.var(ddof=1)), len(treated)),
        (float(control.mean()), float(control.var(ddof=1)), len(control)),
        confidence=confidence,
    )


def mean_difference(
    treated: tuple[float, float, int],
    control: tuple[float, float, int],
    *,
    confidence: float = 0.95,
) -> Effect:
    """Return :func:`revenue_effect` from each group's mean, variance and size.

    Parameters
    ----------
    treated, control : tuple of (float, float, int)
        The group's mean, sample variance (``ddof=1``) and number of customers.
    confidence : float
        Level of the interval.

    Returns
    -------
    Effect
        As :func:`revenue_effect`.

    Raises
    ------
    InputError
        For a group of fewer than two customers or a negative variance.

    Examples
    --------
    >>> round(mean_difference((10.0, 200.0, 4), (2.5, 25.0, 4)).high, 2)
    28.91
    """
    _check_confidence(confidence)
    (m_t, var_t, n_t), (m_c, var_c, n_c) = treated, control
    for n, var, group in ((n_t, var_t, "treated"), (n_c, var_c, "control")):
        if n < 2 or not var >= 0:
            raise coded(
                InputError(f"the {group} group needs 2 or more customers and a variance >= 0"),
                f"bad_{group}_moments",
                n=n,
            )
    v_t, v_c = var_t / n_t, var_c / n_c
    se = float(np.sqrt(v_t + v_c))
    df = (v_t + v_c) ** 2 / (v_t**2 / (n_t - 1) + v_c**2 / (n_c - 1)) if se > 0 else np.inf
    q = float(stats.t.ppf(0.5 + confidence / 2, df))
    estimate = m_t - m_c
    return Effect(
        estimate,
        estimate - q * se,
        estimate + q * se,
        confidence,
        se,
        m_t,
        m_c,
        n_t,
        n_c,
        "Welch",
        float(df),
    )
