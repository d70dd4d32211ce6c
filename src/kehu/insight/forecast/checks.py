"""Checks of forecasting parameters and of the long table ``unique_id, ds, y``.

Checks of forecasting parameters and of the long table ``unique_id, ds, y``: one row
per series and period, periods regular and without gaps, ``y`` finite numbers.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from kehu.insight.errors import InputError
from kehu.insight.forecast.series import FREQS, PANDAS_FREQ, SalesSeries, check_freq


def check_levels(level: Sequence[float]) -> list[float]:
    """Return the prediction interval levels as floats; each must lie in (0, 100)."""
    levels = [float(v) for v in level]
    for value in levels:
        if not 0 < value < 100:
            raise InputError(
                f"level must be percentages in (0, 100), e.g. (80, 95), got {list(level)}"
            )
    return levels


def check_horizon(horizon: int, season_length: int) -> None:
    """Refuse a horizon or season length that is not a whole number >= 1."""
    if int(horizon) != horizon or horizon < 1:
        raise InputError(f"horizon must be a whole number of periods >= 1, got {horizon!r}")
    if int(season_length) != season_length or season_length < 1:
        raise InputError(
            f"season_length must be a whole number of periods >= 1 (1: no season), "
            f"got {season_length!r}"
        )


def level_name(level: float) -> str:
    """Return the level as it appears in column names (``97.5`` -> ``"97_5"``)."""
    return f"{level:g}".replace(".", "_")


def prepare_series(
    series: pd.DataFrame | SalesSeries, freq: str | None
) -> tuple[pd.DataFrame, str]:
    """Check a long table ``unique_id, ds, y``; return it with its period.

    Check a long table ``unique_id, ds, y`` (regular periods, no gap, numeric ``y``)
    and tell its period when ``freq`` is not given.
    """
    if isinstance(series, SalesSeries):
        freq = freq or series.freq
        series = series.series
    if not isinstance(series, pd.DataFrame):
        raise InputError(
            f"series must be a DataFrame (unique_id, ds, y), got {type(series).__name__}"
        )
    missing = [c for c in ("unique_id", "ds", "y") if c not in series.columns]
    if missing:
        raise InputError(
            f"series lacks the column(s) {missing}: it needs unique_id, ds, y; "
            f"found {list(series.columns)}"
        )
    frame = series[["unique_id", "ds", "y"]].copy()
    frame["unique_id"] = frame["unique_id"].astype(str)
    try:
        frame["ds"] = pd.to_datetime(frame["ds"]).astype("datetime64[ns]")
    except (ValueError, TypeError) as e:
        raise InputError(f"series column 'ds' must hold dates: {e}") from e
    y = pd.to_numeric(frame["y"], errors="coerce")
    bad = frame.loc[y.isna() | ~np.isfinite(y.astype("float64")), "unique_id"].unique()
    if len(bad):
        raise InputError(
            f"series column 'y' must be finite numbers; missing or not numbers in {list(bad[:5])}"
        )
    frame["y"] = y.astype("float64")
    frame = frame.sort_values(["unique_id", "ds"], ignore_index=True)
    freq = check_freq(freq) if freq else _infer_freq(frame)
    _check_regular(frame, freq)
    return frame, freq


def _infer_freq(frame: pd.DataFrame) -> str:
    ds = frame["ds"]
    same = frame["unique_id"] == frame["unique_id"].shift()
    steps = (ds - ds.shift())[same].dt.days
    if steps.empty:
        raise InputError("cannot tell the period of one-period series: give freq")
    smallest = int(steps.min())
    if (ds.dt.day == 1).all() and 28 <= smallest <= 31:
        return "month"
    if smallest == 7 and (steps % 7 == 0).all():
        return "week"
    if smallest == 1:
        return "day"
    raise InputError(
        f"cannot tell the period of 'ds' (steps of {sorted(int(v) for v in steps.unique())[:5]} "
        f"days): give freq, one of {list(FREQS)}, and one row per period"
    )


def _check_regular(frame: pd.DataFrame, freq: str) -> None:
    offset = pd.tseries.frequencies.to_offset(PANDAS_FREQ[freq])
    same = frame["unique_id"] == frame["unique_id"].shift()
    expected = frame["ds"].shift() + offset
    broken = frame.loc[same & (frame["ds"] != expected), "unique_id"].unique()
    if len(broken):
        raise InputError(
            f"series {list(broken[:5])} skip or repeat a {freq}: give one row per {freq} "
            "with 0 for a period without sales (sales_series does this)"
        )
    ds = frame["ds"]
    starts = ds == ds.dt.normalize()
    if freq == "month":
        starts &= ds.dt.day == 1
    elif freq == "week":
        starts &= ds.dt.day_of_week == 0
    if not starts.all():
        first = "" if freq == "day" else " first day (a Monday)" if freq == "week" else " first day"
        raise InputError(
            f"ds must be the{first} of each {freq} at midnight; {ds[~starts].iloc[0]} is not"
        )
