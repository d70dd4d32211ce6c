"""Rolling-origin backtests of kehu's forecasts against the naive baselines.

For each series of ``n`` periods and window ``k = n_windows, ..., 1``, the forecast is
made from the first ``n - k·h`` periods (the window's history; its last period is the
``cutoff``) and scored on the ``h`` periods that follow, so the windows tile the last
``n_windows·h`` periods. Each window scores:

``kehu``
    :func:`~kehu.insight.forecast.forecast_sales`'s method (``auto`` by default),
    fitted on the window's history only.
``seasonal_naive``
    each period's value one season (``m`` periods) earlier: the peer baseline, scored
    where the history holds more than one full season.
``naive``
    the last value of the history.

Errors (Hyndman & Koehler 2006; Makridakis 1993):

- MASE = mean |y - ŷ| over the window / mean |y_t - y_{t-m}| over the window's history
  (the in-sample seasonal-naive MAE). Where the history holds no more than one season,
  the scale is the naive (lag 1) MAE, and ``scale_lag`` says which. Undefined (NaN)
  where the history is constant (scale 0).
- sMAPE = 200/h · Σ |y - ŷ| / (|y| + |ŷ|), in percent (0 to 200), a term with
  ``y = ŷ = 0`` counting 0.

The baseline of a window is ``seasonal_naive`` where it is scored, else ``naive``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from kehu.insight.errors import InputError, InsightError
from kehu.insight.forecast.checks import check_horizon, prepare_series
from kehu.insight.forecast.models import METHODS, MIN_POINTS, forecast_one
from kehu.insight.forecast.series import SalesSeries

BASELINES = ("seasonal_naive", "naive")
COLUMNS = [
    "unique_id",
    "cutoff",
    "n_train",
    "method",
    "model",
    "mase",
    "smape",
    "scale_lag",
]


@dataclass
class Backtest:
    """A backtest: errors per series, window and method, and their summaries.

    ``table``: one row per series, window and method (``kehu``, ``seasonal_naive``,
    ``naive``); ``per_series``: the mean errors per series; ``summary``: the overall
    means and how kehu compares with the baseline.
    """

    table: pd.DataFrame
    per_series: pd.DataFrame
    summary: dict[str, Any]
    notes: list[str] = field(default_factory=list)


def mase(actual: np.ndarray, forecast: np.ndarray, history: np.ndarray, m: int) -> float:
    """Return the mean absolute scaled error.

    Mean absolute scaled error, scaled by the in-sample MAE of the seasonal naive
    forecast (lag ``m``) on ``history``; NaN where that MAE is 0.
    """
    history = np.asarray(history, dtype="float64")
    if len(history) <= m:
        raise InputError(
            f"MASE with lag {m} needs more than {m} periods of history, got {len(history)}"
        )
    scale = float(np.mean(np.abs(history[m:] - history[:-m])))
    error = float(np.mean(np.abs(np.asarray(actual) - np.asarray(forecast))))
    return error / scale if scale > 0 else float("nan")


def smape(actual: np.ndarray, forecast: np.ndarray) -> float:
    """Symmetric MAPE in percent (0 to 200); a period with actual = forecast = 0 adds 0."""
    actual, forecast = np.asarray(actual, "float64"), np.asarray(forecast, "float64")
    denominator = np.abs(actual) + np.abs(forecast)
    terms = np.divide(
        np.abs(actual - forecast),
        denominator,
        out=np.zeros_like(denominator),
        where=denominator > 0,
    )
    return float(200 * terms.mean())


def seasonal_naive(history: np.ndarray, h: int, m: int) -> np.ndarray:
    """Each period's value ``m`` periods earlier (the last season repeated)."""
    last_season = np.asarray(history, "float64")[-m:]
    return np.resize(last_season, h)


def naive(history: np.ndarray, h: int) -> np.ndarray:
    """Return the last observed value, ``h`` times."""
    return np.full(h, float(history[-1]))


def backtest(
    series: pd.DataFrame | SalesSeries,
    horizon: int,
    season_length: int,
    n_windows: int,
    *,
    model: str = "auto",
    freq: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> Backtest:
    """Score kehu's forecasts and the naive baselines over rolling-origin windows.

    Parameters
    ----------
    series
        ``unique_id, ds, y`` (see :func:`~kehu.insight.forecast.sales_series`).
    horizon
        Periods forecast from each cutoff; each window is scored on them.
    season_length
        Periods in a season (the seasonal naive lag and the MASE scale's).
    n_windows
        Windows per series (fewer where a series is too short).

    Examples
    --------
    >>> months = pd.date_range("2019-01-01", periods=48, freq="MS")
    >>> y = 100 + np.arange(48) + 10 * np.sin(np.arange(48) * np.pi / 6)
    >>> series = pd.DataFrame({"unique_id": "total", "ds": months, "y": y})
    >>> result = backtest(series, horizon=3, season_length=12, n_windows=2)
    >>> result.summary["mase"]["kehu"] < result.summary["mase"]["baseline"]
    True
    """
    check_horizon(horizon, season_length)
    if int(n_windows) != n_windows or n_windows < 1:
        raise InputError(f"n_windows must be a whole number >= 1, got {n_windows!r}")
    if model not in METHODS:
        raise InputError(f"model must be one of {list(METHODS)}, got {model!r}")
    frame, freq = prepare_series(series, freq)
    rows: list[dict[str, Any]] = []
    notes: list[str] = []
    groups = frame.groupby("unique_id", sort=True)
    with threadpool_limits(limits=1, user_api="blas"):  # see kehu.insight.likelihood
        for i, (uid, group) in enumerate(groups, start=1):
            if progress:
                progress(f"backtest {i}/{groups.ngroups}: {uid}")
            rows += _series_windows(
                str(uid), group, horizon, season_length, n_windows, model, notes, freq
            )
    table = pd.DataFrame(rows, columns=COLUMNS)
    table["cutoff"] = table["cutoff"].astype("datetime64[ns]")
    per_series = _per_series(table)
    summary = _summary(table, per_series, horizon, season_length, n_windows, freq, model)
    summary["n_series"] = int(groups.ngroups)
    summary["notes"] = notes
    return Backtest(table, per_series, summary, notes)


def _series_windows(
    uid: str,
    group: pd.DataFrame,
    h: int,
    m: int,
    n_windows: int,
    model: str,
    notes: list[str],
    freq: str,
) -> list[dict[str, Any]]:
    y, ds = group["y"].to_numpy(), group["ds"].to_numpy()
    n = len(y)
    fit = min(n_windows, (n - MIN_POINTS) // h)
    if fit < 1:
        notes.append(
            f"series {uid!r} ({n} {freq}s) is too short for a backtest window of {h} "
            f"{freq}s after {MIN_POINTS} of history: not scored"
        )
        return []
    if fit < n_windows:
        notes.append(f"series {uid!r} ({n} {freq}s) has room for {fit} of {n_windows} windows")
    rows = []
    for k in range(fit, 0, -1):
        history, actual = y[: n - k * h], y[n - k * h : n - k * h + h]
        lag = m if m > 1 and len(history) > m else 1
        base = {"unique_id": uid, "cutoff": ds[n - k * h - 1], "n_train": len(history)}
        base["scale_lag"] = lag
        try:
            ours = forecast_one(history, h, m, (), model)
        except (InsightError, ValueError, np.linalg.LinAlgError) as e:
            notes.append(f"series {uid!r}, cutoff {base['cutoff']}: not forecast ({e})")
            continue
        forecasts = {"kehu": (ours.mean, ours.model), "naive": (naive(history, h), "naive")}
        if lag == m and m > 1:
            forecasts["seasonal_naive"] = (seasonal_naive(history, h, m), "seasonal_naive")
        for method, (values, name) in forecasts.items():
            rows.append(
                base
                | {
                    "method": method,
                    "model": name,
                    "mase": mase(actual, values, history, lag),
                    "smape": smape(actual, values),
                }
            )
    return rows


def _with_baseline(table: pd.DataFrame) -> pd.DataFrame:
    """Return the table plus a ``baseline`` row per window.

    The baseline is seasonal naive where it was scored, else naive.
    """
    baselines = table[table["method"].isin(BASELINES)].copy()
    baselines["rank"] = baselines["method"].map({"seasonal_naive": 0, "naive": 1})
    baselines = baselines.sort_values("rank").drop_duplicates(["unique_id", "cutoff"])
    baselines["method"] = "baseline"
    return pd.concat([table, baselines.drop(columns="rank")], ignore_index=True)


def _per_series(table: pd.DataFrame) -> pd.DataFrame:
    full = _with_baseline(table)
    return (
        full.groupby(["unique_id", "method"], sort=True)
        .agg(mase=("mase", "mean"), smape=("smape", "mean"), windows=("cutoff", "size"))
        .reset_index()
    )


def _summary(
    table: pd.DataFrame,
    per_series: pd.DataFrame,
    h: int,
    m: int,
    n_windows: int,
    freq: str,
    model: str,
) -> dict[str, Any]:
    full = _with_baseline(table)
    means = full.groupby("method")[["mase", "smape"]].mean()
    baseline_methods = sorted(set(full.loc[full["method"].isin(BASELINES), "method"]))
    kinds = full[full["method"] == "baseline"]["scale_lag"].map(
        lambda lag: "seasonal_naive" if lag > 1 else "naive"
    )
    wide = per_series.pivot(index="unique_id", columns="method", values="mase")
    summary: dict[str, Any] = {
        "freq": freq,
        "horizon": h,
        "season_length": m,
        "n_windows": n_windows,
        "model": model,
        "n_series_scored": int(table["unique_id"].nunique()),
        "n_windows_scored": int((table["method"] == "kehu").sum()),
        "baseline": " or ".join(sorted(set(kinds))) or None,
        "methods": baseline_methods,
        "mase": {k: _number(v) for k, v in means["mase"].items()},
        "smape": {k: _number(v) for k, v in means["smape"].items()},
        "models_chosen": dict(Counter(table.loc[table["method"] == "kehu", "model"])),
    }
    if "kehu" in wide and "baseline" in wide:
        scored = wide[["kehu", "baseline"]].dropna()
        summary["series_kehu_better"] = int((scored["kehu"] < scored["baseline"]).sum())
        summary["series_compared"] = len(scored)
        kehu, base = summary["mase"].get("kehu"), summary["mase"].get("baseline")
        summary["relative_mase"] = _number(kehu / base) if kehu is not None and base else None
    return summary


def _number(value: Any) -> float | None:
    value = float(value)
    return value if np.isfinite(value) else None
