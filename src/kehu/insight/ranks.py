"""Ranks of a column, as pandas' ``Series.rank`` gives them, at a fraction of its time.

The value engine ranks every customer eight times (RFM quintiles, value percentiles,
pyramid tiers) and orders them by value twice more (ABC classes, the Pareto curve).
numpy's stable sort is a radix sort for 16-bit keys and a merge sort for floats, a
tenth of the speed. So whole numbers within a span of 32,767 (days since the last
purchase, purchase counts) are sorted as 16-bit integers in one pass, and floats as
their bits, 16 at a time (:func:`stable_order`): four radix passes, about a third of
the time of a float sort, and the same order. Missing values are left to pandas, which
keeps them missing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["average_ranks", "first_ranks", "stable_order"]

_INT16_SPAN = np.iinfo(np.int16).max
_SIGN_BIT = np.uint64(1 << 63)
#: Below this many values numpy's own sort is as fast as the radix passes.
_MIN_RADIX = 4_096


def _sort_keys(data: np.ndarray, ascending: bool) -> np.ndarray:
    """Return keys whose stable order is the order of ``data`` (reversed when descending).

    16-bit offsets from the smallest (largest) value for whole numbers of a small span,
    sorted by radix; else unsigned integers that order as the floats do (complemented
    when descending).
    """
    low, high = data.min(), data.max()
    if high - low <= _INT16_SPAN and np.array_equal(data, np.rint(data)):
        offsets = data - low if ascending else high - data
        small: np.ndarray = offsets.astype(np.int16)
        return small
    bits = (data + 0.0).view(np.uint64)  # + 0.0 makes -0.0 equal to 0.0, as floats are
    negative = bits >= _SIGN_BIT
    keys: np.ndarray = np.where(negative, ~bits, bits | _SIGN_BIT)
    return keys if ascending else ~keys


def _radix_order(keys: np.ndarray) -> np.ndarray:
    """Return the stable order of unsigned 64-bit ``keys``: four 16-bit radix passes."""
    order: np.ndarray | None = None
    for shift in range(0, 64, 16):
        digits = (keys >> np.uint64(shift)).astype(np.uint16)
        if order is None:
            order = np.argsort(digits, kind="stable")
            continue
        digits = digits[order]
        if digits[0] != digits[-1] or digits.min() != digits.max():
            order = order[np.argsort(digits, kind="stable")]
    assert order is not None
    return order


def stable_order(data: np.ndarray, ascending: bool = True) -> np.ndarray:
    """Return ``np.argsort(data, kind="stable")`` (of ``-data`` when descending), faster.

    Ties stay in order of appearance; missing values come last, as numpy puts them.
    """
    if data.size < _MIN_RADIX or np.isnan(data).any():
        return np.argsort(data if ascending else -data, kind="stable")
    keys = _sort_keys(data, ascending)
    if keys.dtype == np.int16:
        return np.argsort(keys, kind="stable")
    return _radix_order(keys)


def first_ranks(values: pd.Series, ascending: bool = True) -> np.ndarray:
    """Return ranks 1..n, ties in order of appearance (``rank(method="first")``)."""
    data = values.to_numpy(dtype=float)
    if data.size == 0:
        return np.empty(0)
    if np.isnan(data).any():
        return values.rank(method="first", ascending=ascending).to_numpy()
    order = stable_order(data, ascending)
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
    order = stable_order(data)
    ordered = data[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    ends = np.r_[starts[1:], data.size]
    mean_rank = (starts + ends + 1) / 2  # ranks start+1 .. end, 1-based
    ranks = np.empty(data.size)
    ranks[order] = np.repeat(mean_rank, ends - starts)
    return ranks
