"""Forecasts of sales series with statsmodels' exponential smoothing and Theta models.

Methods (each a function ``(y, h, m, levels) -> Fitted``):

``ets``
    Exponential smoothing in state-space form (``ETSModel``, Hyndman et al. 2008) with
    additive errors, chosen by AICc among: no trend, additive trend, damped additive
    trend, each without and (given two full seasons of ``m`` periods) with an additive
    season; so statsforecast's ``AutoETS`` restricted to additive components, which
    bear zeros and returns. Prediction intervals are the model's analytic ones.
``theta``
    The Theta method (Assimakopoulos & Nikolopoulos 2000; ``ThetaModel``), on the
    additively deseasonalised series when there are two full seasons and the seasonal
    test finds a season.
``ensemble``
    The mean of the two (forecasts and interval bounds: the bounds' mean is an
    approximation, not an exact interval).
``auto`` (the default)
    Per series, the method of the three with the least mean absolute error over
    rolling-origin windows inside the series' own history; ``ets`` where the history is
    too short for such windows.

A series whose net sales were negative in at most 2.5 % of its periods (the tail a 95 %
interval leaves below it) is forecast at or above zero: its negative forecasts and
bounds are clipped to 0, as they come from the additive models' symmetric normal errors
or a trend extrapolated past zero, not from the data; one day of returns above sales
in a year does not make a negative day likely. A series with more net-negative periods
(returns often above sales) can be negative again and is left as forecast.
A position of the season that was exactly zero in each of the last four seasons (at
least two) is forecast as zero with zero-width bounds: a day of the week on which the
shop is closed (Online Retail ships nothing on Saturdays), which the additive models
otherwise blur. A constant series (e.g. all zero) is forecast as that constant.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm
from statsmodels.tsa.exponential_smoothing.ets import ETSModel
from statsmodels.tsa.forecasting.theta import ThetaModel
from threadpoolctl import threadpool_limits

from kehu.insight.errors import InputError, InsightError, coded
from kehu.insight.forecast.checks import check_horizon, check_levels, level_name, prepare_series
from kehu.insight.forecast.series import PANDAS_FREQ, SalesSeries

log = logging.getLogger(__name__)

#: Fewest periods a series needs for a forecast.
MIN_POINTS = 3
#: Fewest periods for the heuristic initial states of ETS (statsmodels' rule).
MIN_HEURISTIC = 10
#: Fewest periods before a trend is tried.
MIN_TREND = 6
METHODS = ("auto", "ets", "theta", "ensemble")
#: Share of net-negative periods up to which a series' forecasts are clipped at 0.
RARE_NEGATIVE = 0.025
#: Seasons in a row with a zero at the same position that make it a closed day.
CLOSED_SEASONS = 4
SELECT_WINDOWS = 2


@dataclass
class Fitted:
    """A forecast of one series: the mean and, per level, the lower and upper bounds."""

    mean: np.ndarray
    bounds: dict[float, tuple[np.ndarray, np.ndarray]]
    model: str


@dataclass
class Forecast:
    """A forecast: the rows of every series, and notes on those left out.

    ``table``: ``unique_id, ds, forecast, lo_<level>, hi_<level>..., model``; ``notes``:
    the series left out and why.
    """

    table: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def _quiet(fit: Callable[[], Any]) -> Any:
    # statsmodels warns on every short or flat series; the choice below handles them
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit()


def _fit_ets(
    series: Any, trend: str | None, damped: bool, season: str | None, m: int, init: str
) -> Any:
    return ETSModel(
        series,
        error="add",
        trend=trend,
        damped_trend=damped,
        seasonal=season,
        seasonal_periods=m if season else None,
        initialization_method=init,
    ).fit(disp=False)


def ets(y: np.ndarray, h: int, m: int, levels: Sequence[float]) -> Fitted:
    """ETS with additive errors, the components chosen by AICc (see the module doc)."""
    n = len(y)
    series = pd.Series(y, dtype="float64")
    init = "heuristic" if n >= MIN_HEURISTIC else "estimated"
    trends: list[tuple[str | None, bool]] = [(None, False)]
    if n >= MIN_TREND:
        trends += [("add", False), ("add", True)]
    seasons: list[str | None] = [None]
    if m > 1 and n >= 2 * m and n >= MIN_HEURISTIC:
        seasons.append("add")
    best: tuple[float, Any, str] | None = None
    for trend, damped in trends:
        for season in seasons:
            try:
                result = _quiet(partial(_fit_ets, series, trend, damped, season, m, init))
            except (ValueError, np.linalg.LinAlgError) as e:
                log.debug("ETS %s/%s/%s failed: %s", trend, damped, season, e)
                continue
            score = result.aicc if np.isfinite(result.aicc) else result.aic
            if not np.isfinite(score) and best is not None:
                continue
            name = (
                f"ets(A,{'N' if not trend else 'Ad' if damped else 'A'},{'A' if season else 'N'})"
            )
            if best is None or not np.isfinite(best[0]) or score < best[0]:
                best = (score, result, name)
    if best is None:
        raise InputError(f"no ETS model could be fitted to a series of {n} periods")
    _score, result, name = best
    prediction = _quiet(lambda: result.get_prediction(start=n, end=n + h - 1))
    bounds = {}
    for level in levels:
        frame = prediction.summary_frame(alpha=1 - level / 100)
        bounds[level] = (frame["pi_lower"].to_numpy(), frame["pi_upper"].to_numpy())
    return Fitted(np.asarray(prediction.predicted_mean, dtype="float64"), bounds, name)


def theta(y: np.ndarray, h: int, m: int, levels: Sequence[float]) -> Fitted:
    """Fit the Theta method, deseasonalised additively when two full seasons show one."""
    seasonal = m > 1 and len(y) >= 2 * m
    result = _quiet(
        lambda: ThetaModel(
            pd.Series(y, dtype="float64"),
            period=m if seasonal else 1,
            deseasonalize=seasonal,
            method="additive",
        ).fit(use_mle=False)
    )
    mean = _quiet(lambda: result.forecast(h)).to_numpy(dtype="float64")
    bounds = {}
    if levels:
        # the intervals are normal around the mean: one call (it refits a model) gives
        # the standard errors for every level
        frame = _quiet(lambda: result.prediction_intervals(h, alpha=0.05))
        se = (frame["upper"].to_numpy() - frame["lower"].to_numpy()) / (2 * norm.ppf(0.975))
        for level in levels:
            z = norm.ppf(0.5 + level / 200)
            bounds[level] = (mean - z * se, mean + z * se)
    return Fitted(mean, bounds, "theta")


def ensemble(fits: Sequence[Fitted]) -> Fitted:
    """Return the mean of several forecasts (and of their bounds)."""
    mean = np.mean([f.mean for f in fits], axis=0)
    bounds = {
        level: (
            np.mean([f.bounds[level][0] for f in fits], axis=0),
            np.mean([f.bounds[level][1] for f in fits], axis=0),
        )
        for level in fits[0].bounds
    }
    return Fitted(mean, bounds, "mean(" + ",".join(f.model for f in fits) + ")")


def _settle(fitted: Fitted, y: np.ndarray, m: int) -> Fitted:
    """Apply closed seasons and clip a series that is rarely negative at 0.

    Zero at closed season positions, then clipped at 0 for a series rarely negative
    (see the module doc).
    """
    mean = fitted.mean.copy()
    bounds = {k: (lo.copy(), hi.copy()) for k, (lo, hi) in fitted.bounds.items()}
    closed = closed_positions(y, m)
    if closed.any():
        at = closed[np.arange(len(mean)) % m]
        mean[at] = 0.0
        for lo, hi in bounds.values():
            lo[at] = hi[at] = 0.0
    if (y < 0).mean() <= RARE_NEGATIVE:
        mean = np.maximum(mean, 0.0)
        bounds = {k: (np.maximum(lo, 0.0), np.maximum(hi, 0.0)) for k, (lo, hi) in bounds.items()}
    return Fitted(mean, bounds, fitted.model)


def closed_positions(y: np.ndarray, m: int) -> np.ndarray:
    """Return where in the coming season ``y`` has been closed (exactly 0).

    Per position in the season that follows ``y``: True where ``y`` was exactly 0 at
    that position in each of its last ``CLOSED_SEASONS`` seasons (at least two), as a
    shop's sales on the day of the week it is closed. All False without a season.
    """
    k = min(CLOSED_SEASONS, len(y) // m) if m > 1 else 0
    if k < 2:
        return np.zeros(max(m, 1), dtype=bool)
    result: np.ndarray = (y[len(y) - k * m :].reshape(k, m) == 0).all(axis=0)
    return result


def _candidates(y: np.ndarray, h: int, m: int, levels: Sequence[float]) -> dict[str, Fitted]:
    """Return the forecasts of ``ets``, ``theta`` and their ``ensemble``.

    Return the forecasts of ``ets``, ``theta`` and their ``ensemble`` (only ``ets`` where Theta
    cannot be fitted).
    """
    by_ets = ets(y, h, m, levels)
    fits = {"ets": by_ets}
    try:
        by_theta = theta(y, h, m, levels)
    except (ValueError, np.linalg.LinAlgError) as e:
        log.debug("Theta failed on %d periods: %s", len(y), e)
    else:
        if np.isfinite(by_theta.mean).all():
            fits.update(theta=by_theta, ensemble=ensemble([by_ets, by_theta]))
    return {k: _settle(v, y, m) for k, v in fits.items()}


def forecast_one(
    y: np.ndarray,
    h: int,
    m: int,
    levels: Sequence[float] = (80, 95),
    model: str = "auto",
    select_windows: int = SELECT_WINDOWS,
) -> Fitted:
    """Forecast one series ``h`` periods ahead with ``model`` (see the module doc)."""
    y = np.asarray(y, dtype="float64")
    n = len(y)
    if n < MIN_POINTS:
        raise InputError(f"a series needs at least {MIN_POINTS} periods to forecast, got {n}")
    if np.ptp(y) == 0:
        bounds = {level: (np.full(h, y[0]), np.full(h, y[0])) for level in levels}
        return Fitted(np.full(h, y[0]), bounds, "constant")
    if model == "theta":
        return _settle(theta(y, h, m, levels), y, m)
    if model == "ets":
        return _settle(ets(y, h, m, levels), y, m)
    fits = _candidates(y, h, m, levels)
    if model == "ensemble":
        return fits.get("ensemble", fits["ets"])
    errors = _selection_errors(y, h, m, select_windows) if len(fits) > 1 else None
    if errors is None:
        return fits["ets"]
    return fits[min(fits, key=lambda k: errors[k])]


def _selection_errors(y: np.ndarray, h: int, m: int, windows: int) -> dict[str, float] | None:
    """Return the mean absolute error of each method over the last windows.

    Mean absolute error of each method over the last ``windows`` windows of ``h``
    periods of ``y`` (each forecast from the periods before it), or None where the
    history is too short: each window's history is at least half the series.
    """
    n = len(y)
    windows = min(windows, (n - max(n // 2, MIN_POINTS)) // h)
    if windows < 1:
        return None
    totals = dict.fromkeys(("ets", "theta", "ensemble"), 0.0)
    for k in range(windows, 0, -1):
        train, actual = y[: n - k * h], y[n - k * h : n - k * h + h]
        if np.ptp(train) == 0:
            continue
        fits = _candidates(train, h, m, ())
        for name in totals:
            fitted = fits.get(name)
            totals[name] += (
                np.inf if fitted is None else float(np.mean(np.abs(fitted.mean - actual)))
            )
    return totals


def forecast_sales(
    series: pd.DataFrame | SalesSeries,
    horizon: int,
    season_length: int,
    level: Sequence[float] = (80, 95),
    *,
    model: str = "auto",
    freq: str | None = None,
    floor: float | None = None,
) -> Forecast:
    """Forecast every series ``horizon`` periods ahead with prediction intervals.

    Parameters
    ----------
    series
        ``unique_id, ds, y``, one row per series and period (e.g. from
        :func:`~kehu.insight.forecast.sales_series`).
    horizon
        Periods to forecast.
    season_length
        Periods in a season: 12 for months, 52 for weeks, 7 for days; 1 for none.
    level
        Prediction interval levels in percent.
    model
        ``"auto"``, ``"ets"``, ``"theta"`` or ``"ensemble"`` (see the module doc).
    floor
        A value no forecast or bound goes below, for every series (``0.0`` where the
        series are sales a user reads as such, whatever their returns); ``None`` keeps
        the per-series rule of the module doc.

    Examples
    --------
    >>> months = pd.date_range("2020-01-01", periods=36, freq="MS")
    >>> y = 100 + 10 * np.sin(np.arange(36) * np.pi / 6)
    >>> series = pd.DataFrame({"unique_id": "total", "ds": months, "y": y})
    >>> forecast_sales(series, horizon=3, season_length=12).table.shape
    (3, 8)
    """
    check_horizon(horizon, season_length)
    levels = check_levels(level)
    if model not in METHODS:
        raise InputError(f"model must be one of {list(METHODS)}, got {model!r}")
    frame, freq = prepare_series(series, freq)
    parts, notes = [], []
    with threadpool_limits(limits=1, user_api="blas"):  # see kehu.insight.likelihood
        for uid, group in frame.groupby("unique_id", sort=True):
            part = _forecast_group(str(uid), group, horizon, season_length, levels, model, freq)
            if isinstance(part, str):
                notes.append(part)
            else:
                parts.append(part)
    if not parts:
        raise coded(
            InputError("no series can be forecast: " + "; ".join(notes)), "forecast_too_short"
        )
    table = pd.concat(parts, ignore_index=True)
    table["ds"] = table["ds"].astype("datetime64[ns]")
    if floor is not None:
        bounds = [c for c in table.columns if c == "forecast" or c.startswith(("lo_", "hi_"))]
        table[bounds] = table[bounds].clip(lower=floor)
    return Forecast(table, notes)


def _forecast_group(
    uid: str,
    group: pd.DataFrame,
    horizon: int,
    m: int,
    levels: list[float],
    model: str,
    freq: str,
) -> pd.DataFrame | str:
    """Return the forecast rows of one series, or a note on why it has none."""
    y = group["y"].to_numpy()
    if len(y) < MIN_POINTS:
        return (
            f"series {uid!r} has {len(y)} {freq}(s) of history, fewer than the "
            f"{MIN_POINTS} a forecast needs: not forecast"
        )
    try:
        fitted = forecast_one(y, horizon, m, levels, model)
    except (InsightError, ValueError, np.linalg.LinAlgError) as e:
        return f"series {uid!r} could not be forecast: {e}"
    offset = pd.tseries.frequencies.to_offset(PANDAS_FREQ[freq])
    last = group["ds"].iloc[-1]
    part = {"unique_id": uid, "ds": pd.date_range(last + offset, periods=horizon, freq=offset)}
    part["forecast"] = fitted.mean
    for lv in levels:
        part[f"lo_{level_name(lv)}"], part[f"hi_{level_name(lv)}"] = fitted.bounds[lv]
    part["model"] = fitted.model
    return pd.DataFrame(part)
