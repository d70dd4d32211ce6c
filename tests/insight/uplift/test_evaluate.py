"""The Qini curve and coefficient and the uplift at the top, by hand and against
scikit-uplift (an independent implementation of the same definitions)."""

from __future__ import annotations

import numpy as np
import pytest
from sklift.metrics import qini_auc_score, uplift_at_k
from sklift.metrics import qini_curve as sklift_qini_curve

from kehu.insight.errors import InputError
from kehu.insight.uplift import perfect_qini_curve, qini_coefficient, qini_curve, uplift_at_top

# six customers, by score: treated responder, treated non-responder, control
# responder, control non-responder, treated non-responder, control responder
Y = [1, 0, 1, 0, 0, 1]
T = [1, 1, 0, 0, 1, 0]
BY_ORDER = [6, 5, 4, 3, 2, 1]


def test_qini_curve_by_hand():
    # Q(n) = R_t(n) - R_c(n) N_t(n) / N_c(n): 1 (no control yet), 1, 1 - 1*2/1,
    # 1 - 1*2/2, 1 - 1*3/2, 1 - 2*3/3
    n, q = qini_curve(Y, BY_ORDER, T)
    assert n.tolist() == [0, 1, 2, 3, 4, 5, 6]
    assert q.tolist() == [0.0, 1.0, 1.0, -1.0, 0.0, -0.5, -1.0]


def test_customers_with_equal_scores_enter_together():
    n, q = qini_curve(Y, [1, 0, 0, 0, 0, -1], T)
    assert n.tolist() == [0, 1, 5, 6]
    # after the tie: 3 treated (1 responder), 2 control (1 responder): 1 - 1 * 3/2
    assert q.tolist() == [0.0, 1.0, -0.5, -1.0]


def test_qini_coefficient_by_hand():
    # the curve's area is 0 and the diagonal to (6, -1) has area -3: 3 above it;
    # the best order (treated responder, the four non-responders, the two control
    # responders) has area 3.5, 6.5 above the diagonal
    n_best, q_best = perfect_qini_curve(Y, T)
    assert n_best.tolist() == [0, 1, 4, 6] and q_best.tolist() == [0.0, 1.0, 1.0, -1.0]
    assert qini_coefficient(Y, BY_ORDER, T) == pytest.approx(3 / 6.5)
    assert qini_coefficient(Y, [1, 0, -1, 0, 0, -1], T) == pytest.approx(1.0)


def _campaign(n: int, seed: int, ties: bool = False):
    rng = np.random.default_rng(seed)
    t = rng.integers(0, 2, n)
    score = rng.normal(size=n)
    if ties:
        score = np.round(score, 1)
    y = (rng.random(n) < 0.1 + 0.1 * t * (score > 0)).astype(int)
    return y, score, t


@pytest.mark.filterwarnings("ignore::FutureWarning")  # sklift calls a deprecated sklearn helper
@pytest.mark.parametrize(
    ("n", "seed", "ties"), [(500, 1, False), (5000, 2, False), (3000, 3, True)]
)
def test_qini_equals_scikit_uplift(n, seed, ties):
    y, score, t = _campaign(n, seed, ties)
    assert qini_coefficient(y, score, t) == pytest.approx(qini_auc_score(y, score, t), rel=1e-12)
    ours_n, ours_q = qini_curve(y, score, t)
    their_n, their_q = sklift_qini_curve(y, score, t)
    np.testing.assert_array_equal(ours_n, their_n)
    np.testing.assert_allclose(ours_q, their_q, rtol=1e-12)


@pytest.mark.parametrize("fraction", [0.1, 0.3, 0.55])
def test_uplift_at_top_equals_scikit_uplift(fraction):
    y, score, t = _campaign(2000, 4, ties=True)
    expected = uplift_at_k(y, score, t, strategy="overall", k=fraction)
    assert uplift_at_top(y, score, t, fraction) == pytest.approx(expected, rel=1e-12)


def test_a_random_order_scores_about_zero_and_the_reverse_below_zero():
    y, score, t = _campaign(20000, 5)
    random = np.random.default_rng(0).random(len(y))
    # the effect (+10 points for half the treated) is small beside the best order's
    # area (every treated responder first), so the true order scores about 0.1
    assert abs(qini_coefficient(y, random, t)) < 0.03
    assert qini_coefficient(y, score, t) > 0.07
    assert qini_coefficient(y, -score, t) < -0.07


def test_booleans_and_lists_are_read_as_flags():
    assert qini_coefficient(
        [True, False, True, False, False, True], BY_ORDER, [1.0, 1.0, 0.0, 0.0, 1.0, 0.0]
    ) == pytest.approx(3 / 6.5)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: qini_coefficient([1, 0, 1], [1, 2], [1, 0, 1]),
            "outcome, score and treatment must have one row per customer each, "
            "got 3 rows of outcome, 2 of score and 3 of treatment",
        ),
        (
            lambda: qini_coefficient([1, 0, 1], [3, 2, 1], [1, 1, 1]),
            "needs treated and control rows, got no control rows among 3",
        ),
        (
            lambda: qini_coefficient([1, 0, 1], [3, 2, 1], [0, 0, 0]),
            "got no treated rows among 3",
        ),
        (
            lambda: qini_coefficient([1, 2, 1], [3, 2, 1], [1, 0, 1]),
            "outcome must be 0 or 1 in every row, got 2 in row 1",
        ),
        (
            lambda: qini_coefficient([1, 0, 1], [3, np.nan, 1], [1, 0, 1]),
            "score must be a finite number in every row, got nan in row 1",
        ),
        (
            lambda: qini_coefficient([0, 0, 0, 0], [4, 3, 2, 1], [1, 0, 1, 0]),
            "the Qini coefficient is undefined here: no order of these customers beats "
            "random targeting (0 responders among 4 rows)",
        ),
        (
            lambda: uplift_at_top(Y, BY_ORDER, T, 0.2),
            "the top 20% (1 rows) has no control rows, so no uplift can be measured "
            "there; take a larger fraction",
        ),
        (lambda: uplift_at_top(Y, BY_ORDER, T, 1.0), "fraction must be in (0, 1), got 1.0"),
    ],
)
def test_bad_input_gets_a_message(call, message):
    with pytest.raises(InputError) as caught:
        call()
    assert message in str(caught.value)
