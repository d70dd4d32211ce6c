"""How many threads an analysis may use: one per core, or ``KEHU_THREADS``.

DuckDB, Arrow and the likelihoods' sums each take one thread per core by default.
``KEHU_THREADS`` caps them (a server shared with other work), or, set above the number
of cores, makes them run as they would on a larger machine: that is how
``benchmarks/analyze_command.py --threads 16`` measures a 16-core machine's memory on a
small one.
"""

from __future__ import annotations

import os

from kehu.insight.errors import InputError

__all__ = ["THREADS_VARIABLE", "analysis_threads", "chosen_threads", "cores"]

THREADS_VARIABLE = "KEHU_THREADS"


def cores() -> int:
    """Return the cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def chosen_threads() -> int | None:
    """Return ``KEHU_THREADS`` (None when unset); anything but a whole number >= 1 is refused."""
    value = os.environ.get(THREADS_VARIABLE, "").strip()
    if not value:
        return None
    try:
        threads = int(value)
    except ValueError:
        threads = 0
    if threads < 1:
        raise InputError(
            f"{THREADS_VARIABLE} must be a whole number of threads, at least 1; got {value!r}"
        )
    return threads


def analysis_threads() -> int:
    """Return the threads an analysis uses: ``KEHU_THREADS``, else one per core."""
    return chosen_threads() or cores()
