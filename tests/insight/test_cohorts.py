from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from kehu.insight.cohorts import cohort_retention, weekly_repeat_purchases
from kehu.insight.engine import DuckDBEngine
from kehu.insight.summary import summarize


@pytest.fixture
def engine():
    log = pd.DataFrame(
        [
            ("a", "2024-01-05", 5.0),
            ("a", "2024-02-07", 5.0),
            ("a", "2024-03-09", 5.0),
            ("b", "2024-01-20", 5.0),
            ("b", "2024-03-01", 5.0),
            ("c", "2024-02-02", 5.0),
            ("c", "2024-02-03", -5.0),
        ],
        columns=["customer_id", "date", "amount"],
    )
    e = DuckDBEngine()
    summarize(log, engine=e, period="day")
    return e


def test_cohorts_count_active_customers_by_month_since_acquisition(engine):
    table = cohort_retention(engine, date(2024, 3, 31)).set_index("cohort")
    assert table.loc["2024-01", "size"] == 2
    assert table.loc["2024-01", 1] == 0.5 and table.loc["2024-01", 2] == 1.0
    assert table.loc["2024-02", "size"] == 1 and pd.isna(table.loc["2024-02", 2])


def test_weekly_repeat_purchases_skip_first_purchases_and_fill_empty_weeks(engine):
    weeks = weekly_repeat_purchases(engine, date(2024, 1, 1), date(2024, 3, 10))
    assert len(weeks) == 10
    assert weeks["repeat_purchases"].sum() == 3
    assert weeks.loc[weeks.week == 5, "repeat_purchases"].item() == 1  # 2024-02-07
