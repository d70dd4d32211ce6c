"""Sales forecasting from a transaction log.

Sales forecasting: sales per period (by region, product category or segment) from a
transaction log, forecasts with prediction intervals, and rolling-origin backtests
against the seasonal-naive baseline.

    from kehu.insight.forecast import sales_series, forecast_sales, backtest

    sales = sales_series(log, date_col="ordered_at", amount_col="amount", by="region")
    scores = backtest(sales, horizon=6, season_length=12, n_windows=3)
    future = forecast_sales(sales, horizon=6, season_length=12)

Forecasting models come from statsmodels (ETS, Theta): see
:mod:`kehu.insight.forecast.models`. statsforecast was the first choice, but its
releases require pandas < 3.
"""

from kehu.insight.forecast.backtesting import Backtest, backtest, mase, naive, seasonal_naive, smape
from kehu.insight.forecast.models import Forecast, forecast_sales
from kehu.insight.forecast.run import ForecastRun, run_forecast
from kehu.insight.forecast.series import SEASON_LENGTH, SalesSeries, sales_series

__all__ = [
    "SEASON_LENGTH",
    "Backtest",
    "Forecast",
    "ForecastRun",
    "SalesSeries",
    "backtest",
    "forecast_sales",
    "mase",
    "naive",
    "run_forecast",
    "sales_series",
    "seasonal_naive",
    "smape",
]
