from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kehu.insight.errors import InputError
from kehu.insight.exhibitors import ExhibitorRules, exhibitor_history

DATES = {f"E{i}": f"{2019 + i}-03-01" for i in range(1, 7)}


def _rows(plan: dict[str, dict[str, tuple]]) -> pd.DataFrame:
    """plan: exhibitor -> event -> (booth_spend, satisfaction, revenue)."""
    rows = [
        {
            "exhibitor": who,
            "event": event,
            "event_date": DATES[event],
            "booth_spend": spend,
            "satisfaction": score,
            "revenue": revenue,
        }
        for who, events in plan.items()
        for event, (spend, score, revenue) in events.items()
    ]
    return pd.DataFrame(rows)


def _every(events: str, spend: float = 1000, score: float | None = 4, revenue: float = 0):
    return {f"E{i}": (spend, score, revenue) for i in events}


PLAN = {
    "steady": _every("123456"),
    "new": _every("6", spend=500, score=5),
    "second": _every("56"),
    "lapsed": _every("1234"),
    "shrinking": {**_every("345"), "E6": (500, 4, 0)},
    "unhappy": {**_every("2345", score=5), "E6": (1000, 3, 0)},
    "patchy": _every("1246"),
    "sparse": _every("146"),
}


def test_each_exhibitor_gets_the_stage_its_history_shows():
    # given eight exhibitors with hand-made histories over six yearly fairs
    history = exhibitor_history(_rows(PLAN))
    # then the stage at the latest fair is the first rule that matches
    stages = history.exhibitors["stage"].to_dict()
    assert stages == {
        "steady": "stability",  # all six
        "new": "exploration",  # first fair
        "second": "formation",  # second fair
        "lapsed": "decline",  # missed the last two after four
        "shrinking": "decline",  # booth halved at the latest fair
        "unhappy": "decline",  # satisfaction 5 -> 3
        "patchy": "stability",  # 4 of the 6 since its first: a regular
        "sparse": "formation",  # 3 of 6: still forming
    }
    reasons = history.exhibitors["decline_reason"].to_dict()
    assert reasons["lapsed"] == "missed"
    assert reasons["shrinking"] == "spend"
    assert reasons["unhappy"] == "satisfaction"
    assert reasons["steady"] == ""


def test_stage_at_each_event_replays_the_history():
    history = exhibitor_history(_rows(PLAN))
    lapsed = history.stages.loc["lapsed"].tolist()
    assert lapsed == ["exploration", "formation", "formation", "stability", "decline", "decline"]
    assert history.stages.loc["second"].tolist() == ["", "", "", "", "exploration", "formation"]
    assert list(history.stages.columns) == [f"E{i}" for i in range(1, 7)]


def test_indices_per_exhibitor():
    history = exhibitor_history(_rows(PLAN))
    ex = history.exhibitors
    # loyalty: events taken part in since the first, over the events since the first
    assert ex.loc["steady", "loyalty"] == 1.0
    assert ex.loc["lapsed", "loyalty"] == pytest.approx(4 / 6)
    assert ex.loc["patchy", "loyalty"] == pytest.approx(4 / 6)
    assert ex.loc["sparse", "loyalty"] == pytest.approx(3 / 6)
    assert ex.loc["second", "loyalty"] == 1.0
    # retention: the previous fair and this one
    assert ex["retained"].to_dict() == {
        "steady": True,
        "new": False,
        "second": True,
        "lapsed": False,
        "shrinking": True,
        "unhappy": True,
        "patchy": False,
        "sparse": False,
    }
    # patchy came back after E1 but not after E2 or E4: 1 of 3
    assert ex.loc["patchy", "retention_rate"] == pytest.approx(1 / 3)
    assert np.isnan(ex.loc["new", "retention_rate"])
    # satisfaction: the mean of its scores
    assert ex.loc["unhappy", "satisfaction"] == pytest.approx((5 * 4 + 3) / 5)
    # contribution: booth spend plus revenue, and the share of everyone's
    total = 6000 + 500 + 2000 + 4000 + 3500 + 5000 + 4000 + 3000
    assert ex.loc["shrinking", "contribution"] == 3500
    assert ex.loc["shrinking", "contribution_share"] == pytest.approx(3500 / total)
    assert ex["contribution_share"].sum() == pytest.approx(1.0)
    assert ex.loc["lapsed", "missed_in_a_row"] == 2
    assert ex.loc["lapsed", "first_event"] == "E1"
    assert ex.loc["lapsed", "last_event"] == "E4"


def test_revenue_counts_in_the_contribution():
    plan = {"a": _every("12", spend=100, revenue=900), "b": _every("12", spend=100)}
    ex = exhibitor_history(_rows(plan)).exhibitors
    assert ex["contribution"].to_dict() == {"a": 2000.0, "b": 200.0}
    assert ex.loc["a", "contribution_share"] == pytest.approx(2000 / 2200)


def test_per_event_counts_new_returning_and_retention():
    events = exhibitor_history(_rows(PLAN)).events.set_index("event")
    # E5: steady, second, shrinking, unhappy; E4 had six: steady, lapsed, shrinking,
    # unhappy, patchy, sparse, of whom steady, shrinking and unhappy came back
    assert events.loc["E5", "exhibitors"] == 4
    assert events.loc["E5", "new"] == 1
    assert events.loc["E5", "returning"] == 3
    assert events.loc["E5", "retention"] == pytest.approx(3 / 6)
    assert np.isnan(events.loc["E1", "retention"])
    assert events.loc["E6", "satisfaction"] == pytest.approx((4 + 5 + 4 + 4 + 3 + 4 + 4) / 7)


def test_too_little_history_uses_the_rule_and_says_why():
    history = exhibitor_history(_rows(PLAN))
    assert history.method == "rule"
    assert history.metrics["n_labelled"] < 100
    ex = history.exhibitors
    # lapsed missed the last two fairs: the strongest sign
    assert ex.loc["lapsed", "not_return"] == pytest.approx(0.6)
    assert ex.loc["lapsed", "not_return_reasons"] == ["missed_in_a_row = 2"]
    # new: one fair so far
    assert ex.loc["new", "not_return_reasons"] == ["events_attended = 1"]
    assert ex.loc["new", "not_return"] == pytest.approx(0.25)
    # unhappy: satisfaction fell a point or more: 1 - (1 - 0.3)
    assert ex.loc["unhappy", "not_return_reasons"] == ["satisfaction_change = -2"]
    # shrinking: booth spend fell by half
    assert ex.loc["shrinking", "not_return_reasons"] == ["booth_spend_change = -0.5"]
    assert ex.loc["steady", "not_return"] == 0.0
    assert ex.loc["steady", "not_return_reasons"] == []


def test_rule_combines_signs_and_reads_would_return():
    rows = _rows({"a": {"E1": (1000, 5, 0), "E2": (1000, 2, 0)}, "b": _every("12")})
    rows["would_return"] = [1, 0, 1, 1]
    ex = exhibitor_history(rows).exhibitors
    # would not return (0.6), score 2 (0.4), score fell by 3 (0.3)
    assert ex.loc["a", "not_return"] == pytest.approx(1 - 0.4 * 0.6 * 0.7)
    assert ex.loc["a", "not_return_reasons"] == [
        "would_return_last = 0",
        "satisfaction_last = 2",
        "satisfaction_change = -3",
    ]


def _simulated(n_exhibitors: int = 80, n_events: int = 8, seed: int = 3) -> pd.DataFrame:
    """Unhappy exhibitors (score 1-2) mostly stay away next time; happy ones come back."""
    rng = np.random.default_rng(seed)
    happy = rng.random(n_exhibitors) < 0.5
    attending = np.ones(n_exhibitors, dtype=bool)
    rows = []
    for e in range(n_events):
        score = np.where(happy, rng.integers(4, 6, n_exhibitors), rng.integers(1, 3, n_exhibitors))
        for i in np.flatnonzero(attending):
            rows.append((i, e, f"{2010 + e}-05-01", 1000.0, float(score[i])))
        back = rng.random(n_exhibitors) < np.where(happy, 0.9, 0.25)
        attending = np.where(attending, back, rng.random(n_exhibitors) < 0.5)
    columns = ["exhibitor", "event", "event_date", "booth_spend", "satisfaction"]
    return pd.DataFrame(rows, columns=columns)


def test_with_enough_history_the_outcome_model_learns_who_stays_away():
    rows = _simulated()
    history = exhibitor_history(rows)
    assert history.method == "model"
    assert history.metrics["n_labelled"] >= 100
    assert history.metrics["cv_roc_auc"] > 0.7
    ex = history.exhibitors
    at_last = rows[rows["event"] == rows["event"].max()].set_index("exhibitor")["satisfaction"]
    unhappy = ex.loc[at_last.index[at_last <= 2], "not_return"].mean()
    happy = ex.loc[at_last.index[at_last >= 4], "not_return"].mean()
    assert unhappy > happy + 0.2
    assert ex["not_return"].between(0, 1).all()
    assert all(isinstance(r, list) for r in ex["not_return_reasons"])
    reasons = [r for rs in ex["not_return_reasons"] for r in rs]
    assert any(r.startswith("satisfaction") for r in reasons)


def test_a_model_no_better_than_chance_gives_way_to_the_rule():
    # each exhibitor comes to each fair with the same chance, whatever it did before
    rng = np.random.default_rng(5)
    came = rng.random((80, 8)) < 0.7
    who, event = np.nonzero(came)
    rows = pd.DataFrame(
        {
            "exhibitor": who,
            "event": event,
            "event_date": pd.to_datetime("2010-05-01") + pd.to_timedelta(event * 365, "D"),
            "booth_spend": 1000.0,
            "satisfaction": rng.integers(1, 6, who.size).astype(float),
        }
    )
    history = exhibitor_history(rows)
    assert history.metrics["n_labelled"] >= 100
    assert history.metrics["cv_roc_auc"] < 0.6
    assert history.metrics["model_rejected"] is True
    assert history.method == "rule"
    assert (
        history.exhibitors["not_return_reasons"].map(lambda rs: all(" = " in r for r in rs)).all()
    )


def test_same_input_same_result():
    rows = _simulated(n_exhibitors=60)
    first = exhibitor_history(rows).exhibitors["not_return"]
    second = exhibitor_history(rows).exhibitors["not_return"]
    pd.testing.assert_series_equal(first, second)


def test_rules_change_the_thresholds():
    rules = ExhibitorRules(formation_events=1)
    stages = exhibitor_history(_rows(PLAN), rules).exhibitors["stage"]
    assert stages["second"] == "stability"
    assert stages["sparse"] == "formation"  # 3 of 6 is not most
    with pytest.raises(InputError, match="stable_share must be in"):
        ExhibitorRules(stable_share=1.5)


def test_an_exhibitor_who_never_took_part_is_not_listed_and_an_absent_row_is_a_miss():
    rows = _rows(PLAN)
    rows = pd.concat(
        [rows, pd.DataFrame([{"exhibitor": "invited", "event": "E6", "event_date": DATES["E6"]}])]
    )
    rows["attended"] = rows["exhibitor"] != "invited"
    ex = exhibitor_history(rows).exhibitors
    assert "invited" not in ex.index
    assert len(ex) == len(PLAN)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r.drop(columns="event_date"), r"needs columns \['event_date'\]"),
        (lambda r: r.assign(satisfaction=7), "satisfaction must be from 1 to 5, got 7"),
        (lambda r: r.assign(booth_spend="lots"), "booth_spend must be a number, got 'lots'"),
        (lambda r: r.assign(booth_spend=-1), "booth_spend must not be negative"),
        (lambda r: r.assign(event_date="someday"), "event_date must be a date"),
        (lambda r: pd.concat([r, r.head(1)]), "more than one row for event"),
        (
            lambda r: r.assign(event_date=np.where(r.index == 0, "2000-01-01", r["event_date"])),
            "has more than one date",
        ),
    ],
)
def test_bad_input_says_what_to_fix(change, message):
    with pytest.raises(InputError, match=message):
        exhibitor_history(change(_rows(PLAN)))


def test_empty_table_gives_no_exhibitors():
    rows = pd.DataFrame(columns=["exhibitor", "event", "event_date"])
    history = exhibitor_history(rows)
    assert history.method == "none"
    assert history.exhibitors.empty
