from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kehu.insight.data import InputError
from kehu.insight.rfm import OTHERS, SEGMENT_RULES, quintile_scores, rfm_scores, segment_counts


@given(st.lists(st.integers(0, 3), min_size=5, max_size=400))
def test_quintiles_stay_equal_sized_however_many_values_tie(values):
    scores = quintile_scores(pd.Series(values))
    counts = np.bincount(scores, minlength=6)[1:]
    assert counts.max() - counts.min() <= 1
    assert scores.min() >= 1 and scores.max() <= 5


def test_recency_is_reversed_fewer_days_score_higher():
    scores = quintile_scores(pd.Series([1, 10, 100, 1000, 5]), higher_is_better=False)
    assert scores.tolist() == [5, 3, 2, 1, 4]


def test_segments_follow_the_published_order_first_match_wins():
    grid = pd.DataFrame(
        [(r, f, m) for r in range(1, 6) for f in range(1, 6) for m in range(1, 6)],
        columns=["r", "f", "m"],
    )
    from kehu.insight.rfm import segment_of

    segments = segment_of(grid["r"], grid["f"], grid["m"])
    for (r, f, m), seg in zip(grid.itertuples(index=False), segments, strict=True):
        expected = next(
            (
                name
                for name, rr, fr, mr in SEGMENT_RULES
                if rr[0] <= r <= rr[1] and fr[0] <= f <= fr[1] and mr[0] <= m <= mr[1]
            ),
            OTHERS,
        )
        assert seg == expected
    row = lambda r, f, m: segments[(grid.r == r) & (grid.f == f) & (grid.m == m)].iloc[0]  # noqa: E731
    assert row(5, 5, 5) == "Champions"
    assert row(1, 5, 5) == "At risk"  # At risk comes before Can't lose
    assert row(1, 1, 1) == "Hibernating"  # and so "Lost" is never reached
    assert row(5, 1, 5) == OTHERS


def test_segment_counts_report_every_segment_and_others():
    counts = segment_counts(pd.Series(["Champions", "Others", "Champions"]))
    assert list(counts)[:2] == ["Champions", "Loyal"] and counts["Champions"] == 2
    assert counts["Lost"] == 0 and counts["Others"] == 1 and len(counts) == 12


def test_missing_column_is_named():
    with pytest.raises(InputError, match="RFM needs column 'total_spend'"):
        rfm_scores(pd.DataFrame({"days_since_last": [1], "frequency": [1]}))
