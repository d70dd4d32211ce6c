"""The per-customer summary: exact on small logs, equal to an independent pandas
computation on Online Retail, and the same on DuckDB and Spark."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from tests.conftest import require

from kehu.insight.data import InputError, detect_columns
from kehu.insight.engine import DuckDBEngine
from kehu.insight.summary import summarize


def _log(rows: list[tuple[object, str, float]], **extra: list[object]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["customer_id", "date", "amount"])
    for name, values in extra.items():
        frame[name] = values
    return frame


def test_repeat_days_recency_t_and_mean_repeat_value_in_weeks():
    log = _log(
        [
            ("a", "2024-01-01 09:00", 10.0),
            ("a", "2024-01-01 17:00", 5.0),  # same day: one transaction of 15
            ("a", "2024-01-15", 30.0),
            ("a", "2024-01-22", 50.0),
            ("b", "2024-01-08", 7.0),
        ]
    )
    s = summarize(log, period="week", observation_end="2024-01-29")
    a, b = s.customers.set_index("customer_id").loc[["a", "b"]].to_dict("records")
    assert (a["frequency"], a["recency"], a["T"], a["monetary"]) == (2, 3.0, 4.0, 40.0)
    assert (a["days_since_last"], a["total_spend"]) == (7, 95.0)
    assert (a["last_gap_days"], a["prior_mean_gap_days"]) == (7, 14.0)
    assert (b["frequency"], b["recency"], b["T"], b["monetary"]) == (0, 0.0, 3.0, 0.0)


def test_period_day_and_month_scale_recency_and_t():
    log = _log([("a", "2024-01-01", 1.0), ("a", "2024-03-01", 1.0)])
    by_day = summarize(log, period="day", observation_end="2024-04-01").customers.iloc[0]
    by_month = summarize(log, period="month", observation_end="2024-04-01").customers.iloc[0]
    assert (by_day["recency"], by_day["T"]) == (60.0, 91.0)
    assert by_month["recency"] == pytest.approx(60 / (365.25 / 12))


def test_returns_are_netted_and_never_count_as_purchases():
    log = _log(
        [
            ("a", "2024-01-01", 100.0),
            ("a", "2024-01-10", 40.0),
            ("a", "2024-01-10", -15.0),  # same-day partial return
            ("a", "2024-01-20", 25.0),  # cancellation invoice with a positive sign
            ("z", "2024-01-05", -9.0),  # a customer with only a return
        ],
        order=["1", "2", "2", "C3", "C4"],
    )
    s = summarize(log, period="day", observation_end="2024-01-31")
    a = s.customers.set_index("customer_id").loc["a"]
    assert a["frequency"] == 1
    assert a["gross_spend"] == 140.0
    assert a["returned_spend"] == -40.0
    assert a["total_spend"] == 100.0
    assert "z" not in set(s.customers["customer_id"])
    assert s.accounting["customers_only_returns"] == 1
    assert s.accounting["rows_returns"] == 3


def test_every_row_and_every_customer_is_accounted_for():
    log = _log(
        [
            ("17850.0", "2024-01-01", 10.0),
            ("17850", "2024-01-02", 10.0),  # the same customer, written without ".0"
            (None, "2024-01-03", 10.0),
            ("c", "not a date", 10.0),
            ("d", "2024-01-03", 0.0),
            ("e", "2024-02-10", 3.0),
        ]
    )
    s = summarize(log, period="day", calibration_end="2024-01-31", observation_end="2024-02-29")
    acc = s.accounting
    row_parts = (
        "rows_no_customer",
        "rows_bad_date",
        "rows_bad_amount",
        "rows_after_end",
        "rows_zero_amount",
        "rows_returns",
        "rows_purchases",
    )
    assert acc["rows_in"] == 6 == sum(acc[k] for k in row_parts)
    assert (acc["rows_no_customer"], acc["rows_bad_date"], acc["rows_zero_amount"]) == (1, 1, 1)
    customer_parts = (
        "customers_modelled",
        "customers_acquired_after_calibration",
        "customers_only_returns",
        "customers_no_usable_row",
    )
    assert acc["customers_seen"] == 4 == sum(acc[k] for k in customer_parts)
    assert list(s.customers["customer_id"]) == ["17850"]
    assert s.customers.iloc[0]["frequency"] == 1


def test_sums_of_money_are_rounded_so_every_run_gives_the_same_totals():
    # 0.1 + 0.2 is 0.30000000000000004 in floating point, and which bit comes out depends
    # on the order the engine's threads add in: totals are rounded to a millionth
    log = _log(
        [
            ("a", "2024-01-01", 0.1),
            ("a", "2024-01-01", 0.2),
            ("a", "2024-01-08", 0.1),
            ("a", "2024-01-08", 0.2),
            ("a", "2024-01-15", -0.1),
        ]
    )
    row = summarize(log, period="week", observation_end="2024-01-31").customers.iloc[0]
    assert row["gross_spend"] == 0.6 and row["returned_spend"] == -0.1
    assert row["total_spend"] == 0.6 + -0.1 and row["monetary"] == 0.3


def test_holdout_counts_purchase_days_after_calibration():
    log = _log(
        [
            ("a", "2024-01-01", 1.0),
            ("a", "2024-02-05", 2.0),
            ("a", "2024-02-05", 3.0),
            ("a", "2024-02-20", 4.0),
            ("a", "2024-03-05", 9.0),
        ]
    )
    s = summarize(log, period="week", calibration_end="2024-01-31", observation_end="2024-02-29")
    row = s.customers.iloc[0]
    assert (row["frequency"], row["holdout_actual"], row["holdout_spend"]) == (0, 2, 9.0)
    assert s.accounting["rows_after_end"] == 1
    assert s.holdout_end == date(2024, 2, 29)


def _whole_then_split(log: pd.DataFrame, calibration_end: str, observation_end: str | None):
    """Summarise ``log`` whole, then split at ``calibration_end`` on the same engine."""
    engine = DuckDBEngine()
    whole = summarize(log, period="week", engine=engine)
    split = summarize(
        log,
        period="week",
        calibration_end=calibration_end,
        observation_end=observation_end or whole.calibration_end,
        engine=engine,
        prepared=whole.columns,
    )
    return engine, whole, split


def test_a_second_summary_reuses_the_first_ones_daily_grouping():
    log = _log(
        [
            ("a", "2024-01-01", 1.0),
            ("a", "2024-02-05", 2.0),
            ("b", "2024-01-10", 5.0),
            ("b", "2024-01-20", -1.0),
            ("b", "2024-02-25", 3.0),
            (None, "2024-01-02", 4.0),
        ]
    )
    _, _, split = _whole_then_split(log, "2024-01-31", "2024-02-29")
    fresh = summarize(
        log, period="week", calibration_end="2024-01-31", observation_end="2024-02-29"
    )
    pd.testing.assert_frame_equal(split.customers, fresh.customers)
    assert split.accounting == fresh.accounting


def test_comparison_rows_are_the_split_summary_grouped_by_its_rows():
    rng = np.random.default_rng(5)
    days = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 180, 3_000), unit="D")
    amounts = np.where(rng.random(3_000) < 0.1, -4.0, 10.0)  # returns count as no purchase
    log = pd.DataFrame(
        {"customer_id": rng.integers(0, 400, 3_000), "date": days, "amount": amounts}
    )
    asked: list[tuple[date, date]] = []

    def split_at_april(first: date, calibration_end: date) -> date:
        asked.append((first, calibration_end))
        return date(2024, 4, 30)

    engine, whole, split = _whole_then_split(log, "2024-04-30", None)
    compared = summarize(log, period="week", comparison_split=split_at_april)
    assert asked == [(whole.customers["first_purchase"].min().date(), whole.calibration_end)]
    assert compared.split == date(2024, 4, 30)
    pd.testing.assert_frame_equal(compared.customers, whole.customers)
    expected = (
        split.customers.groupby(["frequency", "recency", "T", "holdout_actual"])
        .size()
        .rename("n")
        .reset_index()
    )
    assert compared.split_rows is not None
    rows = compared.split_rows.sort_values(
        ["frequency", "recency", "T", "holdout_actual"], ignore_index=True
    )
    pd.testing.assert_frame_equal(rows, expected, check_dtype=False)
    assert rows["n"].sum() == len(split.customers) < 400


def test_no_comparison_rows_with_a_calibration_end_or_without_a_split():
    log = _log([("a", "2024-01-01", 1.0), ("a", "2024-02-05", 2.0), ("b", "2024-01-10", 5.0)])
    never = summarize(log, period="week", comparison_split=lambda first, end: None)
    assert never.split is None and never.split_rows is None
    own = summarize(
        log, period="week", calibration_end="2024-01-31", comparison_split=lambda f, e: f
    )
    assert own.split is None and own.split_rows is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"period": "fortnight"}, "period must be one of"),
        ({"calibration_end": "2023-01-01"}, "must fall inside the data"),
        ({"calibration_end": "30/09/2024"}, "must be a date like"),
        ({"customer_col": "nope"}, "column 'nope'"),
    ],
)
def test_bad_arguments_end_in_one_plain_sentence(kwargs, message):
    log = _log([("a", "2024-01-01", 1.0), ("a", "2024-02-01", 1.0)])
    with pytest.raises(InputError, match=message):
        summarize(log, **kwargs)


def test_an_input_without_usable_rows_says_why():
    log = _log([("a", "yesterday", 1.0), (None, "2024-01-01", 1.0)])
    with pytest.raises(
        InputError, match="no usable rows: of 2 rows, 1 have no customer id, 1 have"
    ):
        summarize(log)


def test_columns_are_detected_from_english_and_chinese_headers():
    assert detect_columns(["客户编号", "下单时间", "实付金额"]).as_dict() == {
        "customer": "客户编号",
        "date": "下单时间",
        "amount": "实付金额",
        "quantity": None,
        "unit_price": None,
        "order": None,
    }
    retail = detect_columns(
        ["InvoiceNo", "StockCode", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country"]
    )
    assert (retail.customer, retail.date, retail.amount) == ("CustomerID", "InvoiceDate", None)
    assert (retail.quantity, retail.unit_price, retail.order) == (
        "Quantity",
        "UnitPrice",
        "InvoiceNo",
    )
    with pytest.raises(InputError, match="no customer id column found among"):
        detect_columns(["when", "how much"])


def _pandas_reference(path, calibration_end: str) -> pd.DataFrame:
    """An independent computation of the same summary with pandas."""
    raw = pd.read_csv(path, dtype={"CustomerID": str, "InvoiceNo": str})
    raw = raw.dropna(subset=["CustomerID"])
    raw["customer_id"] = raw["CustomerID"].str.replace(r"\.0+$", "", regex=True)
    amount = raw["Quantity"] * raw["UnitPrice"]
    is_return = (amount < 0) | raw["InvoiceNo"].str.upper().str.startswith("C")
    raw["amount"] = np.where(is_return, -amount.abs(), amount)
    raw["day"] = pd.to_datetime(raw["InvoiceDate"]).dt.normalize()
    raw = raw[(raw["amount"] != 0) & (raw["day"] <= calibration_end)]
    raw["gross"] = raw["amount"].clip(lower=0)
    daily = raw.groupby(["customer_id", "day"], as_index=False)["gross"].sum()
    buys = daily[daily["gross"] > 0].sort_values(["customer_id", "day"])
    first = buys.groupby("customer_id")["day"].transform("min")
    end = pd.Timestamp(calibration_end)
    grouped = buys.assign(repeat=np.where(buys["day"] > first, buys["gross"], 0.0)).groupby(
        "customer_id"
    )
    out = pd.DataFrame(
        {
            "frequency": grouped.size() - 1,
            "recency": (grouped["day"].max() - grouped["day"].min()).dt.days / 7,
            "T": (end - grouped["day"].min()).dt.days / 7,
            "repeat": grouped["repeat"].sum(),
        }
    )
    out["monetary"] = np.where(out["frequency"] > 0, out["repeat"] / out["frequency"].clip(1), 0)
    out["total_spend"] = raw.groupby("customer_id")["amount"].sum()
    return out.drop(columns="repeat").sort_index()


def test_online_retail_summary_equals_an_independent_pandas_computation(kehu_data):
    path = kehu_data / "online_retail" / "online_retail.csv.gz"
    s = summarize(path, period="week", calibration_end="2011-09-30")
    ours = s.customers.set_index("customer_id").sort_index()
    reference = _pandas_reference(path, "2011-09-30")
    assert list(ours.index) == list(reference.index)
    for column in ("frequency", "recency", "T", "monetary", "total_spend"):
        np.testing.assert_allclose(ours[column], reference[column], rtol=1e-9, atol=1e-6)
    acc = s.accounting
    assert acc["rows_in"] == 541_909 and acc["rows_no_customer"] == 135_080
    assert acc["customers_seen"] == 4_372


@pytest.mark.slow
def test_duckdb_and_spark_give_the_same_summary(kehu_data, tmp_path):
    import importlib.util

    require(importlib.util.find_spec("pyspark") is not None, "pyspark is not installed")
    from kehu.insight.engine import SparkEngine

    sample = pd.read_csv(kehu_data / "online_retail" / "online_retail.csv.gz", dtype=str).iloc[
        :20_000
    ]
    path = tmp_path / "retail_sample.parquet"
    sample.to_parquet(path)
    args = {"period": "week", "calibration_end": "2010-12-05"}
    duck = summarize(path, **args)
    spark = summarize(path, engine=SparkEngine(), **args)
    left = duck.customers.set_index("customer_id").sort_index()
    right = spark.customers.set_index("customer_id").sort_index()
    assert list(left.index) == list(right.index)
    pd.testing.assert_frame_equal(left, right, check_dtype=False, check_exact=False, rtol=1e-9)
    assert duck.accounting == spark.accounting
