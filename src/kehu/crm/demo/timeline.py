"""Random times as numpy datetime64[s] arrays, inside the demo's observation window.

The window ends at :func:`demo_end`: the start of today (or of the day a test pins), so
that demo data loaded today look current (orders up to yesterday, activities due in
the coming weeks) and the same seed on the same day loads the same rows.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import numpy as np
from django.utils import timezone

HOUR = np.timedelta64(3600, "s")
DAY = np.timedelta64(86_400, "s")


def demo_end(today: date | None = None) -> datetime:
    """Midnight at the start of ``today`` (by default the current date in the CRM's time
    zone), as a naive UTC datetime: the moment the demo history ends."""
    today = today or timezone.localdate()
    local = timezone.make_aware(datetime.combine(today, time.min))
    return local.astimezone(UTC).replace(tzinfo=None)


def as_datetime64(moment: datetime) -> np.datetime64:
    """A naive UTC datetime as a numpy datetime64[s]."""
    return np.datetime64(moment.replace(microsecond=0), "s")


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
