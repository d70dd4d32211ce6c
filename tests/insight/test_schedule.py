"""The critical path method of kehu.insight.schedule: a textbook network computed by
hand, lags, cycles, unknown items, progress (finished and late items), and a 2,000-item
network against networkx's longest path."""

from __future__ import annotations

import numpy as np
import pytest

from kehu.insight.errors import InputError
from kehu.insight.schedule import critical_path, pushed_back

START = np.datetime64("2026-01-05")

# Hillier & Lieberman, Introduction to Operations Research (10th ed.), section 10.3,
# the Reliable Construction Co. project (durations in weeks, used here as days): 14
# activities, project finish 44, critical path A B C E F J L N. The ES/EF/LS/LF and
# slack columns below were computed by hand with the forward and backward passes and
# agree with the book's slack table (D, G, H, M: 4; I: 2; K: 1; the others 0).
#          item  duration  predecessors   ES  EF  LS  LF  slack
TEXTBOOK = [
    ("A", 2, "", 0, 2, 0, 2, 0),
    ("B", 4, "A", 2, 6, 2, 6, 0),
    ("C", 10, "B", 6, 16, 6, 16, 0),
    ("D", 6, "C", 16, 22, 20, 26, 4),
    ("E", 4, "C", 16, 20, 16, 20, 0),
    ("F", 5, "E", 20, 25, 20, 25, 0),
    ("G", 7, "D", 22, 29, 26, 33, 4),
    ("H", 9, "EG", 29, 38, 33, 42, 4),
    ("I", 7, "C", 16, 23, 18, 25, 2),
    ("J", 8, "FI", 25, 33, 25, 33, 0),
    ("K", 4, "J", 33, 37, 34, 38, 1),
    ("L", 5, "J", 33, 38, 33, 38, 0),
    ("M", 2, "H", 38, 40, 42, 44, 4),
    ("N", 6, "KL", 38, 44, 38, 44, 0),
]


def _id(name: str) -> int:
    return 1000 + ord(name) - ord("A")  # ids above 1,000, as in the CRM


def _textbook(**kwargs: object):  # type: ignore[no-untyped-def]
    ids = [_id(row[0]) for row in TEXTBOOK]
    pred = [_id(p) for row in TEXTBOOK for p in row[2]]
    succ = [_id(row[0]) for row in TEXTBOOK for _ in row[2]]
    return critical_path(ids, [row[1] for row in TEXTBOOK], pred, succ, start=START, **kwargs)


def _offsets(dates: np.ndarray) -> list[int]:
    return (dates - START).astype(int).tolist()


def test_textbook_network_gives_the_hand_computed_table() -> None:
    plan = _textbook()
    assert _offsets(plan.early_start) == [row[3] for row in TEXTBOOK]
    assert _offsets(plan.early_finish) == [row[4] for row in TEXTBOOK]
    assert _offsets(plan.late_start) == [row[5] for row in TEXTBOOK]
    assert _offsets(plan.late_finish) == [row[6] for row in TEXTBOOK]
    assert plan.slack.tolist() == [row[7] for row in TEXTBOOK]
    critical = [row[0] for row, c in zip(TEXTBOOK, plan.critical, strict=True) if c]
    assert critical == list("ABCEFJLN")
    assert plan.finish == START + 44


def test_items_come_in_topological_order() -> None:
    plan = _textbook()
    rank = np.empty(len(plan.order), int)
    rank[plan.order] = np.arange(len(plan.order))
    pred, succ = plan.edges
    assert (rank[pred] < rank[succ]).all()


def test_a_lag_delays_the_successor_and_can_move_the_critical_path() -> None:
    # I (slack 2) -> J with a lag of 3 days: J starts at 23 + 3 = 26, one day later,
    # and I becomes critical in F's place
    ids = [_id(row[0]) for row in TEXTBOOK]
    pred = [_id(p) for row in TEXTBOOK for p in row[2]]
    succ = [_id(row[0]) for row in TEXTBOOK for _ in row[2]]
    lag = [3 if (p, s) == (_id("I"), _id("J")) else 0 for p, s in zip(pred, succ, strict=True)]
    plan = critical_path(ids, [r[1] for r in TEXTBOOK], pred, succ, lag, start=START)
    j = plan.position(_id("J"))
    assert _offsets(plan.early_start)[j] == 26
    assert plan.finish == START + 45
    critical = {row[0] for row, c in zip(TEXTBOOK, plan.critical, strict=True) if c}
    assert critical == set("ABCIJLN")
    assert plan.slack[plan.position(_id("F"))] == 1


def test_a_cycle_is_refused_naming_its_items() -> None:
    with pytest.raises(InputError, match=r"cycle: 1002 → 1003 → 1004 → 1002") as caught:
        critical_path(
            [1001, 1002, 1003, 1004],
            [1, 1, 1, 1],
            [1001, 1002, 1003, 1004],
            [1002, 1003, 1004, 1002],
            start=START,
        )
    assert caught.value.code == "cycle"
    assert caught.value.params == {"ids": [1002, 1003, 1004, 1002]}


def test_an_item_depending_on_itself_is_a_cycle() -> None:
    with pytest.raises(InputError, match="cycle: 7 → 7"):
        critical_path([7, 8], [1, 1], [7], [7], start=START)


def test_a_dependency_on_an_unknown_item_is_refused_naming_it() -> None:
    with pytest.raises(InputError, match=r"not in the plan: \[99\]"):
        critical_path([1, 2], [1, 1], [1, 99], [2, 1], start=START)


def test_a_negative_duration_is_refused() -> None:
    with pytest.raises(InputError, match="0 or more days"):
        critical_path([1, 2], [1, -2], [], [], start=START)


def test_not_before_holds_an_item_back() -> None:
    plan = critical_path([1, 2], [2, 2], [1], [2], start=START, not_before=[None, START + 10])
    assert _offsets(plan.early_start) == [0, 10]
    assert plan.slack.tolist() == [8, 0]


def test_a_finished_item_is_fixed_at_its_actual_dates() -> None:
    # A finished two days late: everything after it moves by two days
    actual_start = [START if row[0] == "A" else None for row in TEXTBOOK]
    actual_finish = [START + 4 if row[0] == "A" else None for row in TEXTBOOK]
    plan = _textbook(actual_start=actual_start, actual_finish=actual_finish)
    assert _offsets(plan.early_finish)[0] == 4
    assert plan.finish == START + 46


def test_a_late_item_moves_the_critical_path() -> None:
    # I (planned 16..23, slack 2) has not finished by day 28: it is forecast to finish
    # on day 28, pushes J, K, L, N back by 3 days, and the critical path now runs
    # through I instead of E and F
    today = START + 28
    done = {"A": (0, 2), "B": (2, 6), "C": (6, 16), "D": (16, 22), "E": (16, 20)}
    done |= {"F": (20, 25)}
    actual_start = [START + done[r[0]][0] if r[0] in done else None for r in TEXTBOOK]
    actual_finish = [START + done[r[0]][1] if r[0] in done else None for r in TEXTBOOK]
    actual_start[TEXTBOOK.index(next(r for r in TEXTBOOK if r[0] == "I"))] = START + 16
    plan = _textbook(actual_start=actual_start, actual_finish=actual_finish, today=today)
    baseline = _textbook()
    assert plan.finish == START + 47
    critical = {row[0] for row, c in zip(TEXTBOOK, plan.critical, strict=True) if c}
    assert "I" in critical and "F" not in critical and "E" not in critical
    pushed = pushed_back(plan, baseline, _id("I"))
    assert pushed == {_id("I"): 5, _id("J"): 3, _id("K"): 3, _id("L"): 3, _id("N"): 3}


def test_an_unfinished_item_past_its_finish_is_forecast_to_finish_today() -> None:
    plan = critical_path([1, 2], [3, 1], [1], [2], start=START, today=START + 10)
    assert _offsets(plan.early_finish) == [10, 11]


def test_an_expected_finish_moves_the_item_and_its_successors() -> None:
    # the owner of C now expects it to finish on day 19 instead of 16
    expected = [START + 19 if row[0] == "C" else None for row in TEXTBOOK]
    plan = _textbook(expected_finish=expected)
    assert plan.finish == START + 47
    assert pushed_back(plan, _textbook(), _id("C"))[_id("N")] == 3


def test_an_empty_plan_finishes_at_its_start() -> None:
    plan = critical_path([], [], [], [], start=START)
    assert plan.finish == START and plan.critical.size == 0


def _layered(n_items: int, seed: int = 15) -> tuple[np.ndarray, ...]:
    import benchmarks.critical_path as bench

    return bench.layered_network(n_items, seed)


def test_two_thousand_items_agree_with_networkx_longest_path() -> None:
    nx = pytest.importorskip("networkx")
    from benchmarks.critical_path import networkx_schedule

    ids, duration, pred, succ, lag = _layered(2_000)
    plan = critical_path(ids, duration, pred, succ, lag, start=START)
    finish, critical = networkx_schedule(nx, ids, duration, pred, succ, lag)
    assert plan.finish == START + finish
    assert set(ids[plan.critical].tolist()) == critical
    # the critical items include one longest chain from a source to the finish
    path = nx.dag_longest_path(_graph(nx, ids, duration, pred, succ, lag))
    assert {p for p in path if p >= 0} <= critical


def _graph(nx, ids, duration, pred, succ, lag):  # type: ignore[no-untyped-def]
    from benchmarks.critical_path import networkx_graph

    return networkx_graph(nx, ids, duration, pred, succ, lag)
