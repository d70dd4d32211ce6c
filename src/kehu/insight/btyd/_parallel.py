"""Sums over row chunks on all cores.

Sums over row chunks on all cores. numpy and scipy release the GIL inside their
array loops, so threads that each take a slice of the rows run truly in parallel; the
likelihoods are sums over rows, so the slices' results just add up.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import TypeVar

import numpy as np

from kehu.insight.threads import analysis_threads

T = TypeVar("T")
U = TypeVar("U")

#: Below this many rows a single thread is faster than handing out work.
MIN_ROWS_PER_THREAD = 100_000


@cache
def _pool(workers: int) -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=workers, thread_name_prefix="kehu-rows")


def row_slices(n_rows: int) -> list[slice]:
    """Return contiguous slices of ``range(n_rows)``, one per thread.

    Contiguous slices of ``range(n_rows)``, one per thread (per core, or
    ``KEHU_THREADS``: :mod:`kehu.insight.threads`), each at least
    :data:`MIN_ROWS_PER_THREAD` rows (one slice for small inputs).
    """
    parts = max(1, min(analysis_threads(), n_rows // MIN_ROWS_PER_THREAD))
    bounds = np.linspace(0, n_rows, parts + 1).astype(int)
    return [slice(int(lo), int(hi)) for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)]


def map_threads(work: Callable[[U], T], items: Sequence[U]) -> list[T]:
    """``work`` on each item, on up to one thread per core or ``KEHU_THREADS`` (in order)."""
    workers = min(analysis_threads(), len(items))
    if workers <= 1:
        return [work(item) for item in items]
    return list(_pool(workers).map(work, items))
