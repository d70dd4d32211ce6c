"""Random times as numpy datetime64[s] arrays, inside the demo's observation window."""

from __future__ import annotations

import numpy as np

from kehu.insight.generate import REFERENCE_END

END = np.datetime64(REFERENCE_END, "s")
HOUR = np.timedelta64(3600, "s")
DAY = np.timedelta64(86_400, "s")


def seconds(values: np.ndarray) -> np.ndarray:
    """Numbers of seconds (floats are rounded) as timedelta64[s]."""
    return np.round(values).astype(np.int64).astype("timedelta64[s]")


def between(rng: np.random.Generator, start: np.ndarray, stop: np.ndarray) -> np.ndarray:
    """A uniformly random time between ``start`` and ``stop`` (element-wise)."""
    span = np.maximum((stop - start).astype(np.int64), 0)
    return start + seconds(rng.random(span.shape) * span)


def after(
    rng: np.random.Generator, start: np.ndarray, low_hours: float, high_hours: float
) -> np.ndarray:
    """``start`` plus a uniformly random delay of ``low_hours`` to ``high_hours``."""
    hours = rng.uniform(low_hours, high_hours, np.shape(start))
    return start + seconds(hours * 3600)
