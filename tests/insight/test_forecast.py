"""Sales forecasting: series from a log (checked against pandas), MASE and sMAPE (checked
by hand), forecasts that beat the seasonal naive baseline on a planted trend and season,
the messages for bad input, and Online Retail end to end."""

from __future__ import annotations

import doctest
import json

import numpy as np
import pandas as pd
import pytest

from kehu.insight.data import InputError
from kehu.insight.errors import InsightError, InvalidParameterError
from kehu.insight.forecast import (
    backtest,
    forecast_sales,
    mase,
    naive,
    run_forecast,
    sales_series,
    seasonal_naive,
    smape,
)
from kehu.insight.forecast import backtesting as backtest_module
from kehu.insight.forecast import models as models_module
from kehu.insight.forecast import series as series_module


def _log() -> pd.DataFrame:
    """Two regions and rows without one; a return; months without sales; a row without
    a date; the log ends on 10 June, inside June."""
    rows = [
        ("2023-01-03 09:10", "North", "100"),
        ("2023-01-20 17:00", "North", "-30"),  # a return
        ("2023-01-15 11:00", "South", "50"),
        ("2023-03-02 10:00", "North", "10"),  # nothing in February
        ("2023-03-10 10:00", "", "5"),  # blank region
        ("2023-03-11 10:00", None, "7"),  # missing region
        ("2023-04-05 10:00", "South", "20"),
        ("2023-05-31 23:59", "North", "1"),
        ("2023-06-10 12:00", "North", "999"),  # June is partial
        ("", "North", "3"),  # no date
    ]
    return pd.DataFrame(rows, columns=["ordered_at", "region", "amount"])


def _expected(log: pd.DataFrame, by: str | None) -> pd.DataFrame:
    """The same series, by pandas: sum per group and month, zero-filled from each
    group's first month to May (the last complete month)."""
    log = log[log["ordered_at"] != ""].copy()
    log["ds"] = pd.to_datetime(log["ordered_at"]).dt.to_period("M").dt.start_time
    log["y"] = log["amount"].astype(float)
    log = log[log["ds"] <= "2023-05-01"]
    if by is None:
        log["unique_id"] = "total"
    else:
        log["unique_id"] = log[by].fillna("").replace("", "(none)")
    sums = log.groupby(["unique_id", "ds"])["y"].sum()
    parts = []
    for uid, part in sums.groupby(level=0):
        months = pd.date_range(part.index.get_level_values("ds").min(), "2023-05-01", freq="MS")
        filled = part.droplevel(0).reindex(months, fill_value=0.0)
        parts.append(pd.DataFrame({"unique_id": uid, "ds": months, "y": filled.to_numpy()}))
    return pd.concat(parts, ignore_index=True)


def _seasonal(
    n: int, seed: int, ids: tuple[str, ...] = ("A", "B"), trend: float = 4.0
) -> pd.DataFrame:
    """Monthly series with a planted linear trend, a yearly season and noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    months = pd.date_range("2018-01-01", periods=n, freq="MS")
    parts = []
    for i, uid in enumerate(ids):
        season = (30 + 10 * i) * np.sin(2 * np.pi * t / 12) + 15 * np.cos(4 * np.pi * t / 12)
        y = 300 + 50 * i + trend * t + season + rng.normal(0, 6, n)
        parts.append(pd.DataFrame({"unique_id": uid, "ds": months, "y": y}))
    return pd.concat(parts, ignore_index=True)


# --- series from a log ---------------------------------------------------------------


@pytest.mark.parametrize("by", [None, "region"])
def test_sales_series_equal_pandas_groupby_with_zero_months_and_returns(by):
    result = sales_series(_log(), date_col="ordered_at", amount_col="amount", by=by)
    expected = _expected(_log(), by)
    pd.testing.assert_frame_equal(
        result.series.sort_values(["unique_id", "ds"], ignore_index=True),
        expected.sort_values(["unique_id", "ds"], ignore_index=True),
        check_dtype=False,
    )


def test_sales_series_drops_the_partial_last_month_and_says_so():
    result = sales_series(_log(), date_col="ordered_at", amount_col="amount", by="region")
    assert result.series["ds"].max() == pd.Timestamp("2023-05-01")
    assert 999.0 not in result.series["y"].to_numpy()
    assert any("ends on 2023-06-10" in note and "left out" in note for note in result.notes)
    assert any("1 of 10 rows have no date" in note for note in result.notes)


def test_sales_series_keeps_a_month_that_ends_on_its_last_day():
    log = pd.DataFrame({"d": ["2024-01-01", "2024-02-29"], "a": [1.0, 2.0]})
    result = sales_series(log, date_col="d", amount_col="a")
    assert result.series["y"].tolist() == [1.0, 2.0]
    assert result.notes == []


def test_weekly_series_start_on_monday_and_drop_the_partial_last_week():
    days = pd.date_range("2024-01-03", "2024-02-01", freq="D")  # a Wednesday to a Thursday
    log = pd.DataFrame({"d": days, "a": 1.0})
    result = sales_series(log, date_col="d", amount_col="a", freq="week")
    assert (result.series["ds"].dt.day_of_week == 0).all()
    assert result.series["ds"].tolist() == list(pd.date_range("2024-01-01", periods=4, freq="7D"))
    assert result.series["y"].tolist() == [5.0, 7.0, 7.0, 7.0]
    assert "inside the week starting 2024-01-29: that partial week is left out" in result.notes[0]
    assert "that first week may be partial (kept)" in result.notes[1]


def test_quantity_times_unit_price_and_month_first_text_dates():
    log = pd.DataFrame(
        {
            "InvoiceDate": ["12/1/2010 8:26", "12/15/2010 10:00", "1/31/2011 9:00"],
            "Quantity": ["6", "-2", "1"],
            "UnitPrice": ["2.5", "2.5", "4"],
        }
    )
    result = sales_series(log, date_col="InvoiceDate", amount_col="Quantity", price_col="UnitPrice")
    assert result.series["y"].tolist() == [10.0, 4.0]
    assert result.series["ds"].tolist() == [pd.Timestamp("2010-12-01"), pd.Timestamp("2011-01-01")]


def test_group_codes_from_a_float_column_read_as_codes(tmp_path):
    log = pd.DataFrame(
        {"d": pd.to_datetime(["2024-01-01", "2024-01-31"]), "a": [1.0, 2.0], "g": [7.0, None]}
    )
    log.to_parquet(tmp_path / "log.parquet")
    result = sales_series(tmp_path / "log.parquet", date_col="d", amount_col="a", by="g")
    assert result.series["unique_id"].tolist() == ["(none)", "7"]


def test_sales_series_reads_a_csv_file(tmp_path):
    path = tmp_path / "log.csv"
    _log().to_csv(path, index=False)
    from_file = sales_series(path, date_col="ordered_at", amount_col="amount", by="region")
    from_frame = sales_series(_log(), date_col="ordered_at", amount_col="amount", by="region")
    pd.testing.assert_frame_equal(from_file.series, from_frame.series)


def test_sales_series_reads_a_csv_file_in_its_own_encoding(tmp_path):
    log = _log()
    log["region"] = log["region"].map(lambda r: f"华东{r}")
    path = tmp_path / "log.csv"
    path.write_bytes(log.to_csv(index=False).encode("gbk"))
    kwargs = {"date_col": "ordered_at", "amount_col": "amount", "by": "region"}
    from_frame = sales_series(log, **kwargs)
    pd.testing.assert_frame_equal(sales_series(path, **kwargs).series, from_frame.series)
    named = sales_series(path, encoding="gbk", **kwargs)
    pd.testing.assert_frame_equal(named.series, from_frame.series)


# --- MASE and sMAPE ------------------------------------------------------------------


def test_mase_and_smape_on_a_hand_checked_example():
    history = np.array([1.0, 2, 3, 4, 5, 6])
    actual, forecast = np.array([7.0, 8]), np.array([6.0, 10])
    # seasonal naive (m=2) in-sample errors |3-1|, |4-2|, |5-3|, |6-4| = 2; MAE = 1.5
    assert mase(actual, forecast, history, 2) == pytest.approx(0.75)
    # naive (m=1) in-sample errors are all 1
    assert mase(actual, forecast, history, 1) == pytest.approx(1.5)
    # 200/2 * (1/13 + 2/18)
    assert smape(actual, forecast) == pytest.approx(100 * (1 / 13 + 2 / 18))


def test_smape_counts_zero_against_zero_as_exact_and_zero_against_sales_as_200():
    assert smape(np.array([0.0, 0.0]), np.array([0.0, 0.0])) == 0.0
    assert smape(np.array([0.0, 0.0]), np.array([5.0, 0.0])) == pytest.approx(100.0)


def test_mase_is_undefined_on_a_constant_history():
    assert np.isnan(mase(np.array([1.0]), np.array([2.0]), np.full(5, 3.0), 1))
    with pytest.raises(InvalidParameterError, match="needs more than 12 periods"):
        mase(np.array([1.0]), np.array([1.0]), np.arange(12.0), 12)


def test_naive_baselines_repeat_the_last_value_and_the_last_season():
    history = np.array([1.0, 2, 3, 4, 5])
    assert seasonal_naive(history, 5, 2).tolist() == [4, 5, 4, 5, 4]
    assert naive(history, 3).tolist() == [5, 5, 5]


def test_backtest_scores_the_baselines_as_defined():
    series = _seasonal(40, seed=3, ids=("A",))
    result = backtest(series, horizon=4, season_length=12, n_windows=2, model="ets")
    y = series["y"].to_numpy()
    for cutoff_at in (32, 36):
        history, actual = y[:cutoff_at], y[cutoff_at : cutoff_at + 4]
        rows = result.table[result.table["n_train"] == cutoff_at].set_index("method")
        expected = mase(actual, seasonal_naive(history, 4, 12), history, 12)
        assert rows.loc["seasonal_naive", "mase"] == pytest.approx(expected)
        assert rows.loc["naive", "smape"] == pytest.approx(smape(actual, naive(history, 4)))
        assert rows.loc["kehu", "scale_lag"] == 12
    assert result.summary["baseline"] == "seasonal_naive"


# --- forecasts -----------------------------------------------------------------------


def test_kehu_beats_seasonal_naive_on_a_planted_trend_and_season():
    series = _seasonal(48, seed=1)
    result = backtest(series, horizon=6, season_length=12, n_windows=2)
    summary = result.summary
    assert summary["baseline"] == "seasonal_naive"
    # seasonal naive misses a year of trend (12 x 4 = 48 per period): MASE near 1
    assert summary["mase"]["baseline"] > 0.8
    assert summary["mase"]["kehu"] < 0.5 * summary["mase"]["baseline"]
    assert summary["smape"]["kehu"] < summary["smape"]["baseline"]
    assert summary["series_kehu_better"] == summary["series_compared"] == 2


def test_forecast_continues_the_dates_with_nested_intervals():
    series = _seasonal(36, seed=2)
    result = forecast_sales(series, horizon=4, season_length=12)
    table = result.table
    assert list(table.columns) == [
        "unique_id",
        "ds",
        "forecast",
        "lo_80",
        "hi_80",
        "lo_95",
        "hi_95",
        "model",
    ]
    assert table.groupby("unique_id")["ds"].apply(list).to_dict() == {
        uid: list(pd.date_range("2021-01-01", periods=4, freq="MS")) for uid in ("A", "B")
    }
    assert (table["lo_95"] <= table["lo_80"]).all() and (table["lo_80"] <= table["forecast"]).all()
    assert (table["forecast"] <= table["hi_80"]).all() and (table["hi_80"] <= table["hi_95"]).all()
    # the planted trend carries on: January up about a year of trend on the last one
    jan = table[table["unique_id"] == "A"]["forecast"].iloc[0]
    last_jan = series[(series["unique_id"] == "A")]["y"].iloc[24]
    assert jan == pytest.approx(last_jan + 48, abs=20)


def test_short_series_get_a_non_seasonal_forecast_and_too_short_ones_a_note():
    months = pd.date_range("2024-01-01", periods=8, freq="MS")
    series = pd.concat(
        [
            pd.DataFrame({"unique_id": "new", "ds": months, "y": np.arange(8.0) * 3 + 10}),
            pd.DataFrame({"unique_id": "tiny", "ds": months[-2:], "y": [5.0, 6.0]}),
            pd.DataFrame({"unique_id": "three", "ds": months[-3:], "y": [5.0, 6.0, 8.0]}),
        ]
    )
    result = forecast_sales(series, horizon=3, season_length=12)
    models = result.table.drop_duplicates("unique_id").set_index("unique_id")["model"]
    assert set(models.index) == {"new", "three"}
    assert not models.str.contains(r"ets\(A,A?d?,A\)").any()  # no seasonal ETS
    assert result.table["forecast"].notna().all()
    assert result.notes == [
        "series 'tiny' has 2 month(s) of history, fewer than the 3 a forecast needs: not forecast"
    ]


def test_series_all_too_short_raise_a_clear_error():
    series = pd.DataFrame(
        {"unique_id": "x", "ds": pd.to_datetime(["2024-01-01", "2024-02-01"]), "y": [1.0, 2.0]}
    )
    with pytest.raises(InputError, match="fewer than the 3 a forecast needs"):
        forecast_sales(series, horizon=2, season_length=12)


def test_forecasts_of_a_rarely_negative_series_are_clipped_at_zero_others_not():
    months = pd.date_range("2020-01-01", periods=48, freq="MS")
    falling = np.linspace(200, 5, 48)
    falling[10] = -3.0  # one month of returns above sales in 48 (2 %)
    with_returns = np.linspace(200, 5, 48) - 60  # net-negative months are common
    series = pd.concat(
        [
            pd.DataFrame({"unique_id": "falling", "ds": months, "y": falling}),
            pd.DataFrame({"unique_id": "returns", "ds": months, "y": with_returns}),
        ]
    )
    table = forecast_sales(series, horizon=6, season_length=12, model="ets").table
    falling_part = table[table["unique_id"] == "falling"]
    assert (falling_part[["forecast", "lo_80", "lo_95"]] >= 0).all().all()
    assert (table[table["unique_id"] == "returns"]["forecast"] < 0).any()


def test_a_day_of_the_week_without_sales_is_forecast_as_zero():
    days = pd.date_range("2024-01-01", periods=70, freq="D")  # a Monday
    rng = np.random.default_rng(4)
    y = 1000 + 100 * np.sin(np.arange(70)) + rng.normal(0, 30, 70)
    y[days.day_of_week == 5] = 0.0  # closed on Saturdays
    series = pd.DataFrame({"unique_id": "shop", "ds": days, "y": y})
    table = forecast_sales(series, horizon=14, season_length=7).table
    saturdays = table["ds"].dt.day_of_week == 5
    assert (table.loc[saturdays, ["forecast", "lo_95", "hi_95"]] == 0).all().all()
    assert (table.loc[~saturdays, "forecast"] > 500).all()


def test_a_constant_series_is_forecast_as_that_constant():
    months = pd.date_range("2022-01-01", periods=12, freq="MS")
    series = pd.DataFrame({"unique_id": "flat", "ds": months, "y": 0.0})
    table = forecast_sales(series, horizon=2, season_length=12).table
    assert table["forecast"].tolist() == [0.0, 0.0] and (table["model"] == "constant").all()


@pytest.mark.parametrize("model", ["ets", "theta", "ensemble"])
def test_each_method_forecasts(model):
    table = forecast_sales(_seasonal(30, seed=5, ids=("A",)), 3, 12, model=model).table
    assert len(table) == 3 and np.isfinite(table["forecast"]).all()


def test_run_forecast_writes_the_tables_and_metrics(tmp_path):
    log = _seasonal_log()
    run = run_forecast(
        log,
        date_col="day",
        amount_col="amount",
        by="region",
        horizon=3,
        n_windows=1,
        out_dir=tmp_path,
    )
    assert {p.name for p in tmp_path.iterdir()} == {
        "series.parquet",
        "forecast.parquet",
        "backtest.parquet",
        "metrics.json",
    }
    forecast = pd.read_parquet(tmp_path / "forecast.parquet")
    assert set(forecast["unique_id"]) == {"east", "west"} and len(forecast) == 6
    scored = pd.read_parquet(tmp_path / "backtest.parquet")
    assert set(scored["method"]) == {"kehu", "seasonal_naive", "naive"}
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["settings"]["season_length"] == 12
    assert metrics["backtest"]["baseline"] == "seasonal_naive"
    assert set(metrics["backtest_per_series"]) == {"east", "west"}
    assert metrics["history"]["last_period"] == "2022-12-01"
    assert run.metrics["notes"] == metrics["notes"]


def _seasonal_log() -> pd.DataFrame:
    """Three years of daily orders in two regions, with a yearly season."""
    days = pd.date_range("2020-01-01", "2022-12-31", freq="D")
    season = 1 + 0.5 * np.sin(2 * np.pi * days.day_of_year / 365.25)
    return pd.concat(
        [
            pd.DataFrame({"day": days, "region": region, "amount": scale * season})
            for region, scale in (("east", 10.0), ("west", 4.0))
        ],
        ignore_index=True,
    )


# --- bad input -----------------------------------------------------------------------


def test_a_missing_column_is_named_with_the_columns_found():
    with pytest.raises(InputError, match=r"'sold_at' \(given with --date-col\) is not in the log"):
        sales_series(_log(), date_col="sold_at", amount_col="amount")
    with pytest.raises(InputError, match=r"found \['ordered_at', 'region', 'amount'\]"):
        sales_series(_log(), date_col="ordered_at", amount_col="amount", by="segment")


def test_an_unknown_freq_lists_the_allowed_ones():
    with pytest.raises(
        InvalidParameterError,
        match=r"freq must be one of \['day', 'month', 'week'\], got 'fortnight'",
    ):
        sales_series(_log(), date_col="ordered_at", amount_col="amount", freq="fortnight")


def test_values_that_are_not_dates_or_numbers_are_quoted():
    log = _log()
    log.loc[0, "ordered_at"] = "yesterday"
    with pytest.raises(InputError, match=r"1 values that are not dates .*'yesterday'"):
        sales_series(log, date_col="ordered_at", amount_col="amount")
    log = _log()
    log.loc[1, "amount"] = "12 EUR"
    with pytest.raises(InputError, match=r"'amount' has 1 values that are not numbers.*12 EUR"):
        sales_series(log, date_col="ordered_at", amount_col="amount")


def test_a_log_shorter_than_one_complete_period_is_refused():
    log = pd.DataFrame({"d": ["2024-03-02", "2024-03-20"], "a": [1.0, 2.0]})
    with pytest.raises(InputError, match="no complete month"):
        sales_series(log, date_col="d", amount_col="a")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"horizon": 0}, "horizon must be a whole number of periods >= 1, got 0"),
        ({"season_length": 0}, "season_length must be a whole number"),
        ({"level": (80, 100)}, r"level must be percentages in \(0, 100\)"),
        ({"model": "prophet"}, r"model must be one of \['auto', 'ets', 'theta', 'ensemble'\]"),
    ],
)
def test_bad_forecast_parameters_say_what_is_allowed(kwargs, message):
    args = {"horizon": 3, "season_length": 12} | kwargs
    with pytest.raises(InvalidParameterError, match=message):
        forecast_sales(_seasonal(24, seed=0), **args)


def test_bad_series_tables_are_refused_with_the_reason():
    good = _seasonal(24, seed=0)
    with pytest.raises(
        InputError, match=r"lacks the column\(s\) \['y'\].*found \['unique_id', 'ds', 'sales'\]"
    ):
        forecast_sales(good.rename(columns={"y": "sales"}), 3, 12)
    with pytest.raises(InputError, match=r"series \['A'\] skip or repeat a month"):
        forecast_sales(good.drop(index=5), 3, 12)
    with pytest.raises(InputError, match="'y' must be finite numbers"):
        forecast_sales(good.assign(y=good["y"].where(good.index != 3)), 3, 12)
    with pytest.raises(InvalidParameterError, match="n_windows must be a whole number >= 1"):
        backtest(good, 3, 12, 0)


def test_every_error_is_an_insight_error():
    with pytest.raises(InsightError):
        sales_series(_log(), date_col="nope", amount_col="amount")


def test_docstring_examples_run():
    for module in (series_module, models_module, backtest_module):
        failed, _tried = doctest.testmod(module, extraglobs={"pd": pd, "np": np})
        assert failed == 0, module.__name__


# --- Online Retail -------------------------------------------------------------------


@pytest.mark.slow
def test_online_retail_weekly_by_country_adds_up_and_forecasts(kehu_data):
    path = kehu_data / "online_retail" / "online_retail.csv.gz"
    raw = pd.read_csv(path, dtype={"InvoiceNo": str, "StockCode": str})
    by_country = sales_series(
        path,
        date_col="InvoiceDate",
        amount_col="Quantity",
        price_col="UnitPrice",
        by="Country",
        freq="week",
    )
    series = by_country.series
    # the week of Wed 1 Dec 2010 to that of 28 Nov 2011; 5-9 Dec 2011 is partial
    assert series["ds"].min() == pd.Timestamp("2010-11-29")
    assert series["ds"].max() == pd.Timestamp("2011-11-28")
    assert len(by_country.notes) == 2
    # the same sums as pandas over the complete weeks
    raw["ds"] = pd.to_datetime(raw["InvoiceDate"]).dt.to_period("W-SUN").dt.start_time
    raw["y"] = raw["Quantity"] * raw["UnitPrice"]
    kept = raw[raw["ds"] <= "2011-11-28"]
    expected = kept.groupby("Country")["y"].sum()
    got = series.groupby("unique_id")["y"].sum()
    pd.testing.assert_series_equal(
        got.sort_index(), expected.sort_index(), check_names=False, rtol=1e-9
    )
    uk = series[series["unique_id"] == "United Kingdom"]
    assert len(uk) == 53 and uk["y"].iloc[4] == 0.0  # the week of 27 Dec 2010: closed
    total = series.groupby("ds", as_index=False)["y"].sum().assign(unique_id="total")
    scored = backtest(total, horizon=4, season_length=52, n_windows=2)
    # 45-49 weeks of history hold no full season: the baseline is the naive forecast
    assert scored.summary["baseline"] == "naive"
    assert scored.summary["n_windows_scored"] == 2
    future = forecast_sales(total, horizon=4, season_length=52).table
    assert future["ds"].iloc[0] == pd.Timestamp("2011-12-05")
    assert (future["forecast"] > 0).all()


def test_a_floor_keeps_every_forecast_and_bound_at_or_above_it():
    months = pd.date_range("2020-01-01", periods=48, freq="MS")
    with_returns = np.linspace(200, 5, 48) - 60  # falling past zero, often net negative
    series = pd.DataFrame({"unique_id": "returns", "ds": months, "y": with_returns})
    table = forecast_sales(series, horizon=6, season_length=12, model="ets", floor=0.0).table
    assert (table[["forecast", "lo_80", "hi_80", "lo_95", "hi_95"]] >= 0).all().all()
    assert (table["lo_95"] == 0).any()


def test_a_horizon_past_a_century_and_dates_past_pandas_range_are_plain_errors(tmp_path):
    path = tmp_path / "log.csv"
    _log().to_csv(path, index=False)
    kwargs = {"date_col": "ordered_at", "amount_col": "amount", "out_dir": tmp_path / "o"}
    with pytest.raises(InputError, match=r"horizon must be at most 1,200 months \(100 years\)"):
        run_forecast(path, horizon=1_000_000, **kwargs)
    far = _log()
    far["ordered_at"] = far["ordered_at"].astype(str)
    far.loc[0, "ordered_at"], far.loc[1, "ordered_at"] = "0001-01-01", "9999-12-31"
    with pytest.raises(InputError, match=r"\['0001-01-01', '9999-12-31'\]"):
        sales_series(far, date_col="ordered_at", amount_col="amount")
