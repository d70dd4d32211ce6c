"""RFM scores and the eleven named RFM segments.

Scores are quintiles 1-5, 5 best; recency is reversed (fewer days since the last
purchase is better). Ties would break quantile cuts, so values are ranked first (ties
broken by order of appearance, which is the customer-id order of the summary).

Segments, applied in order, first match wins, the rest "Others" (ranges inclusive):

=================  =======  =======  =======
segment            R        F        M
=================  =======  =======  =======
Champions          4-5      4-5      4-5
Loyal              2-5      3-5      3-5
Potential loyalist 3-5      1-3      1-3
New                4-5      ≤1       ≤1
Promising          3-4      ≤1       ≤1
Need attention     2-3      2-3      2-3
About to sleep     2-3      ≤2       ≤2
At risk            ≤2       2-5      2-5
Can't lose         ≤1       4-5      4-5
Hibernating        1-2      1-2      1-2
Lost               ≤2       ≤2       ≤2
=================  =======  =======  =======

Because "Potential loyalist" (R 3-5, F 1-3, M 1-3) comes before "New" and "Promising",
these two can only catch customers that earlier rules left, and since scores start at 1,
"Hibernating" (R 1-2, F 1-2, M 1-2) catches every customer "Lost" would: under the
published order "Lost" is never assigned. The order is kept as published so that
results compare with other tools; :func:`segment_counts` reports every segment,
empty ones and "Others" included.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kehu.insight.btyd._parallel import map_threads
from kehu.insight.errors import InputError
from kehu.insight.labels import label_series
from kehu.insight.ranks import first_ranks

SEGMENT_RULES: list[tuple[str, tuple[int, int], tuple[int, int], tuple[int, int]]] = [
    ("Champions", (4, 5), (4, 5), (4, 5)),
    ("Loyal", (2, 5), (3, 5), (3, 5)),
    ("Potential loyalist", (3, 5), (1, 3), (1, 3)),
    ("New", (4, 5), (1, 1), (1, 1)),
    ("Promising", (3, 4), (1, 1), (1, 1)),
    ("Need attention", (2, 3), (2, 3), (2, 3)),
    ("About to sleep", (2, 3), (1, 2), (1, 2)),
    ("At risk", (1, 2), (2, 5), (2, 5)),
    ("Can't lose", (1, 1), (4, 5), (4, 5)),
    ("Hibernating", (1, 2), (1, 2), (1, 2)),
    ("Lost", (1, 2), (1, 2), (1, 2)),
]
OTHERS = "Others"
#: every segment in rule order, then "Others"
SEGMENT_NAMES = [name for name, *_ in SEGMENT_RULES] + [OTHERS]


def quintile_scores(values: pd.Series, higher_is_better: bool = True) -> pd.Series:
    """Scores 1-5 by rank quintile; equal sizes even when many values tie."""
    if values.isna().any():
        raise InputError(f"{values.name or 'values'} has missing values; RFM needs every value")
    n = len(values)
    if n == 0:
        return pd.Series([], dtype="int8", index=values.index)
    ranks = first_ranks(values, ascending=higher_is_better)
    scores = np.ceil(ranks * 5 / n).astype("int8")
    return pd.Series(np.clip(scores, 1, 5), index=values.index, dtype="int8")


def rfm_scores(
    customers: pd.DataFrame,
    recency_col: str = "days_since_last",
    frequency_col: str = "frequency",
    monetary_col: str = "total_spend",
) -> pd.DataFrame:
    """``r_score``, ``f_score``, ``m_score`` and ``rfm_segment`` for each customer.

    Examples
    --------
    >>> df = pd.DataFrame({"days_since_last": [1, 200, 30, 90, 5],
    ...                    "frequency": [9, 0, 3, 1, 6], "total_spend": [900, 10, 200, 50, 700]})
    >>> rfm_scores(df)["rfm_segment"].tolist()
    ['Champions', 'Hibernating', 'Loyal', 'Need attention', 'Champions']
    """
    for column in (recency_col, frequency_col, monetary_col):
        if column not in customers.columns:
            raise InputError(f"RFM needs column {column!r}; found {list(customers.columns)}")
    out = pd.DataFrame(index=customers.index)
    columns = ((recency_col, False), (frequency_col, True), (monetary_col, True))
    scores = map_threads(lambda c: quintile_scores(customers[c[0]], c[1]), columns)
    out["r_score"], out["f_score"], out["m_score"] = scores
    out["rfm_segment"] = segment_of(out["r_score"], out["f_score"], out["m_score"])
    return out


def segment_of(r: pd.Series, f: pd.Series, m: pd.Series) -> pd.Series:
    """Apply :data:`SEGMENT_RULES` in order (vectorised).

    The rules are applied once to each of the 125 score triples, and each customer's
    segment is looked up by its triple.
    """
    names = SEGMENT_NAMES
    table = _segment_table()
    scores = [np.clip(s.to_numpy(dtype=np.int64), 1, 5) - 1 for s in (r, f, m)]
    codes = table[scores[0], scores[1], scores[2]]
    valid = (r.between(1, 5) & f.between(1, 5) & m.between(1, 5)).to_numpy()
    return label_series(np.where(valid, codes, len(names) - 1), names, r.index)


def _segment_table() -> np.ndarray:
    """Return the segment number of every (r, f, m) score triple, 1-5 each (0-based axes)."""
    r, f, m = np.meshgrid(*[np.arange(1, 6)] * 3, indexing="ij")
    conditions = [
        (rr[0] <= r) & (r <= rr[1]) & (fr[0] <= f) & (f <= fr[1]) & (mr[0] <= m) & (m <= mr[1])
        for _name, rr, fr, mr in SEGMENT_RULES
    ]
    return np.select(conditions, np.arange(len(SEGMENT_RULES)), default=len(SEGMENT_RULES))


def segment_counts(segments: pd.Series) -> dict[str, int]:
    """Count the customers per segment, in rule order, with empty segments and "Others"."""
    counts = segments.value_counts()
    names = SEGMENT_NAMES
    return {name: int(counts.get(name, 0)) for name in names}
