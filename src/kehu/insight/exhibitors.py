"""Each exhibitor's relationship across events: stage, indices, and who will not return.

The input is one row per exhibitor (or any customer who takes part) and event, with
columns:

- ``exhibitor``: who (any hashable id);
- ``event`` and ``event_date``: which event and when it took place (events are put in
  order by date; one event has one date);
- ``attended`` (optional, default true): whether the exhibitor took part; an exhibitor
  without a row for an event did not take part in it;
- ``booth_spend``, ``revenue`` (optional, default 0): what the exhibitor paid for its
  booth at the event, and the revenue it brought within the window after it;
- ``satisfaction`` (optional): its survey score, 1 to 5, blank when not answered;
- ``would_return`` (optional): its survey's "would you come again", 1/0, blank.

Stage at each event (after Dwyer, Schurr & Oh 1987, as :mod:`kehu.insight.lifecycle`
reads purchases), first matching rule wins, for an exhibitor that has taken part in at
least one event so far:

1. **decline**: missed this event after taking part before (``missed``), or, at its
   latest event, its booth spend fell by more than ``spend_drop`` (20 %) from the event
   before it took part in (``spend``), or its satisfaction fell by at least
   ``satisfaction_drop`` (1) point (``satisfaction``);
2. **exploration**: this is its first event;
3. **formation**: its second or third event (up to ``formation_events``), or it took
   part in no more than ``stable_share`` (half) of the events since its first;
4. **stability**: a regular: more than half of the events since its first, at least
   ``formation_events + 1`` of them.

Indices per exhibitor, at the latest event:

- satisfaction: mean survey score over the events it answered;
- loyalty: the share of the events since its first that it took part in;
- retention: whether it took part in the previous event and in this one (``retained``),
  and ``retention_rate``, the share of its events it came back from to the next one;
- contribution: booth spend plus revenue over every event, and its share of everyone's.

Who will not return to the next event: the table is replayed event by event; each
exhibitor's features at an event (taken part, events so far, loyalty, misses in a row,
satisfaction and its change, booth spend and its change, revenue, would return) are
labelled by whether it was missing from the next event. With at least ``min_rows``
labelled rows and ``min_each`` of each outcome, kehu's outcome model
(:func:`kehu.insight.churn.train_outcome`) learns them and scores the latest event,
with each exhibitor's top reasons, provided it predicts better than chance (its
cross-validated ROC AUC at least ``min_auc``, 0.6); otherwise a transparent rule does
(:data:`RULE_WEIGHTS`): each warning sign that holds raises the chance by its weight,
``1 - prod(1 - w)``, and the signs are the reasons. ``method`` says which was used.

Examples
--------
>>> rows = pd.DataFrame({
...     "exhibitor": ["a", "a", "b"],
...     "event": [1, 2, 1],
...     "event_date": ["2025-03-01", "2026-03-01", "2025-03-01"],
... })
>>> history = exhibitor_history(rows)
>>> history.exhibitors["stage"].to_dict()
{'a': 'formation', 'b': 'decline'}
>>> history.method
'rule'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kehu.insight.errors import InputError

__all__ = [
    "FEATURES",
    "RULE_WEIGHTS",
    "STAGES",
    "ExhibitorHistory",
    "ExhibitorRules",
    "exhibitor_history",
]

STAGES = ("exploration", "formation", "stability", "decline")
REQUIRED = ("exhibitor", "event", "event_date")
#: The features of each exhibitor at an event, which the not-return model learns from.
FEATURES = (
    "attended",
    "events_attended",
    "events_since_first",
    "loyalty",
    "retained",
    "missed_in_a_row",
    "satisfaction_last",
    "satisfaction_change",
    "booth_spend_last",
    "booth_spend_change",
    "revenue_last",
    "would_return_last",
)
#: The rule's warning signs (a feature and the test on it) and their weights.
RULE_WEIGHTS: dict[str, float] = {
    "missed_in_a_row": 0.6,  # missed the latest event(s)
    "would_return_last": 0.6,  # said in the survey it would not come again
    "satisfaction_last": 0.4,  # latest score 2 or below
    "satisfaction_change": 0.3,  # score fell by a point or more
    "booth_spend_change": 0.3,  # booth spend fell by more than spend_drop
    "events_attended": 0.25,  # one event so far: newcomers return less often
}


@dataclass(frozen=True)
class ExhibitorRules:
    """Thresholds of the stages and of the choice between model and rule."""

    formation_events: int = 3
    stable_share: float = 0.5
    spend_drop: float = 0.2
    satisfaction_drop: float = 1.0
    low_satisfaction: float = 2.0
    min_rows: int = 100
    min_each: int = 10
    min_auc: float = 0.6
    folds: int = 5
    seed: int = 0

    def __post_init__(self) -> None:
        """Check the thresholds."""
        if self.formation_events < 1:
            raise InputError(f"formation_events must be at least 1, got {self.formation_events}")
        for name in ("stable_share", "spend_drop"):
            value = getattr(self, name)
            if not 0 <= value < 1:
                raise InputError(f"{name} must be in [0, 1), got {value}")


@dataclass
class ExhibitorHistory:
    """Stages and indices of each exhibitor, and who is likely not to return."""

    #: one row per exhibitor (the index): its indices, stage and not-return chance
    exhibitors: pd.DataFrame
    #: exhibitor x event (in date order): the stage at each event ("" before its first)
    stages: pd.DataFrame
    #: one row per event in date order: exhibitors, new, returning, retention, satisfaction
    events: pd.DataFrame
    #: "model" (kehu's outcome model), "rule" (too little history), "none" (no exhibitor)
    method: str
    metrics: dict[str, Any] = field(default_factory=dict)


def exhibitor_history(rows: pd.DataFrame, rules: ExhibitorRules | None = None) -> ExhibitorHistory:
    """Return each exhibitor's stage, indices and chance of not returning.

    Parameters
    ----------
    rows : DataFrame
        One row per exhibitor and event (columns in the module docstring).
    rules : ExhibitorRules, optional
        Thresholds; the defaults are documented there.

    Returns
    -------
    ExhibitorHistory
    """
    rules = rules or ExhibitorRules()
    grid = _Grid.build(_checked(rows))
    if len(grid.exhibitors) == 0:
        return _nobody(grid)
    snapshot = grid.features()
    stages = grid.stages(snapshot, rules)
    last = grid.n_events - 1
    exhibitors = pd.DataFrame(index=grid.exhibitors)
    exhibitors.index.name = "exhibitor"
    latest = {name: values[:, last] for name, values in snapshot.items()}
    exhibitors["events_attended"] = latest["events_attended"].astype(int)
    exhibitors["events_since_first"] = latest["events_since_first"].astype(int)
    exhibitors["first_event"] = grid.events[grid.first]
    exhibitors["last_event"] = grid.events[grid.last_attended[:, last]]
    exhibitors["stage"] = stages[:, last]
    exhibitors["decline_reason"] = grid.decline_reason(snapshot, rules)[:, last]
    exhibitors["satisfaction"] = _nan_mean(grid.satisfaction, grid.answered)
    exhibitors["loyalty"] = latest["loyalty"]
    exhibitors["retained"] = latest["retained"].astype(bool)
    exhibitors["retention_rate"] = grid.retention_rate()
    exhibitors["booth_spend"] = grid.booth_spend.sum(axis=1)
    exhibitors["revenue"] = grid.revenue.sum(axis=1)
    contribution = exhibitors["booth_spend"] + exhibitors["revenue"]
    total = float(contribution.sum())
    exhibitors["contribution"] = contribution
    exhibitors["contribution_share"] = contribution / total if total > 0 else 0.0
    exhibitors["missed_in_a_row"] = latest["missed_in_a_row"].astype(int)
    probability, reasons, method, metrics = _not_return(grid, snapshot, rules)
    exhibitors["not_return"] = probability
    exhibitors["not_return_reasons"] = reasons
    stage_frame = pd.DataFrame(stages, index=exhibitors.index, columns=grid.events)
    return ExhibitorHistory(exhibitors, stage_frame, grid.event_table(), method, metrics)


def _nobody(grid: _Grid) -> ExhibitorHistory:
    columns = [
        "events_attended",
        "events_since_first",
        "first_event",
        "last_event",
        "stage",
        "decline_reason",
        "satisfaction",
        "loyalty",
        "retained",
        "retention_rate",
        "booth_spend",
        "revenue",
        "contribution",
        "contribution_share",
        "missed_in_a_row",
        "not_return",
        "not_return_reasons",
    ]
    empty = pd.DataFrame(columns=columns, index=pd.Index([], name="exhibitor"))
    stages = pd.DataFrame(index=empty.index, columns=grid.events)
    return ExhibitorHistory(empty, stages, grid.event_table(), "none", {})


def _checked(rows: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in REQUIRED if c not in rows.columns]
    if missing:
        raise InputError(f"exhibitor history needs columns {missing}; found {list(rows.columns)}")
    frame = rows.reset_index(drop=True).copy()
    dates = pd.to_datetime(frame["event_date"], errors="coerce", format="mixed")
    bad = frame.loc[dates.isna() & frame["event_date"].notna(), "event_date"]
    if dates.isna().any():
        shown = bad.iloc[0] if len(bad) else None
        raise InputError(f"event_date must be a date in every row, got {shown!r}")
    frame["event_date"] = dates
    per_event = frame.groupby("event")["event_date"].nunique()
    if (per_event > 1).any():
        raise InputError(f"event {per_event[per_event > 1].index[0]!r} has more than one date")
    pairs = frame.duplicated(["exhibitor", "event"])
    if pairs.any():
        first = frame.loc[pairs].iloc[0]
        raise InputError(
            f"exhibitor {first['exhibitor']!r} has more than one row for event {first['event']!r}"
        )
    frame["attended"] = (
        frame["attended"].fillna(False).astype(bool) if "attended" in frame else True
    )
    for column in ("booth_spend", "revenue"):
        values = _numbers(frame, column).fillna(0.0)
        if (values < 0).any():
            raise InputError(f"{column} must not be negative, got {values[values < 0].iloc[0]}")
        frame[column] = values
    for column, low, high in (("satisfaction", 1, 5), ("would_return", 0, 1)):
        values = _numbers(frame, column)
        outside = values.notna() & ((values < low) | (values > high))
        if outside.any():
            raise InputError(
                f"{column} must be from {low} to {high}, got {values[outside].iloc[0]}"
            )
        frame[column] = values
    return frame


def _numbers(frame: pd.DataFrame, column: str) -> pd.Series:
    """Read the column as numbers (NaN where blank or absent); refuse any other text."""
    if column not in frame.columns:
        return pd.Series(np.nan, index=frame.index, dtype=float)
    raw = frame[column]
    if raw.dtype == bool:
        raw = raw.astype(float)
    blank = raw.isna() | (raw.astype(str).str.strip() == "")
    values = pd.Series(pd.to_numeric(raw.where(~blank), errors="coerce"), dtype=float)
    unreadable = values.isna() & ~blank
    if unreadable.any():
        raise InputError(f"{column} must be a number, got {raw[unreadable].iloc[0]!r}")
    return values


def _nan_mean(values: np.ndarray, present: np.ndarray) -> np.ndarray:
    count = present.sum(axis=1)
    total = np.where(present, values, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _forward_fill(values: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Each cell: the value at the latest present cell of its row up to it (NaN before)."""
    columns = np.arange(values.shape[1])
    index = np.maximum.accumulate(np.where(present, columns, -1), axis=1)
    filled = np.take_along_axis(values, np.maximum(index, 0), axis=1)
    return np.where(index >= 0, filled, np.nan)


@dataclass
class _Grid:
    """The rows as exhibitor x event matrices, events in date order."""

    exhibitors: pd.Index
    events: np.ndarray
    dates: np.ndarray
    attended: np.ndarray  # bool
    booth_spend: np.ndarray
    revenue: np.ndarray
    satisfaction: np.ndarray
    answered: np.ndarray  # bool: a satisfaction score at an event it took part in
    would_return: np.ndarray

    @classmethod
    def build(cls, frame: pd.DataFrame) -> _Grid:
        calendar = (
            frame[["event", "event_date"]]
            .drop_duplicates("event")
            .sort_values(["event_date", "event"], kind="stable")
        )
        exhibitors = pd.Index(frame.loc[frame["attended"], "exhibitor"].unique())
        frame = frame[frame["exhibitor"].isin(exhibitors)]
        row = exhibitors.get_indexer(frame["exhibitor"])
        column = pd.Index(calendar["event"]).get_indexer(frame["event"])
        shape = (len(exhibitors), len(calendar))

        def matrix(values: pd.Series, fill: float) -> np.ndarray:
            out = np.full(shape, fill, dtype=float)
            out[row, column] = values.to_numpy(dtype=float)
            return out

        attended = matrix(frame["attended"].astype(float), 0.0) > 0
        took_part = np.where(attended, 1.0, np.nan)
        satisfaction = matrix(frame["satisfaction"], np.nan) * took_part
        return cls(
            exhibitors=exhibitors,
            events=calendar["event"].to_numpy(),
            dates=calendar["event_date"].to_numpy(),
            attended=attended,
            booth_spend=np.where(attended, matrix(frame["booth_spend"], 0.0), 0.0),
            revenue=matrix(frame["revenue"], 0.0),
            satisfaction=satisfaction,
            answered=~np.isnan(satisfaction),
            would_return=matrix(frame["would_return"], np.nan) * took_part,
        )

    @property
    def n_events(self) -> int:
        return len(self.events)

    @property
    def first(self) -> np.ndarray:
        """Each exhibitor's first event (column index)."""
        if self.n_events == 0:
            return np.zeros(len(self.exhibitors), dtype=int)
        return np.asarray(self.attended.argmax(axis=1))

    @property
    def last_attended(self) -> np.ndarray:
        """Each cell: the latest event taken part in up to it (-1 before the first)."""
        columns = np.arange(self.n_events)
        return np.maximum.accumulate(np.where(self.attended, columns, -1), axis=1)

    def _previous_attended(self, last: np.ndarray) -> np.ndarray:
        """Each cell: the event taken part in before the latest one (-1 when none)."""
        before = np.concatenate(
            [np.full((len(last), 1), -1), last[:, :-1]], axis=1
        )  # latest up to the column before
        before_latest = np.take_along_axis(before, np.maximum(last, 0), axis=1)
        return np.where(last >= 0, before_latest, -1)

    def features(self) -> dict[str, np.ndarray]:
        """Each exhibitor's features at each event (NaN before its first)."""
        columns = np.arange(self.n_events)
        last = self.last_attended
        started = last >= 0
        previous = self._previous_attended(last)
        events_attended = np.cumsum(self.attended, axis=1).astype(float)
        since_first = np.where(started, columns - self.first[:, None] + 1, np.nan)
        satisfaction = _forward_fill(self.satisfaction, self.answered)

        def at(values: np.ndarray, index: np.ndarray) -> np.ndarray:
            picked = np.take_along_axis(values, np.maximum(index, 0), axis=1)
            return np.where(index >= 0, picked, np.nan)

        spend_last, spend_before = at(self.booth_spend, last), at(self.booth_spend, previous)
        sat_last = at(self.satisfaction, last)
        sat_before = at(satisfaction, previous)
        with np.errstate(invalid="ignore", divide="ignore"):
            spend_change = np.where(
                spend_before > 0, (spend_last - spend_before) / spend_before, np.nan
            )
            loyalty = events_attended / since_first
        retained = np.zeros_like(self.attended)
        retained[:, 1:] = self.attended[:, 1:] & self.attended[:, :-1]
        values = {
            "attended": self.attended.astype(float),
            "events_attended": events_attended,
            "events_since_first": since_first,
            "loyalty": loyalty,
            "retained": retained.astype(float),
            "missed_in_a_row": (columns - last).astype(float),
            "satisfaction_last": sat_last,
            "satisfaction_change": sat_last - sat_before,
            "booth_spend_last": spend_last,
            "booth_spend_change": spend_change,
            "revenue_last": at(self.revenue, last),
            "would_return_last": at(self.would_return, last),
        }
        return {name: np.where(started, v, np.nan) for name, v in values.items()}

    def _declining(self, f: dict[str, np.ndarray], rules: ExhibitorRules) -> dict[str, np.ndarray]:
        with np.errstate(invalid="ignore"):
            return {
                "missed": f["missed_in_a_row"] >= 1,
                "spend": f["booth_spend_change"] < -rules.spend_drop,
                "satisfaction": f["satisfaction_change"] <= -rules.satisfaction_drop,
            }

    def decline_reason(self, f: dict[str, np.ndarray], rules: ExhibitorRules) -> np.ndarray:
        """Each cell: why the exhibitor is in decline ("" when it is not)."""
        signs = self._declining(f, rules)
        return np.select(list(signs.values()), list(signs.keys()), "").astype(object)

    def stages(self, f: dict[str, np.ndarray], rules: ExhibitorRules) -> np.ndarray:
        """Each exhibitor's stage at each event ("" before its first)."""
        declining = np.logical_or.reduce(list(self._declining(f, rules).values()))
        attended = f["events_attended"]
        with np.errstate(invalid="ignore"):
            conditions = [
                np.isnan(attended),
                declining,
                attended == 1,
                (attended <= rules.formation_events) | (f["loyalty"] <= rules.stable_share),
            ]
        return np.select(conditions, ["", "decline", "exploration", "formation"], "stability")

    def retention_rate(self) -> np.ndarray:
        """Return the share of each exhibitor's earlier events it came back after."""
        if self.n_events < 2:
            return np.full(len(self.exhibitors), np.nan)
        before = self.attended[:, :-1]
        back = (before & self.attended[:, 1:]).sum(axis=1)
        n = before.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(n > 0, back / np.maximum(n, 1), np.nan)

    def event_table(self) -> pd.DataFrame:
        """One row per event: exhibitors, new ones, returning ones, retention."""
        attended = self.attended
        n = attended.sum(axis=0)
        new = (attended & (np.arange(self.n_events) == self.first[:, None])).sum(axis=0)
        came_back = np.zeros(self.n_events, dtype=int)
        came_back[1:] = (attended[:, 1:] & attended[:, :-1]).sum(axis=0)
        previous = np.concatenate([[0], n[:-1]])
        with np.errstate(invalid="ignore", divide="ignore"):
            retention = np.where(previous > 0, came_back / np.maximum(previous, 1), np.nan)
            count = self.answered.sum(axis=0)
            score = np.where(self.answered, self.satisfaction, 0.0).sum(axis=0)
            satisfaction = np.where(count > 0, score / np.maximum(count, 1), np.nan)
        return pd.DataFrame(
            {
                "event": self.events,
                "event_date": self.dates,
                "exhibitors": n,
                "new": new,
                "returning": n - new,
                "retention": retention,
                "satisfaction": satisfaction,
            }
        )


def _not_return(
    grid: _Grid, f: dict[str, np.ndarray], rules: ExhibitorRules
) -> tuple[np.ndarray, list[list[str]], str, dict[str, Any]]:
    """Each exhibitor's chance of missing the next event, its reasons, and the method."""
    n = len(grid.exhibitors)
    if n == 0:
        return np.zeros(0), [], "none", {}
    last = grid.n_events - 1
    started = ~np.isnan(f["events_attended"])
    # training rows: an exhibitor at an event before the latest, labelled by the next one
    row, column = np.nonzero(started[:, :last])
    label = (~grid.attended[row, column + 1]).astype(float)
    n_positive = int(label.sum())
    counts: dict[str, Any] = {"n_labelled": int(len(label)), "n_positive": n_positive}
    if len(label) >= rules.min_rows and min(n_positive, len(label) - n_positive) >= max(
        rules.min_each, rules.folds
    ):
        from kehu.insight.churn import feature_table, train_outcome  # lightgbm: load on use

        train = pd.DataFrame({name: f[name][row, column] for name in FEATURES})
        score = pd.DataFrame({name: f[name][:, last] for name in FEATURES})
        frame = pd.concat([train, score], ignore_index=True)
        frame.insert(0, "row", np.arange(len(frame)))
        frame["outcome"] = np.concatenate([label, np.full(n, np.nan)])
        try:
            result = train_outcome(
                feature_table(frame, "outcome", "row"), folds=rules.folds, seed=rules.seed
            )
        except InputError as e:
            counts["model_error"] = str(e)
        else:
            counts["cv_roc_auc"] = result.metrics["cv_roc_auc"]
            if counts["cv_roc_auc"] >= rules.min_auc:
                scores = result.scores.slice(len(train))
                reasons = [list(r) for r in scores.column("top_reasons").to_pylist()]
                return scores.column("probability").to_numpy(), reasons, "model", counts
            counts["model_rejected"] = True  # no better than chance: the rule is clearer
    probability, reasons = _rule(f, last, rules)
    return probability, reasons, "rule", counts


def _rule(
    f: dict[str, np.ndarray], last: int, rules: ExhibitorRules
) -> tuple[np.ndarray, list[list[str]]]:
    """Score by the transparent rule: each warning sign raises the chance by its weight."""
    at = {name: values[:, last] for name, values in f.items()}
    with np.errstate(invalid="ignore"):
        signs = {
            "missed_in_a_row": at["missed_in_a_row"] >= 1,
            "would_return_last": at["would_return_last"] == 0,
            "satisfaction_last": at["satisfaction_last"] <= rules.low_satisfaction,
            "satisfaction_change": at["satisfaction_change"] <= -rules.satisfaction_drop,
            "booth_spend_change": at["booth_spend_change"] < -rules.spend_drop,
            "events_attended": at["events_attended"] == 1,
        }
    stay = np.ones(len(at["attended"]))
    for name, holds in signs.items():
        stay = np.where(holds, stay * (1 - RULE_WEIGHTS[name]), stay)
    words = pd.DataFrame(
        {
            name: np.where(holds, name + " = " + _shown(at[name]), np.array(None))
            for name, holds in signs.items()
        }
    )
    reasons = [[r for r in row if isinstance(r, str)] for row in words.itertuples(index=False)]
    return 1 - stay, reasons


def _shown(values: np.ndarray) -> np.ndarray:
    """Numbers as the outcome model's reasons write them (whole numbers without .0)."""
    rounded = np.round(np.nan_to_num(values), 4)
    whole = rounded == np.round(rounded)
    text = np.where(whole, rounded.astype(np.int64).astype(str), rounded.astype(str))
    return np.asarray(text, dtype=object)
