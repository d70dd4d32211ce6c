"""Pivots on a star schema small enough to work out by hand (tests/insight/olap_warehouse.py):
every measure, year-over-year change, top N with "Other", share of total, drill, members."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from tests.insight.olap_warehouse import write_small_warehouse

from kehu.insight.engine import DuckDBEngine
from kehu.insight.olap import (
    MEASURES,
    PivotQuery,
    WarehouseError,
    idle_products,
    members,
    register_warehouse,
    run_pivot,
)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DuckDBEngine]:
    folder = write_small_warehouse(tmp_path_factory.mktemp("warehouse"))
    with DuckDBEngine(threads=1) as engine:
        register_warehouse(engine, folder)
        yield engine


def _by(result, level: str) -> dict[str, dict]:
    return {row[level]: row for row in result.cells.to_dict("records")}


def test_every_measure_by_year(engine):
    result = run_pivot(engine, PivotQuery(tuple(MEASURES), ("year",)))
    years = _by(result, "year")
    assert years["2023"] == {
        "year": "2023",
        "net_sales": 43.0,
        "margin": 20.0,  # Pear's cost is unknown: no margin on it
        "orders": 2,
        "customers": 2,
        "new_customers": 2,
        "repeat_customers": 0,
        "returns": 0.0,
        "average_order": 21.5,
    }
    y2024 = years["2024"]
    assert (y2024["net_sales"], y2024["margin"], y2024["returns"]) == (44.0, 25.0, 15.0)
    assert (y2024["orders"], y2024["customers"]) == (3, 3)  # the return is not an order
    assert (y2024["new_customers"], y2024["repeat_customers"]) == (1, 2)  # Cy; Ann and Bob
    assert y2024["average_order"] == pytest.approx(59 / 3)  # sales before the return
    assert result.row_headers == [("2023",), ("2024",)]
    assert result.totals["net_sales"] == 87.0 and result.totals["customers"] == 3
    # over all time everyone's first purchase is in the period
    assert (result.totals["new_customers"], result.totals["repeat_customers"]) == (3, 0)


def test_new_and_repeat_customers_per_month_and_within_a_date_range(engine):
    query = PivotQuery(
        ("customers", "new_customers", "repeat_customers"),
        ("month",),
        date_from=date(2024, 1, 1),
    )
    result = run_pivot(engine, query)
    months = _by(result, "month")
    assert set(months) == {"2024-03", "2024-07"}
    assert (months["2024-03"]["new_customers"], months["2024-03"]["repeat_customers"]) == (1, 1)
    assert (months["2024-07"]["new_customers"], months["2024-07"]["repeat_customers"]) == (0, 1)
    # the total is the whole range: Cy is new in 2024, Ann and Bob bought before it
    assert (result.totals["new_customers"], result.totals["repeat_customers"]) == (1, 2)


def test_region_is_the_customers_region_when_they_ordered(engine):
    result = run_pivot(engine, PivotQuery(("net_sales",), ("region",), ("year",)))
    cells = {(r["region"], r["year"]): r["net_sales"] for r in result.cells.to_dict("records")}
    # Bob moved from South to West on 2024-01-01: his 2023 order stays in the South
    assert cells == {
        ("North", "2023"): 35.0,
        ("South", "2023"): 8.0,
        ("North", "2024"): 40.0,
        ("West", "2024"): 4.0,
    }
    assert result.row_headers == [("North",), ("South",), ("West",)]
    assert result.column_headers == [("2023",), ("2024",)]
    rows = {r["region"]: r["net_sales"] for r in result.row_totals.to_dict("records")}
    assert rows == {"North": 75.0, "South": 8.0, "West": 4.0}
    columns = {r["year"]: r["net_sales"] for r in result.column_totals.to_dict("records")}
    assert columns == {"2023": 43.0, "2024": 44.0}
    assert result.value(("West",), ("2024",), "net_sales") == 4.0
    assert result.value(("West",), ("2023",), "net_sales") is None


def test_year_over_year_change(engine):
    result = run_pivot(
        engine, PivotQuery(("net_sales", "orders"), ("year",), compare_previous_year=True)
    )
    y2024 = _by(result, "year")["2024"]
    assert (y2024["net_sales_previous_year"], y2024["orders_previous_year"]) == (43.0, 2)
    assert y2024["net_sales_yoy"] == pytest.approx(1 / 43)
    assert y2024["orders_yoy"] == pytest.approx(0.5)
    y2023 = _by(result, "year")["2023"]
    assert y2023["net_sales_previous_year"] != y2023["net_sales_previous_year"]  # NaN: no 2022


def test_year_over_year_by_category_and_quarter(engine):
    query = PivotQuery(("net_sales",), ("category",), ("quarter",), compare_previous_year=True)
    result = run_pivot(engine, query)
    cells = {(r["category"], r["quarter"]): r for r in result.cells.to_dict("records")}
    tools = cells[("Tools", "2024-Q1")]  # Cy's hammers against Ann's hammer a year before
    assert (tools["net_sales"], tools["net_sales_previous_year"]) == (30.0, 15.0)
    assert tools["net_sales_yoy"] == pytest.approx(1.0)
    fruit = cells[("Fruit", "2024-Q1")]
    assert (fruit["net_sales"], fruit["net_sales_previous_year"]) == (10.0, 20.0)
    assert fruit["net_sales_yoy"] == pytest.approx(-0.5)


def test_a_date_range_compares_with_the_same_range_a_year_earlier(engine):
    query = PivotQuery(
        ("net_sales",),
        ("region",),
        date_from=date(2024, 1, 1),
        date_to=date(2024, 12, 31),
        compare_previous_year=True,
    )
    result = run_pivot(engine, query)
    north = _by(result, "region")["North"]
    assert (north["net_sales"], north["net_sales_previous_year"]) == (40.0, 35.0)
    assert result.totals["net_sales_previous_year"] == 43.0


def test_top_customers_with_share_and_the_rest_as_other(engine):
    query = PivotQuery(("net_sales",), ("customer",), top_n=2, share_of_total=True, other=True)
    result = run_pivot(engine, query)
    assert result.row_headers == [("Ann (A1)",), ("Cy (C3)",), ("Other",)]
    customers = _by(result, "customer")
    assert customers["Ann (A1)"]["net_sales_share"] == pytest.approx(45 / 87)
    assert customers["Cy (C3)"]["net_sales"] == 30.0
    assert customers["Other"]["net_sales"] == 12.0  # Bob
    assert sum(r["net_sales_share"] for r in customers.values()) == pytest.approx(1.0)


def test_top_n_without_other_keeps_the_share_of_everything(engine):
    query = PivotQuery(
        ("net_sales", "orders"), ("customer",), top_n=1, rank_by="orders", share_of_total=True
    )
    result = run_pivot(engine, query)
    # Ann and Bob both have 2 orders: ties go to the first name
    assert result.row_headers == [("Ann (A1)",)]
    assert result.cells["net_sales_share"].tolist() == pytest.approx([45 / 87])
    assert result.totals["net_sales"] == 87.0


def test_filters_keep_members_of_several_levels(engine):
    query = PivotQuery(
        ("net_sales", "orders"),
        ("salesperson",),
        filters={"channel": ("web",), "category": ("Tools", "Fruit")},
    )
    result = run_pivot(engine, query)
    people = _by(result, "salesperson")
    assert (people["alice"]["net_sales"], people["alice"]["orders"]) == (45.0, 2)
    assert people["(none)"]["net_sales"] == 30.0  # Cy's order has no salesperson
    assert "bert" not in people  # his orders came by phone


def test_orders_read_from_lines_count_each_order_once(engine):
    by_orders = run_pivot(engine, PivotQuery(("orders", "customers"), ("year",)))
    every_category = {"category": ("Fruit", "Tools")}  # read from the order lines
    by_lines = run_pivot(
        engine, PivotQuery(("orders", "customers"), ("year",), filters=every_category)
    )
    assert by_lines.cells.to_dict("records") == by_orders.cells.to_dict("records")
    per_category = run_pivot(engine, PivotQuery(("orders",), ("category",)))
    # orders 1 and 5 have a Fruit and a Tools line: one order in each, one in the total
    assert _by(per_category, "category")["Fruit"]["orders"] == 4  # orders 1, 2, 3 and 5
    assert _by(per_category, "category")["Tools"]["orders"] == 3  # orders 1, 4 and 5
    assert per_category.totals["orders"] == 5


def test_a_member_with_a_quote_is_matched_not_run(engine):
    query = PivotQuery(("net_sales",), ("region",), filters={"region": ("North' OR '1'='1",)})
    assert run_pivot(engine, query).cells.empty


def test_drilling_down_into_a_year_and_up_again(engine):
    years = PivotQuery(("net_sales",), ("year",))
    quarters = years.drilled_down("year", "2024")
    result = run_pivot(engine, quarters)
    assert {r["quarter"]: r["net_sales"] for r in result.cells.to_dict("records")} == {
        "2024-Q1": 40.0,
        "2024-Q3": 4.0,
    }
    months = run_pivot(engine, quarters.drilled_down("quarter", "2024-Q1"))
    assert months.row_headers == [("2024-03",)]
    back = quarters.drilled_up("quarter")
    assert back == years
    cities = run_pivot(
        engine, PivotQuery(("net_sales",), ("region",)).drilled_down("region", "North")
    )
    assert cities.row_headers == [("Bergen",), ("Oslo",)]


def test_members_for_a_filter_picker(engine):
    assert members(engine, "region") == ["North", "South", "West"]
    assert members(engine, "year") == ["2023", "2024"]
    assert members(engine, "product", {"category": ["Tools"]}) == ["Hammer"]
    # a filter on the level itself does not narrow its own picker
    assert members(engine, "region", {"region": ["North"]}) == ["North", "South", "West"]
    assert members(engine, "customer", search="an") == ["Ann (A1)"]
    assert members(engine, "city", limit=1) == ["Bergen"]
    assert members(engine, "customer", {"region": ["West"]}) == ["Bob (B2)"]
    assert members(engine, "product") == ["Apple", "Hammer", "Pear", "Saw"]  # Saw: never sold
    assert members(engine, "region", search="%") == []  # a wildcard is searched as itself


def test_products_with_no_sale_in_ninety_days(engine):
    idle = idle_products(engine, days=90, as_of=date(2024, 7, 10))
    assert idle["product"].tolist() == ["Saw", "Apple"]  # never sold first
    assert idle["days_since"].tolist()[1] == (date(2024, 7, 10) - date(2024, 3, 15)).days


def test_a_missing_warehouse_says_to_build_it(tmp_path: Path):
    with DuckDBEngine(threads=1) as engine, pytest.raises(WarehouseError, match="build it first"):
        register_warehouse(engine, tmp_path)
