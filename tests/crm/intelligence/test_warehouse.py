"""The sales warehouse built from a small CRM (SQLite or PostgreSQL): each fact and
dimension has the rows the store holds, with signs, margins, local days, the
customer's region as it was when they ordered, and the build is swapped in whole."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from django.test import override_settings
from django.utils import timezone

from kehu.crm.billing.actions import invoice_order, record_payment
from kehu.crm.catalog.actions import create_product
from kehu.crm.catalog.models import ProductCategory
from kehu.crm.customers.actions import update_customer
from kehu.crm.customers.models import Customer
from kehu.crm.engagement.actions import log_interaction
from kehu.crm.intelligence.warehouse import (
    BUILDS,
    build_warehouse,
    last_build,
    open_warehouse,
    warehouse_folder,
)
from kehu.crm.sales.actions import create_order
from kehu.crm.sales.models import Order, OrderLine
from kehu.crm.service.actions import open_ticket
from kehu.insight.olap import PivotQuery, WarehouseError, run_pivot

pytestmark = pytest.mark.django_db


def _at(day: str, hour: int = 12) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


@pytest.fixture
def store(make_customer, make_user):
    """Two customers, three products, four sales (one with a return, one without lines,
    one cancelled), an interaction, a ticket, an invoice paid in part."""
    seller = make_user("sales", username="seller")
    tools = ProductCategory.objects.create(name="Tools")
    hammer = create_product(
        sku="HA", name="Hammer", unit_price=Decimal("15"), unit_cost=Decimal("5"), category=tools
    )
    pear = create_product(sku="PE", name="Pear", unit_price=Decimal("2"))
    create_product(sku="SA", name="Saw", unit_price=Decimal("30"), category=tools)
    ann = make_customer("Ann", region="North", city="Oslo", owner=seller)
    bob = make_customer("Bob", region="South", city="Rome")
    first = create_order(
        ann,
        [{"product": hammer, "quantity": 2}, {"product": pear, "quantity": 4}],
        ordered_at=_at("2024-03-10"),
        channel="web",
    )
    create_order(
        ann,
        [{"product": hammer, "quantity": 1}],
        ordered_at=_at("2024-03-12"),
        kind="return",
        original_order=first,
    )
    create_order(
        bob, [{"product": pear, "quantity": 1}], ordered_at=_at("2024-05-01"), status="cancelled"
    )
    # Ann moves; her next order counts in her new region
    update_customer(ann, region="West", city="Bergen")
    later = create_order(
        ann, [{"product": pear, "quantity": 5}], ordered_at=timezone.now() + timedelta(minutes=1)
    )
    invoice = invoice_order(later, issued_on=date(2025, 1, 2))
    record_payment(invoice, amount=Decimal("4"), paid_on=date(2025, 1, 20))
    log_interaction(bob, channel="phone", subject="Hello", occurred_at=_at("2024-04-01"))
    open_ticket(bob, subject="Broken", opened_at=_at("2024-04-02"))
    return {"ann": ann, "bob": bob, "first": first, "later": later, "seller": seller}


def _table(build, name: str) -> list[dict]:
    return pq.read_table(build.folder / f"{name}.parquet").to_pylist()


def test_every_fact_and_dimension_has_the_rows_of_the_store(store, tmp_path: Path):
    build = build_warehouse(tmp_path)
    assert build.rows == {
        "fact_sales": 4,  # 2 lines + 1 returned line + 1 line; the cancelled order is out
        "fact_orders": 3,
        "fact_returns": 1,
        "fact_payments": 1,
        "fact_invoices": 1,
        "fact_interactions": 1,
        "fact_tickets": 1,
        "dim_date": build.rows["dim_date"],
        "dim_customer": 3,  # Ann before and after her move, Bob
        "dim_product": 3,
        "dim_salesperson": 1,
        "dim_channel": 6,
    }
    assert last_build(tmp_path).rows == build.rows
    assert warehouse_folder(tmp_path) == build.folder


def test_sales_are_signed_with_margin_where_the_cost_is_known(store, tmp_path: Path):
    build = build_warehouse(tmp_path)
    lines = {(r["order_id"], r["product_id"]): r for r in _table(build, "fact_sales")}
    hammer = lines[(store["first"].pk, store["first"].lines.get(product__sku="HA").product_id)]
    assert (hammer["net_sales"], hammer["cost"], hammer["margin"]) == (30.0, 10.0, 20.0)
    returned = [r for r in lines.values() if r["is_return"]]
    assert [(r["quantity"], r["net_sales"], r["margin"]) for r in returned] == [
        (-1.0, -15.0, -10.0)
    ]
    pear = [r for r in lines.values() if r["order_id"] == store["first"].pk and r["margin"] is None]
    assert [r["net_sales"] for r in pear] == [8.0]  # no cost: no margin
    assert {r["date"] for r in lines.values() if r["order_id"] == store["first"].pk} == {
        date(2024, 3, 10)
    }
    assert {r["first_purchase"] for r in lines.values()} == {date(2024, 3, 10)}
    assert {r["salesperson_id"] for r in lines.values()} == {store["seller"].pk}  # Ann's owner


def test_sales_count_in_the_region_the_customer_had_then(store, tmp_path: Path):
    build_warehouse(tmp_path)
    with open_warehouse(tmp_path) as engine:
        result = run_pivot(engine, PivotQuery(("net_sales", "orders"), ("region",)))
    regions = {r["region"]: (r["net_sales"], r["orders"]) for r in result.cells.to_dict("records")}
    assert regions == {"North": (38.0 - 15.0, 1), "West": (10.0, 1)}
    assert result.totals["net_sales"] == float(
        sum(o.total_amount for o in store["ann"].orders.all())
    )


def test_returns_payments_interactions_and_tickets(store, tmp_path: Path):
    build = build_warehouse(tmp_path)
    (ret,) = _table(build, "fact_returns")
    assert (ret["amount"], ret["original_order_id"], ret["days_after_sale"]) == (
        15.0,
        store["first"].pk,
        2,
    )
    (paid,) = _table(build, "fact_payments")
    assert (paid["amount"], paid["date"], paid["customer_id"]) == (
        4.0,
        date(2025, 1, 20),
        store["ann"].pk,
    )
    assert paid["days_after_due"] == (date(2025, 1, 20) - paid["due_date"]).days
    (talk,) = _table(build, "fact_interactions")
    assert (talk["customer_id"], talk["channel"], talk["date"]) == (
        store["bob"].pk,
        "phone",
        date(2024, 4, 1),
    )
    (ticket,) = _table(build, "fact_tickets")
    assert (ticket["customer_id"], ticket["date"]) == (store["bob"].pk, date(2024, 4, 2))


@override_settings(TIME_ZONE="Asia/Shanghai")
def test_days_are_local_days(make_customer, tmp_path: Path):
    pear = create_product(sku="PE", name="Pear", unit_price=Decimal("2"))
    create_order(
        make_customer("Late"), [{"product": pear, "quantity": 1}], ordered_at=_at("2024-12-31", 20)
    )
    (line,) = _table(build_warehouse(tmp_path), "fact_sales")
    assert line["date"] == date(2025, 1, 1)  # 04:00 in Shanghai


def test_a_new_build_replaces_the_current_one_whole(store, tmp_path: Path):
    first = build_warehouse(tmp_path)
    second = build_warehouse(tmp_path)
    third = build_warehouse(tmp_path)
    assert warehouse_folder(tmp_path) == third.folder
    kept = sorted(p.name for p in (tmp_path / BUILDS).iterdir())
    assert kept == [second.folder.name, third.folder.name]  # the previous one, for readers
    assert not first.folder.exists()


def test_reading_before_any_build_says_to_build_it(tmp_path: Path):
    assert last_build(tmp_path) is None
    with pytest.raises(WarehouseError, match="kehu warehouse build"):
        open_warehouse(tmp_path)


def test_kehu_warehouse_build_prints_the_rows_and_time(store, settings, tmp_path: Path):
    from click.testing import CliRunner

    from kehu.cli import main

    settings.VAR_DIR = tmp_path
    result = CliRunner().invoke(main, ["warehouse", "build"])
    assert result.exit_code == 0, result.output
    assert re.search(r"^fact_sales\s+4$", result.output, re.M)
    assert re.search(r"^dim_customer\s+3$", result.output, re.M)
    assert re.search(r"^built in \d+\.\d s: ", result.output, re.M)
    assert last_build(tmp_path / "warehouse").rows["fact_payments"] == 1


def test_an_analysis_run_builds_the_warehouse_as_its_last_step(settings, tmp_path: Path):
    from kehu.crm.demo.load import load_demo
    from kehu.crm.intelligence.actions import execute_run, request_run

    settings.VAR_DIR = tmp_path
    load_demo(40, seed=5)
    steps: list[str] = []
    run = execute_run(request_run(), on_progress=lambda text, pct: steps.append(text))
    assert run.status == "done", run.error
    assert steps[-1] == "building the sales warehouse"
    built = last_build(tmp_path / "warehouse")
    assert run.mining["warehouse"]["rows"] == built.rows
    assert (
        built.rows["fact_sales"]
        == OrderLine.objects.exclude(order__status__in=["draft", "cancelled"]).count()
        + Order.objects.exclude(status__in=["draft", "cancelled"]).filter(lines=None).count()
    )
    assert built.rows["dim_customer"] == Customer.objects.count()


def test_the_order_fact_sums_each_counted_order(store, tmp_path: Path):
    build = build_warehouse(tmp_path)
    totals = {r["order_id"]: r["net_sales"] for r in _table(build, "fact_orders")}
    counted = Order.objects.exclude(status__in=["draft", "cancelled"])
    assert totals == {o.pk: float(o.total_amount) for o in counted}
    regions = {r["order_id"]: r["region"] for r in _table(build, "fact_orders")}
    assert regions[store["first"].pk] == "North" and regions[store["later"].pk] == "West"
