"""The series the intelligence charts draw, on small cases checked by hand: the Pareto
curve, the P(alive) and CLV bins, the main churn reasons and the forecast rows."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from kehu.crm.intelligence import chart_data
from kehu.crm.intelligence.chart_data import Bar
from kehu.crm.intelligence.models import CustomerInsight, CustomerScore, CustomerValue, ValueRun


def test_pareto_curve_runs_from_the_most_valuable_customers():
    # 5 customers: one with 60 of 100, then 20, 10, 10 and one with a refund (-5: none)
    curve = chart_data.pareto_curve([(1, 60.0), (1, 20.0), (1, 10.0), (1, 10.0), (1, -5.0)])
    assert curve.customers == pytest.approx([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    assert curve.value == pytest.approx([0, 0.6, 0.8, 0.9, 1.0, 1.0])
    assert curve.top20 == pytest.approx(0.6) and curve.n_customers == 5


def test_pareto_curve_reads_the_20_percent_point_between_groups():
    # groups of 2 and 3 customers out of 10: the top 20% lie inside the second group
    curve = chart_data.pareto_curve([(1, 50.0), (3, 30.0), (6, 20.0)])
    # at 10% of customers 50%, at 40% 80%: at 20% a third of the way, 60%
    assert curve.top20 == pytest.approx(0.6)


def test_curve_steps_read_the_curve_at_every_tenth_of_the_customers():
    curve = chart_data.pareto_curve([(1, 50.0), (3, 30.0), (6, 20.0)])
    steps = chart_data.curve_steps(curve)
    assert [x for x, _y in steps] == pytest.approx([i / 10 for i in range(1, 11)])
    # 10%: 50%; 40%: 80%; 70%: 80% + half of the last 20% = 90%; 100%: all
    assert [steps[i][1] for i in (0, 3, 6, 9)] == pytest.approx([0.5, 0.8, 0.9, 1.0])


def test_pareto_curve_of_nothing_has_no_20_percent_point():
    assert chart_data.pareto_curve([]).top20 is None
    assert chart_data.pareto_curve([(3, 0.0)]).top20 is None


def test_share_bars_cover_zero_to_one_with_empty_bins_counted():
    bars = chart_data.share_bars({0: 2, 9: 1}, bins=10)
    assert len(bars) == 10 and bars[0] == Bar(0.0, 0.1, 2) and bars[9] == Bar(0.9, 1.0, 1)
    assert [b.n for b in bars[1:9]] == [0] * 8


@pytest.mark.parametrize(
    ("span", "bins", "step"), [(95.0, 10, 10.0), (101.0, 10, 20.0), (0.3, 10, 0.05), (7.0, 10, 1.0)]
)
def test_nice_step_is_one_two_or_five_times_a_power_of_ten(span, bins, step):
    assert chart_data.nice_step(span, bins) == pytest.approx(step)


def test_value_bars_put_the_tail_above_the_95th_percentile_in_one_open_bar():
    # 100 customers at 0, 1, ..., 99 and two at 500 and 1000: the 95th percentile is
    # 95.95, so 10 bars of 10 up to 100 (10 customers each) and the two in "≥ 100"
    values = np.array([*range(100), 500.0, 1000.0], dtype=float)
    bars = chart_data.value_bars(values)
    assert [(b.low, b.high) for b in bars[:2]] == [(0.0, 10.0), (10.0, 20.0)]
    assert [b.n for b in bars] == [10] * 10 + [2]
    assert bars[-1] == Bar(100.0, None, 2)
    assert sum(b.n for b in bars) == len(values)


def test_value_bars_of_no_customers_are_none_and_negative_amounts_count_as_zero():
    assert chart_data.value_bars(np.array([])) == []
    # -3 counts as 0; 0.5 is the 95th percentile: bars of 0.05 up to 0.5, and 0.5 above
    bars = chart_data.value_bars(np.array([-3.0, 0.5, 0.5, np.nan]))
    assert bars[0] == Bar(0.0, 0.05, 1) and bars[-1] == Bar(0.5, None, 2)
    assert sum(b.n for b in bars) == 3


def test_forecast_rows_put_the_actual_months_before_the_forecast():
    series = {
        "history": [["2026-01", 10.0], ["2026-02", 12.0]],
        "forecast": [["2026-03", 13.0, 11.0, 15.0]],
        "model": "theta",
    }
    rows = chart_data.forecast_rows(series)
    assert [r["month"] for r in rows] == ["2026-01", "2026-02", "2026-03"]
    assert rows[1] == {
        "month": "2026-02",
        "actual": 12.0,
        "forecast": None,
        "low": None,
        "high": None,
    }
    assert rows[2] == {
        "month": "2026-03",
        "actual": None,
        "forecast": 13.0,
        "low": 11.0,
        "high": 15.0,
    }
    assert chart_data.total_forecast({"sales": {"total": {"series": [series]}}}) == series
    assert chart_data.total_forecast({"sales": {"total": {"skipped": "too short"}}}) is None


@pytest.fixture
def run_of(make_customer):
    """A done run with the given scores per customer: dicts of CustomerValue fields."""

    def _make(*scores: dict) -> ValueRun:
        run = ValueRun.objects.create(status=ValueRun.Status.DONE)
        for i, fields in enumerate(scores):
            customer = make_customer(f"Customer {i}")
            CustomerValue.objects.create(run=run, customer=customer, **fields)
        return run

    return _make


@pytest.mark.django_db
def test_pareto_tiles_group_the_buyers_by_spend_largest_first(run_of):
    run = run_of(
        {"p_alive": 0.5, "total_spend": 10.0},
        {"p_alive": 0.5, "total_spend": 60.0},
        {"p_alive": 0.5, "total_spend": -4.0},
        {"p_alive": 0.5, "total_spend": 30.0},
        {"p_alive": None, "total_spend": None},  # a prospect: not a buyer
    )
    assert chart_data.pareto_tiles(run, tiles=2) == [(2, 90.0), (2, 10.0)]
    curve = chart_data.pareto_curve(chart_data.pareto_tiles(run))
    assert curve.n_customers == 4 and curve.value[1] == pytest.approx(0.6)


@pytest.mark.django_db
def test_p_alive_counts_bin_by_tenths_with_one_in_the_last_bin(run_of):
    run = run_of(
        {"p_alive": 0.0},
        {"p_alive": 0.05},
        {"p_alive": 0.35},
        {"p_alive": 0.99},
        {"p_alive": 1.0},
        {"p_alive": None},
    )
    assert chart_data.p_alive_counts(run) == {0: 2, 3: 1, 9: 2}


@pytest.mark.django_db
def test_clv_values_are_the_runs_predicted_clvs(run_of):
    run = run_of({"predicted_clv": 5.0}, {"predicted_clv": None}, {"predicted_clv": 7.5})
    assert sorted(chart_data.clv_values(run)) == [5.0, 7.5]


@pytest.mark.django_db
def test_churn_reason_counts_count_the_main_reason_of_customers_at_risk(run_of):
    run = run_of({}, {}, {}, {})
    reasons = [
        (0.9, ["days since last order = 400", "orders = 1"]),
        (0.7, ["days since last order = 200"]),
        (0.6, ["share of orders returned = 0.5", "days since last order = 90"]),
        (0.2, ["orders = 1"]),  # not at risk
    ]
    for value, (risk, texts) in zip(CustomerValue.objects.filter(run=run), reasons, strict=True):
        CustomerScore.objects.create(customer_id=value.customer_id, run=run, churn_risk=risk)
        CustomerInsight.objects.create(customer_id=value.customer_id, run=run, churn_reasons=texts)
    assert chart_data.churn_reason_counts(run) == [
        ("days since last order", 2),
        ("share of orders returned", 1),
    ]
    assert ("orders", 1) in chart_data.churn_reason_counts(run, at_risk=0.1)


@pytest.mark.django_db
def test_run_series_reads_a_finished_run_once(run_of, django_assert_num_queries):
    run = run_of({"p_alive": 0.95, "total_spend": 10.0, "predicted_clv": 3.0})
    with django_assert_num_queries(4):  # curve, P(alive), CLV, churn reasons
        first = chart_data.run_series(run)
    assert first.pareto.n_customers == 1 and first.p_alive[9].n == 1 and first.churn == []
    with django_assert_num_queries(0):
        assert chart_data.run_series(run) == first


def test_segment_bars_keep_repeated_and_tagged_names_apart():
    from kehu.crm.intelligence.charts import segments_chart
    from kehu.crm.intelligence.models import Segment

    def segment(key, name):
        s = Segment(key=key, name=name, name_key="", size=10, share=0.1, value_share=0.2)
        s.custom_name = name
        return s

    chart = segments_chart([segment(1, "VIP"), segment(2, "VIP"), segment(3, "<a href=x>")])
    assert list(chart.figure.data[0].y) == ["VIP #1", "VIP #2", "&lt;a href=x&gt;"]
    assert [row[0] for row in chart.table.rows] == ["VIP", "VIP", "<a href=x>"]


def test_a_month_the_data_ends_inside_is_not_reached_in_the_cohort_table():
    import pandas as pd

    from kehu.crm.intelligence.overview import cohort_table

    # cohorts of October and November; purchases up to 2 December (December not over)
    cohorts = pd.DataFrame(
        {"cohort": ["2026-10", "2026-11"], "size": [10, 20], 1: [0.3, 0.05], 2: [0.1, None]}
    )
    rows = cohort_table(cohorts, date(2026, 12, 2))["rows"]
    assert rows[0]["shares"][:3] == [0.3, None, None]  # November counted, December not
    assert rows[1]["shares"][:2] == [None, None]
    # on 31 December, December is over: counted
    rows = cohort_table(cohorts, date(2026, 12, 31))["rows"]
    assert rows[0]["shares"][:3] == [0.3, 0.1, None] and rows[1]["shares"][0] == 0.05
