"""How well a targeting finds the customers a campaign moves: Qini curve and coefficient.

A targeting is a score per customer (predicted uplift, or anything else: a response
probability, a random number); customers are contacted highest score first. Scored on a
campaign with a control group, where who was contacted was decided at random:

- :func:`qini_curve` (Radcliffe 2007): after the first ``n`` customers by score, the
  incremental responses ``Q(n) = R_t(n) - R_c(n) * N_t(n) / N_c(n)``, where ``R_t, R_c``
  count responders and ``N_t, N_c`` customers among the treated and the control rows of
  those ``n``; customers with equal scores enter together.
- :func:`qini_coefficient`: the area between the Qini curve and the random-targeting
  diagonal (from ``(0, 0)`` to ``(N, Q(N))``), divided by the same area under the best
  possible curve (treated responders first, control responders last). 1 is perfect,
  0 is random, negative is worse than random. It is scikit-uplift's
  ``qini_auc_score`` (with ``negative_effect=True``), checked against it in the tests.
- :func:`uplift_at_top`: the treated minus the control response rate among the top
  ``fraction`` of customers by score (scikit-uplift's ``uplift_at_k``, ``"overall"``).

Radcliffe, N. J. (2007). Using control groups to target on predicted lift: building
and assessing uplift models. *Direct Marketing Analytics Journal* 1, 14-21.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from kehu.insight.errors import InputError, coded
from kehu.insight.uplift.data import binary_column, check_lengths, numeric_column

__all__ = ["perfect_qini_curve", "qini_coefficient", "qini_curve", "uplift_at_top"]


def _checked(y: Any, score: Any, treatment: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    y_, s_, t_ = np.asarray(y).ravel(), np.asarray(score).ravel(), np.asarray(treatment).ravel()
    check_lengths(outcome=y_, score=s_, treatment=t_)
    y_out = binary_column(y_, "outcome").astype(np.int64)
    t_out = binary_column(t_, "treatment").astype(np.int64)
    for group, name in ((0, "control"), (1, "treated")):
        if not (t_out == group).any():
            raise coded(
                InputError(
                    f"scoring a targeting needs treated and control rows, got no {name} rows "
                    f"among {len(t_out)}"
                ),
                f"no_{name}_rows",
                n_rows=len(t_out),
            )
    return y_out, numeric_column(s_, "score"), t_out


def qini_curve(y: Any, score: Any, treatment: Any) -> tuple[np.ndarray, np.ndarray]:
    """Return the Qini curve: customers targeted and incremental responses.

    Parameters
    ----------
    y : array_like
        Outcome per customer (0/1).
    score : array_like
        Targeting score (higher first), such as the predicted uplift.
    treatment : array_like
        1 for a contacted customer, 0 for control.

    Returns
    -------
    n_targeted : numpy.ndarray
        Customers targeted at each point, from 0 (one point per distinct score).
    incremental : numpy.ndarray
        ``Q(n)``: responses among the treated beyond what the control rate predicts.

    Examples
    --------
    >>> n, q = qini_curve([1, 0, 1, 0], [0.9, 0.5, 0.3, 0.1], [1, 0, 0, 1])
    >>> n.tolist(), q.tolist()
    ([0, 1, 2, 3, 4], [0.0, 1.0, 1.0, 0.5, 0.0])
    """
    y_, s_, t_ = _checked(y, score, treatment)
    return _curve(y_, s_, t_)


def _curve(y: np.ndarray, score: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(score, kind="mergesort")[::-1]
    y, t, score = y[order], t[order], score[order]
    ends = np.r_[np.flatnonzero(np.diff(score)), score.size - 1]
    n_all = ends + 1
    n_treated = np.cumsum(t)[ends].astype(float)
    n_control = n_all - n_treated
    responses_treated = np.cumsum(y * t)[ends]
    responses_control = np.cumsum(y * (1 - t))[ends]
    ratio = np.divide(n_treated, n_control, out=np.zeros_like(n_treated), where=n_control != 0)
    gain = responses_treated - responses_control * ratio
    return np.r_[0, n_all], np.r_[0.0, gain]


def perfect_qini_curve(y: Any, treatment: Any) -> tuple[np.ndarray, np.ndarray]:
    """Return the best possible Qini curve on these customers.

    The treated responders first, the control responders last (a score of
    ``y * treatment - y * (1 - treatment)``).

    Parameters
    ----------
    y : array_like
        Outcome per customer (0/1).
    treatment : array_like
        1 for a contacted customer, 0 for control.

    Returns
    -------
    n_targeted, incremental : numpy.ndarray
        As :func:`qini_curve`.
    """
    y_ = np.asarray(y).ravel()
    t_ = np.asarray(treatment).ravel()
    y_c, _, t_c = _checked(y_, np.zeros(len(y_)), t_)
    return _curve(y_c, (y_c * t_c - y_c * (1 - t_c)).astype(float), t_c)


def _area(x: np.ndarray, y: np.ndarray) -> float:
    return float(np.trapezoid(y, x))


def qini_coefficient(y: Any, score: Any, treatment: Any) -> float:
    """Return the Qini coefficient of a targeting: its Qini area over the best one's.

    Parameters
    ----------
    y : array_like
        Outcome per customer (0/1).
    score : array_like
        Targeting score (higher first), such as the predicted uplift.
    treatment : array_like
        1 for a contacted customer, 0 for control.

    Returns
    -------
    float
        1 for the best possible order, about 0 for a random one, below 0 for worse.

    Raises
    ------
    InputError
        For mismatched lengths, values other than 0/1, no treated or no control rows,
        and customers among whom nobody can be told apart (the best possible curve is
        the diagonal: no responder at all, say).

    Examples
    --------
    >>> y, t = [1, 0, 1, 0, 0, 1], [1, 1, 0, 0, 1, 0]
    >>> round(qini_coefficient(y, [6, 5, 4, 3, 2, 1], t), 4)  # area 3 over the best 6.5
    0.4615
    >>> qini_coefficient(y, [1, 0, -1, 0, 0, -1], t)  # treated responders first
    1.0
    """
    y_, s_, t_ = _checked(y, score, treatment)
    x_actual, q_actual = _curve(y_, s_, t_)
    x_best, q_best = _curve(y_, (y_ * t_ - y_ * (1 - t_)).astype(float), t_)
    diagonal = _area(np.array([0.0, x_best[-1]]), np.array([0.0, q_best[-1]]))
    best = _area(x_best, q_best) - diagonal
    if best <= 0:
        raise coded(
            InputError(
                "the Qini coefficient is undefined here: no order of these customers beats "
                f"random targeting ({int(y_.sum())} responders among {len(y_)} rows)"
            ),
            "qini_undefined",
            n_rows=len(y_),
            n_responders=int(y_.sum()),
        )
    return (_area(x_actual, q_actual) - diagonal) / best


def uplift_at_top(y: Any, score: Any, treatment: Any, fraction: float = 0.3) -> float:
    """Return the uplift (treated minus control response rate) in the top ``fraction``.

    Parameters
    ----------
    y : array_like
        Outcome per customer (0/1).
    score : array_like
        Targeting score (higher first).
    treatment : array_like
        1 for a contacted customer, 0 for control.
    fraction : float
        Share of customers taken from the top, in (0, 1); ``int(N * fraction)`` rows.

    Returns
    -------
    float
        Response rate of the treated rows in the top minus that of the control rows.

    Raises
    ------
    InputError
        When ``fraction`` is outside (0, 1), or the top has no treated or no control
        row (take a larger fraction).

    Examples
    --------
    >>> uplift_at_top([1, 0, 0, 1, 0, 0], [6, 5, 4, 3, 2, 1], [1, 0, 1, 0, 1, 0], 0.5)
    0.5
    """
    if not 0 < fraction < 1:
        raise coded(
            InputError(f"fraction must be in (0, 1), got {fraction!r}"),
            "bad_fraction",
            fraction=fraction,
        )
    y_, s_, t_ = _checked(y, score, treatment)
    n_top = int(len(y_) * fraction)
    top = np.argsort(s_, kind="mergesort")[::-1][:n_top]
    y_top, t_top = y_[top], t_[top]
    for group, name in ((1, "treated"), (0, "control")):
        if not (t_top == group).any():
            raise coded(
                InputError(
                    f"the top {fraction:.0%} ({n_top} rows) has no {name} rows, so no uplift "
                    "can be measured there; take a larger fraction"
                ),
                "top_without_group",
                group=name,
                n_top=n_top,
            )
    return float(y_top[t_top == 1].mean() - y_top[t_top == 0].mean())
