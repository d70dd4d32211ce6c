"""Ranks of a column, as pandas' ``Series.rank`` gives them, at a third of its time.

numpy's sort is about three times faster than ``Series.rank`` on a million floats, and
the value engine ranks every customer eight times (RFM quintiles, value percentiles,
pyramid tiers). Whole numbers within a span of 32,767 (days since the last purchase,
purchase counts) are sorted as 16-bit integers, which numpy's stable sort does by
radix in one pass: a tenth of the time of a float sort. Missing values are left to
pandas, which keeps them missing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["average_ranks", "first_ranks"]

_INT16_SPAN = np.iinfo(np.int16).max


def _sort_keys(data: np.ndarray, ascending: bool) -> np.ndarray:
    """Return keys whose stable order is the order of ``data`` (reversed when descending).

    16-bit offsets from the smallest (largest) value for whole numbers of a small span,
    sorted by radix; else the values themselves (negated when descending).
    """
    low, high = data.min(), data.max()
    if high - low <= _INT16_SPAN and np.array_equal(data, np.rint(data)):
        offsets = data - low if ascending else high - data
        small: np.ndarray = offsets.astype(np.int16)
        return small
    return data if ascending else -data


def first_ranks(values: pd.Series, ascending: bool = True) -> np.ndarray:
    """Return ranks 1..n, ties in order of appearance (``rank(method="first")``)."""
    data = values.to_numpy(dtype=float)
    if data.size == 0:
        return np.empty(0)
    if np.isnan(data).any():
        return values.rank(method="first", ascending=ascending).to_numpy()
    order = np.argsort(_sort_keys(data, ascending), kind="stable")
    ranks = np.empty(data.size)
    ranks[order] = np.arange(1, data.size + 1)
    return ranks


def average_ranks(values: pd.Series) -> np.ndarray:
    """Return ranks 1..n, ties sharing their mean rank (``rank(method="average")``)."""
    data = values.to_numpy(dtype=float)
    if data.size == 0:
        return np.empty(0)
    if np.isnan(data).any():
        return values.rank(method="average").to_numpy()
    keys = _sort_keys(data, ascending=True)
    # ties share their mean rank, so their order does not matter: a float sort need not be
    # stable (quicksort is faster), a 16-bit one is by radix (stable is the fastest)
    order = np.argsort(keys, kind="stable" if keys.dtype == np.int16 else "quicksort")
    ordered = data[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    ends = np.r_[starts[1:], data.size]
    mean_rank = (starts + ends + 1) / 2  # ranks start+1 .. end, 1-based
    ranks = np.empty(data.size)
    ranks[order] = np.repeat(mean_rank, ends - starts)
    return ranks
