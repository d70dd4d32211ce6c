"""The as-of date of an analysis is chosen where the data are dense: one order today
after months of silence, or an order dated 2099, does not move it."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from kehu.insight.analyze import AnalysisSettings, analyze
from kehu.insight.data import InputError
from kehu.insight.dates import choose_as_of
from kehu.insight.generate import simulate_purchases

TODAY = date(2026, 12, 2)


def _days(*extra: str) -> tuple[pd.Series, pd.Series]:
    dense = pd.date_range("2024-01-01", "2026-06-30", freq="D")
    days = pd.Series([*dense, *pd.to_datetime(list(extra))])
    return days, pd.Series([20] * len(dense) + [1] * len(extra))


def test_without_outliers_the_as_of_date_is_the_last_order_day() -> None:
    chosen = choose_as_of(*_days(), today=TODAY)
    assert chosen.as_of == date(2026, 6, 30)
    assert chosen.reason == "last_order" and chosen.n_left_out == 0


def test_one_order_today_after_months_of_silence_is_left_out_and_said() -> None:
    chosen = choose_as_of(*_days("2026-12-02"), today=TODAY)
    assert chosen.as_of == date(2026, 6, 30)
    assert chosen.reason == "sparse_tail"
    assert (chosen.n_left_out, chosen.gap_days, chosen.latest_date) == (1, 155, TODAY)
    assert "1 order after a 155-day gap" in chosen.note()


def test_orders_dated_in_the_future_never_drive_the_as_of_date() -> None:
    chosen = choose_as_of(*_days("2099-01-01"), today=TODAY)
    assert chosen.as_of == date(2026, 6, 30)
    assert (chosen.reason, chosen.n_future, chosen.first_future) == (
        "future",
        1,
        date(2099, 1, 1),
    )
    both = choose_as_of(*_days("2026-12-02", "2099-01-01"), today=TODAY)
    assert (both.as_of, both.n_left_out, both.n_future) == (date(2026, 6, 30), 2, 1)
    assert "check their dates" in both.note()


def test_a_busy_recent_period_after_a_pause_is_kept() -> None:
    # a shop closed for two months, then open again every day: not an outlier tail
    days, counts = _days(*pd.date_range("2026-09-01", "2026-11-30", freq="D").astype(str))
    counts.iloc[-91:] = 20
    assert choose_as_of(days, counts, today=TODAY).as_of == date(2026, 11, 30)


def test_only_future_orders_are_a_plain_error() -> None:
    with pytest.raises(InputError, match="every order is dated after today"):
        choose_as_of(pd.Series(pd.to_datetime(["2099-01-01"])), pd.Series([3]), today=TODAY)


@pytest.fixture(scope="module")
def log() -> pd.DataFrame:
    sim = simulate_purchases(3000, seed=5, end=datetime(2026, 6, 30))
    t = sim.transactions
    return pd.DataFrame({"customer": t["customer"], "date": t["at"], "amount": t["amount"]})


def test_analyze_records_the_dates_and_leaves_lonely_orders_out(log: pd.DataFrame) -> None:
    extra = pd.DataFrame(
        {
            "customer": [0, 1],
            "date": pd.to_datetime(["2026-12-02", "2099-01-01"]),
            "amount": [10.0, 10.0],
        }
    )
    settings = AnalysisSettings(today=TODAY, fit_pareto_nbd=False)
    clean = analyze(log, settings)
    spoiled = analyze(pd.concat([log, extra], ignore_index=True), settings)
    dates = spoiled.models["dates"]
    assert dates["as_of"] == clean.models["dates"]["as_of"] <= "2026-06-30"
    assert (dates["reason"], dates["n_left_out"], dates["n_future"]) == ("sparse_tail", 2, 1)
    assert any("check their dates" in note for note in spoiled.models["notes"])
    pd.testing.assert_series_equal(clean.customers["p_alive"], spoiled.customers["p_alive"])


def test_analyze_chooses_the_purchase_model_by_holdout_errors(log: pd.DataFrame) -> None:
    analysis = analyze(log, AnalysisSettings(today=TODAY, fit_pareto_nbd=False))
    choice = analysis.models["purchase_model"]
    assert choice["reason"] == "holdout" and set(choice["candidates"]) == {"bg_nbd", "mbg_nbd"}
    maes = {k: v["mae"] for k, v in choice["candidates"].items()}
    assert choice["chosen"] == min(maes, key=maes.get)
    assert choice["p_alive_model"] != "bg_nbd"
    assert 28 <= choice["holdout_days"] <= 364
    c = analysis.customers
    one_timers = c[c["frequency"] == 0]
    assert (one_timers["p_alive"] < 1).all()
    # the longer ago a one-time buyer bought, the less likely still alive
    assert one_timers["p_alive"].corr(one_timers["T"], method="spearman") < -0.99
    fading = c[c["rfm_segment"].isin(["Lost", "Hibernating"])]
    assert len(fading) and not fading["lifecycle_stage"].isin(["stability", "exploration"]).any()
