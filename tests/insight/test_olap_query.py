"""A pivot query is checked when made: each bad parameter raises a PivotError naming it
and saying what it may be; the query-string form reads back what it writes."""

from __future__ import annotations

from datetime import date

import pytest

from kehu.insight.olap import PivotError, PivotQuery, drill_down, drill_up


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"rows": "year"}, "measures: choose at least one of"),
        ({"measures": "sales"}, "measures: 'sales' is not a measure; choose from"),
        ({"measures": "orders,orders"}, r"measures: \['orders'\] given more than once"),
        ({"measures": "orders", "rows": "week"}, "rows: 'week' is not a level; choose from"),
        (
            {"measures": "orders", "rows": "year", "columns": "year"},
            "columns: .*already on the rows",
        ),
        ({"measures": "orders", "filter_planet": "Mars"}, "filter_planet: 'planet' is not a level"),
        (
            {"measures": "orders", "date_from": "2024-13-01"},
            "date_from: must be a date written YYYY-MM-DD",
        ),
        (
            {"measures": "orders", "date_from": "2024-02-01", "date_to": "2024-01-01"},
            "date_to: 2024-01-01 is before date_from 2024-02-01",
        ),
        (
            {"measures": "orders", "rows": "year", "top_n": "0"},
            "top_n: must be a whole number from 1 to 1000, got 0",
        ),
        ({"measures": "orders", "rows": "year", "top_n": "ten"}, "top_n: must be a whole number"),
        ({"measures": "orders", "top_n": "5"}, "top_n: ranks rows: put a level on the rows first"),
        (
            {"measures": "orders", "rows": "year", "rank_by": "orders"},
            "rank_by: ranks the top N rows: set top_n too",
        ),
        (
            {"measures": "orders", "rows": "year", "top_n": "3", "rank_by": "size"},
            "rank_by: 'size' is not a measure",
        ),
        (
            {"measures": "orders", "rows": "region", "other": "1"},
            "other: sums the rows outside the top N",
        ),
        (
            {"measures": "orders", "rows": "region", "compare_previous_year": "1"},
            "compare_previous_year: needs a date level",
        ),
        ({"measures": "orders", "share_of_total": "maybe"}, "share_of_total: must be one of"),
        ({"measures": "orders", "top_n": ["3", "4"], "rows": "year"}, "top_n: given 2 times"),
    ],
)
def test_bad_parameters_are_named_with_what_to_fix(params, message):
    with pytest.raises(PivotError, match=message) as caught:
        PivotQuery.from_params(params)
    assert caught.value.code.startswith("pivot_")


def test_from_params_reads_a_query_string_and_to_params_writes_it_back():
    params = {
        "measures": ["net_sales,orders"],
        "rows": ["region, city"],
        "columns": ["year"],
        "filter_channel": ["web", "phone"],
        "filter_category": ["Tools, hand"],  # a member is never split at commas
        "date_from": ["2024-01-01"],
        "compare_previous_year": ["on"],
        "share_of_total": ["true"],
        "top_n": ["10"],
        "rank_by": ["orders"],
        "other": ["1"],
        "page": ["2"],  # a page's own parameter
    }
    query = PivotQuery.from_params(params)
    assert query.measures == ("net_sales", "orders")
    assert query.rows == ("region", "city") and query.columns == ("year",)
    assert dict(query.filters) == {"channel": ("web", "phone"), "category": ("Tools, hand",)}
    assert query.date_from == date(2024, 1, 1) and query.date_to is None
    assert query.compare_previous_year and query.share_of_total and query.other
    assert (query.top_n, query.rank_by, query.ranking_measure) == (10, "orders", "orders")
    assert PivotQuery.from_params(query.to_params()) == query


def test_a_query_is_frozen_and_hashable_by_value():
    query = PivotQuery(("orders",), ("year",), filters={"region": ["North"]})
    with pytest.raises(AttributeError):
        query.rows = ("month",)  # type: ignore[misc]
    assert query == PivotQuery(("orders",), ("year",), filters={"region": ("North",)})


def test_drill_steps_through_each_hierarchy():
    assert [drill_down(k) for k in ("year", "quarter", "month", "day")] == [
        "quarter",
        "month",
        "day",
        None,
    ]
    assert [drill_up(k) for k in ("city", "region", "product", "category")] == [
        "region",
        None,
        "category",
        None,
    ]
    assert drill_down("channel") is None and drill_up("nowhere") is None


def test_drilling_where_there_is_nothing_finer_says_so():
    with pytest.raises(PivotError, match="'day' has no finer level"):
        PivotQuery(("orders",), ("day",)).drilled_down("day", "2024-01-01")
    with pytest.raises(PivotError, match="'channel' has no coarser level"):
        PivotQuery(("orders",), ("channel",)).drilled_up("channel")
