"""The critical path method (CPM) on work items with finish-to-start dependencies.

Each item has a duration in days; a dependency ``(p, s, lag)`` says that ``s`` cannot
start before ``lag`` days after ``p`` has finished. An item may also carry a date it
cannot start before (its planned start). A finish is the day the work is done by: an
item of 3 days starting on 1 March finishes on 4 March, the day a successor without lag
may start (so ``finish = start + duration``, as in the textbooks' day numbers).

The forward pass gives each item's earliest start and finish (ES, EF), the backward pass
from the project's finish its latest start and finish (LS, LF); the total slack is
``LF - EF``, the days an item may slip without moving the project's finish, and the
critical items are those with no slack (Kelley & Walker 1959; Hillier & Lieberman,
*Introduction to Operations Research*, ch. 10).

Progress is taken into account: an item already finished is fixed at its actual start
and finish, an item started keeps its actual start, and an unfinished item whose finish
has passed is forecast to finish no earlier than ``today``. What a late item pushes back
is :func:`pushed_back`.

The passes work on numpy arrays: the items are put in topological order by levels
(Kahn's algorithm, one vectorised step per level), and each pass is one vectorised
step per level over the dependencies that end (or start) in that level.

Examples
--------
>>> import numpy as np
>>> plan = critical_path(
...     ids=[1, 2, 3], duration=[2, 3, 1], predecessor=[1, 1], successor=[2, 3],
...     start=np.datetime64("2026-03-02"))
>>> plan.early_finish.tolist()
[datetime.date(2026, 3, 4), datetime.date(2026, 3, 7), datetime.date(2026, 3, 5)]
>>> plan.slack.tolist(), plan.critical.tolist(), str(plan.finish)
([0, 0, 2], [True, True, False], '2026-03-07')
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from kehu.insight.errors import InputError, coded

__all__ = ["Schedule", "critical_path", "pushed_back"]

Days = npt.NDArray[np.int64]
NAT = np.iinfo(np.int64).min  # how numpy stores NaT among datetime64[D] as int64


@dataclass(frozen=True)
class Schedule:
    """The result of :func:`critical_path`: one row per item, in the order of ``ids``.

    Dates are ``datetime64[D]`` arrays, slack is in days. ``order`` is a topological
    order of the items (positions into ``ids``) and ``level`` each item's depth (0 for
    items without predecessors). ``edges`` are the dependencies as positions
    ``(predecessor, successor)`` and ``lag`` their lags, as given; ``duration`` the
    items' durations.
    """

    ids: npt.NDArray[np.int64]
    early_start: npt.NDArray[np.datetime64]
    early_finish: npt.NDArray[np.datetime64]
    late_start: npt.NDArray[np.datetime64]
    late_finish: npt.NDArray[np.datetime64]
    slack: Days
    critical: npt.NDArray[np.bool_]
    finish: np.datetime64
    order: Days
    level: Days
    edges: tuple[Days, Days]
    lag: Days
    duration: Days

    def position(self, item_id: int) -> int:
        """Where item ``item_id`` is in the arrays."""
        at = int(np.searchsorted(self._sorted_ids, item_id))
        if at >= len(self.ids) or self.ids[self._by_id[at]] != item_id:
            raise coded(InputError(f"no item {item_id} in the plan"), "unknown_item", id=item_id)
        return int(self._by_id[at])

    @property
    def _by_id(self) -> Days:
        return np.argsort(self.ids, kind="stable").astype(np.int64)

    @property
    def _sorted_ids(self) -> npt.NDArray[np.int64]:
        return self.ids[self._by_id]


def _days(values: object, n: int, name: str) -> Days:
    """Give per-item dates as day numbers, ``NAT`` where there is none.

    ``values`` holds dates, datetime64 or None per item, or is None for all.
    """
    if values is None:
        return np.full(n, NAT, dtype=np.int64)
    array = np.asarray(values, dtype="datetime64[D]")
    if array.shape != (n,):
        raise coded(
            InputError(f"{name} must have one date per item ({n}), got shape {array.shape}"),
            "wrong_length",
            name=name,
        )
    return array.astype(np.int64)


def _day(value: date | np.datetime64 | None) -> int:
    return NAT if value is None else int(np.asarray(value, dtype="datetime64[D]").astype(np.int64))


def _positions(ids: npt.NDArray[np.int64], refs: npt.NDArray[np.int64]) -> Days:
    """Positions in ``ids`` of the item ids ``refs``; an unknown id is an InputError."""
    by_id = np.argsort(ids, kind="stable")
    at = np.searchsorted(ids[by_id], refs)
    at_clipped = np.minimum(at, max(len(ids) - 1, 0))
    known = (at < len(ids)) & (ids[by_id][at_clipped] == refs) if len(ids) else refs != refs
    if not known.all():
        unknown = sorted({int(r) for r in refs[~known]})
        raise coded(
            InputError(f"dependencies name items that are not in the plan: {unknown}"),
            "unknown_item",
            ids=unknown,
        )
    return by_id[at_clipped].astype(np.int64)


def _levels(n: int, pred: Days, succ: Days, ids: npt.NDArray[np.int64]) -> Days:
    """Give each item's level: the longest chain of predecessors before it.

    Kahn's algorithm, one level at a time; items left over lie on a cycle, which the
    error names.
    """
    indegree = np.bincount(succ, minlength=n)
    by_pred = np.argsort(pred, kind="stable")
    starts = np.searchsorted(pred[by_pred], np.arange(n + 1))
    level = np.full(n, -1, dtype=np.int64)
    frontier = np.flatnonzero(indegree == 0)
    depth = 0
    while frontier.size:
        level[frontier] = depth
        counts = starts[frontier + 1] - starts[frontier]
        edge_rows = np.repeat(starts[frontier] - np.cumsum(counts) + counts, counts)
        edge_rows += np.arange(counts.sum())
        targets = succ[by_pred[edge_rows]]
        indegree -= np.bincount(targets, minlength=n)
        frontier = np.unique(targets[indegree[targets] == 0])
        depth += 1
    if (level < 0).any():
        cycle = _a_cycle(level < 0, pred, succ)
        names = [int(ids[i]) for i in cycle[:-1]]
        first = names.index(min(names))  # start at the smallest id: the same message each time
        names = [*names[first:], *names[:first], min(names)]
        raise coded(
            InputError(f"the dependencies form a cycle: {' → '.join(map(str, names))}"),
            "cycle",
            ids=names,
        )
    return level


def _a_cycle(left: npt.NDArray[np.bool_], pred: Days, succ: Days) -> list[int]:
    """Find one cycle among the items Kahn's algorithm left, first item repeated last.

    Each item left has a predecessor left: walk predecessors until an item repeats.
    """
    inside = left[pred] & left[succ]
    one_pred = dict(zip(succ[inside].tolist(), pred[inside].tolist(), strict=True))
    seen: dict[int, int] = {}
    item = int(np.flatnonzero(left)[0])
    while item not in seen:
        seen[item] = len(seen)
        item = one_pred[item]
    walk = list(seen)[seen[item] :]
    walk.reverse()  # predecessors first
    return [*walk, walk[0]]


def critical_path(
    ids: npt.ArrayLike,
    duration: npt.ArrayLike,
    predecessor: npt.ArrayLike,
    successor: npt.ArrayLike,
    lag: npt.ArrayLike | None = None,
    *,
    start: date | np.datetime64,
    not_before: object = None,
    actual_start: object = None,
    actual_finish: object = None,
    expected_finish: object = None,
    today: date | np.datetime64 | None = None,
) -> Schedule:
    """Schedule the items and find the critical path.

    Parameters
    ----------
    ids : array of int
        The items' ids (distinct).
    duration : array of int
        Each item's duration in days (0 for a milestone).
    predecessor, successor : arrays of int
        The dependencies, as item ids: ``successor[k]`` cannot start before
        ``predecessor[k]`` has finished.
    lag : array of int, optional
        Days between the predecessor's finish and the successor's start (default 0;
        negative is a lead).
    start : date
        The project's start: no item starts before it.
    not_before : dates, optional
        Per item, a date it cannot start before (None/NaT: none).
    actual_start, actual_finish : dates, optional
        Per item, when it actually started and finished (None/NaT: not yet). A finished
        item is fixed at its actual dates.
    expected_finish : dates, optional
        Per unfinished item, when its owner now expects it to finish (None/NaT: after
        its duration); not before its start.
    today : date, optional
        With it, an unfinished item is forecast to finish no earlier than today.

    Returns
    -------
    Schedule

    Raises
    ------
    InputError
        A dependency on an unknown item, a cycle (the message names its items), a
        negative duration, or arrays of different lengths.
    """
    ids_ = np.asarray(ids, dtype=np.int64)
    n = len(ids_)
    dur = np.asarray(duration, dtype=np.int64)
    if dur.shape != (n,):
        raise coded(
            InputError(f"duration must have one value per item ({n}), got {dur.shape}"),
            "wrong_length",
            name="duration",
        )
    if (dur < 0).any():
        bad = ids_[dur < 0].tolist()
        raise coded(InputError(f"durations must be 0 or more days; items {bad}"), "negative")
    if len(np.unique(ids_)) != n:
        raise coded(InputError("item ids must be distinct"), "duplicate_ids")
    pred_ids = np.asarray(predecessor, dtype=np.int64).ravel()
    succ_ids = np.asarray(successor, dtype=np.int64).ravel()
    if pred_ids.shape != succ_ids.shape:
        raise coded(InputError("predecessor and successor must have the same length"), "shape")
    lags = np.zeros(len(pred_ids), np.int64) if lag is None else np.asarray(lag, np.int64)
    if lags.shape != pred_ids.shape:
        raise coded(InputError("lag must have one value per dependency"), "shape")
    pred = _positions(ids_, pred_ids)
    succ = _positions(ids_, succ_ids)
    level = _levels(n, pred, succ, ids_)
    es, ef = _forward(
        level,
        dur,
        pred,
        succ,
        lags,
        start=_day(start),
        not_before=_days(not_before, n, "not_before"),
        actual_start=_days(actual_start, n, "actual_start"),
        actual_finish=_days(actual_finish, n, "actual_finish"),
        expected_finish=_days(expected_finish, n, "expected_finish"),
        today=_day(today),
    )
    finish = int(ef.max()) if n else _day(start)
    ls, lf = _backward(level, es, ef, pred, succ, lags, finish)
    slack = lf - ef
    order = np.argsort(level, kind="stable").astype(np.int64)

    def as_dates(days: Days) -> npt.NDArray[np.datetime64]:
        return days.astype("datetime64[D]")

    return Schedule(
        ids=ids_,
        early_start=as_dates(es),
        early_finish=as_dates(ef),
        late_start=as_dates(ls),
        late_finish=as_dates(lf),
        slack=slack,
        critical=slack <= 0,
        finish=np.datetime64(finish, "D"),
        order=order,
        level=level,
        edges=(pred, succ),
        lag=lags,
        duration=dur,
    )


def _by_level(level: Days, of: Days) -> tuple[Days, Days]:
    """Dependencies sorted by ``level[of]`` and where each level's run starts."""
    rows = np.argsort(level[of], kind="stable")
    bounds = np.searchsorted(level[of][rows], np.arange(int(level.max(initial=0)) + 2))
    return rows, bounds


def _forward(
    level: Days,
    dur: Days,
    pred: Days,
    succ: Days,
    lags: Days,
    *,
    start: int,
    not_before: Days,
    actual_start: Days,
    actual_finish: Days,
    expected_finish: Days,
    today: int,
) -> tuple[Days, Days]:
    """Earliest starts and finishes, level by level."""
    es = np.where(not_before != NAT, np.maximum(not_before, start), start)
    ef = np.empty_like(es)
    started = actual_start != NAT
    finished = actual_finish != NAT
    rows, bounds = _by_level(level, succ)
    members = np.argsort(level, kind="stable")
    member_bounds = np.searchsorted(level[members], np.arange(int(level.max(initial=0)) + 2))
    for depth in range(len(member_bounds) - 1):
        edges = rows[bounds[depth] : bounds[depth + 1]]
        if edges.size:
            np.maximum.at(es, succ[edges], ef[pred[edges]] + lags[edges])
        items = members[member_bounds[depth] : member_bounds[depth + 1]]
        s = np.where(started[items], actual_start[items], es[items])
        expected = expected_finish[items]
        f = np.where(expected != NAT, np.maximum(expected, s), s + dur[items])
        if today != NAT:
            f = np.maximum(f, today)
        done = finished[items]
        s = np.where(done & ~started[items], np.minimum(s, actual_finish[items]), s)
        f = np.where(done, actual_finish[items], f)
        es[items], ef[items] = s, f
    return es, ef


def _backward(
    level: Days, es: Days, ef: Days, pred: Days, succ: Days, lags: Days, finish: int
) -> tuple[Days, Days]:
    """Latest finishes and starts, from the project's finish back, level by level."""
    lf = np.full_like(ef, finish)
    ls = np.empty_like(es)
    span = ef - es  # the duration as forecast (a late item's runs to today)
    rows, bounds = _by_level(level, pred)
    members = np.argsort(level, kind="stable")
    member_bounds = np.searchsorted(level[members], np.arange(int(level.max(initial=0)) + 2))
    for depth in range(len(member_bounds) - 2, -1, -1):
        items = members[member_bounds[depth] : member_bounds[depth + 1]]
        edges = rows[bounds[depth] : bounds[depth + 1]]
        if edges.size:
            np.minimum.at(lf, pred[edges], ls[succ[edges]] - lags[edges])
        ls[items] = lf[items] - span[items]
    return ls, lf


def pushed_back(schedule: Schedule, baseline: Schedule, source: int) -> dict[int, int]:
    """Find the items that item ``source`` (an id) pushes back, and by how many days.

    Returns ``{item id: days}``: the days each now starts later in ``schedule`` than in
    ``baseline`` (the same network, planned without progress), the source's own delay
    (of its finish) included.

    Only items reachable from ``source`` through driving dependencies count (those
    that hold their successor back in ``schedule``: the predecessor's finish plus the
    lag is the successor's start), and only those that moved: an item another late
    item holds back is not counted as pushed by this one.
    """
    pred, succ = schedule.edges
    es = schedule.early_start.astype(np.int64)
    ef = schedule.early_finish.astype(np.int64)
    # only the dependencies that hold their successor back pass a delay on
    driving = ef[pred] + schedule.lag >= es[succ]
    pred, succ = pred[driving], succ[driving]
    n = len(schedule.ids)
    at = schedule.position(source)
    reached = np.zeros(n, dtype=bool)
    reached[at] = True
    frontier = np.array([at])
    while frontier.size:
        targets = succ[np.isin(pred, frontier)]
        frontier = np.unique(targets[~reached[targets]])
        reached[frontier] = True
    shift_start = (schedule.early_start - baseline.early_start).astype(np.int64)
    shift_finish = (schedule.early_finish - baseline.early_finish).astype(np.int64)
    shift = np.where(np.arange(n) == at, shift_finish, shift_start)
    moved = reached & (shift > 0)
    return dict(zip(schedule.ids[moved].tolist(), shift[moved].tolist(), strict=True))
