"""One forecasting run, as ``kehu forecast`` makes it.

One forecasting run, as ``kehu forecast`` makes it: sales per period from a log,
their backtest, their forecast, written to a folder.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from kehu.insight.errors import InputError
from kehu.insight.forecast.backtesting import COLUMNS, Backtest, backtest
from kehu.insight.forecast.checks import check_horizon, check_levels
from kehu.insight.forecast.models import Forecast, forecast_sales
from kehu.insight.forecast.series import SEASON_LENGTH, SalesSeries, check_freq, sales_series


@dataclass
class ForecastRun:
    """What :func:`run_forecast` computed and the files it wrote."""

    sales: SalesSeries
    forecast: Forecast
    backtest: Backtest | None
    metrics: dict[str, Any]
    paths: dict[str, Path] = field(default_factory=dict)


#: The furthest a forecast reaches, in years, and the periods in a year.
MAX_HORIZON_YEARS = 100
PERIODS_PER_YEAR = {"day": 365, "week": 52, "month": 12}


def run_forecast(
    source: Any,
    *,
    date_col: str,
    amount_col: str,
    out_dir: str | Path,
    by: str | None = None,
    freq: str = "month",
    horizon: int = 6,
    season_length: int | None = None,
    n_windows: int = 3,
    price_col: str | None = None,
    date_format: str | None = None,
    encoding: str | None = None,
    level: Sequence[float] = (80, 95),
    model: str = "auto",
    progress: Callable[[str], None] | None = None,
) -> ForecastRun:
    """Run what ``kehu forecast`` does: aggregate, backtest, forecast, write.

    Aggregate ``source`` (a file path, DataFrame, Arrow table or database query) with
    :func:`sales_series`, backtest over ``n_windows`` windows (0: none) and forecast
    ``horizon`` periods ahead; write to ``out_dir``:

    - ``series.parquet``: the history, ``unique_id, ds, y``;
    - ``forecast.parquet``: ``unique_id, ds, forecast, lo_80, hi_80, lo_95, hi_95, model``;
    - ``backtest.parquet``: per series, window (``cutoff``) and method (``kehu``,
      ``seasonal_naive``, ``naive``): ``mase, smape``;
    - ``metrics.json``: the settings, notes, the backtest summary and per-series errors.
    """
    check_freq(freq)
    season_length = SEASON_LENGTH[freq] if season_length is None else season_length
    check_horizon(horizon, season_length)
    most = MAX_HORIZON_YEARS * PERIODS_PER_YEAR.get(freq, 365)
    if horizon > most:
        raise InputError(
            f"horizon must be at most {most:,} {freq}s ({MAX_HORIZON_YEARS} years), got {horizon:,}"
        )
    levels = check_levels(level)
    if int(n_windows) != n_windows or n_windows < 0:
        raise InputError(f"n_windows must be a whole number >= 0, got {n_windows!r}")
    say = progress or (lambda _text: None)
    say("reading the log")
    sales = sales_series(
        source,
        date_col=date_col,
        amount_col=amount_col,
        by=by,
        freq=freq,
        price_col=price_col,
        date_format=date_format,
        encoding=encoding,
    )
    tested = None
    if n_windows:
        tested = backtest(sales, horizon, season_length, n_windows, model=model, progress=say)
    say("forecasting")
    forecast = forecast_sales(sales, horizon, season_length, levels, model=model)
    settings = {
        "source": str(source) if isinstance(source, (str, Path)) else type(source).__name__,
        "date_col": date_col,
        "amount_col": amount_col,
        "price_col": price_col,
        "by": by,
        "freq": freq,
        "horizon": horizon,
        "season_length": season_length,
        "n_windows": n_windows,
        "level": levels,
        "model": model,
    }
    metrics = _metrics(sales, forecast, tested, settings)
    run = ForecastRun(sales, forecast, tested, metrics)
    run.paths = write_run(run, out_dir)
    return run


def _metrics(
    sales: SalesSeries, forecast: Forecast, tested: Backtest | None, settings: dict[str, Any]
) -> dict[str, Any]:
    history = sales.series
    per_series = None
    if tested is not None:
        per_series = {
            uid: {
                row.method: {"mase": _num(row.mase), "smape": _num(row.smape)}
                for row in part.itertuples()
            }
            for uid, part in tested.per_series.groupby("unique_id")
        }
    return {
        "settings": settings,
        "history": {
            "n_series": int(history["unique_id"].nunique()),
            "first_period": str(history["ds"].min().date()),
            "last_period": str(history["ds"].max().date()),
            "n_periods": int(history["ds"].nunique()),
        },
        "forecast": {
            "n_series": int(forecast.table["unique_id"].nunique()),
            "models": dict(Counter(forecast.table.drop_duplicates("unique_id")["model"])),
        },
        "backtest": tested.summary if tested is not None else None,
        "backtest_per_series": per_series,
        "notes": sales.notes + forecast.notes + (tested.notes if tested is not None else []),
    }


def _num(value: Any) -> float | None:
    value = float(value)
    return value if value == value else None


def write_run(run: ForecastRun, out_dir: str | Path) -> dict[str, Path]:
    """Write the series, forecast and backtest of ``run`` as Parquet files in ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {name: out / f"{name}.parquet" for name in ("series", "forecast", "backtest")}
    run.sales.series.to_parquet(paths["series"], index=False)
    run.forecast.table.to_parquet(paths["forecast"], index=False)
    scored = run.backtest.table if run.backtest is not None else pd.DataFrame(columns=COLUMNS)
    scored.to_parquet(paths["backtest"], index=False)
    paths["metrics"] = out / "metrics.json"
    paths["metrics"].write_text(json.dumps(run.metrics, indent=2, ensure_ascii=False) + "\n")
    return paths
