"""A small sales world, and the warehouse built from it, for the reports' tests.

Net sales by region and year (one line per order, so a hand count is easy)::

              2025   2026
    North       70     50    (Oslo: 20 + 30; Bergen: 50 + 20)
    South        —    100    (Rome)

Products: Green tea and Black tea (category Tea), Espresso beans (Coffee).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest


def _at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)


@pytest.fixture
def sales_world(db: None) -> dict[str, Any]:
    from kehu.crm.catalog.actions import create_product
    from kehu.crm.catalog.models import ProductCategory
    from kehu.crm.customers.actions import create_customer
    from kehu.crm.sales.actions import create_order

    tea = ProductCategory.objects.create(name="Tea")
    coffee = ProductCategory.objects.create(name="Coffee")
    green = create_product(
        sku="T-1", name="Green tea", unit_price=Decimal(10), unit_cost=Decimal(6), category=tea
    )
    black = create_product(
        sku="T-2", name="Black tea", unit_price=Decimal(20), unit_cost=Decimal(12), category=tea
    )
    espresso = create_product(
        sku="C-1", name="Espresso beans", unit_price=Decimal(50), unit_cost=Decimal(30),
        category=coffee,
    )  # fmt: skip
    oslo = create_customer(name="Fjord Traders", region="North", city="Oslo")
    bergen = create_customer(name="Bergen Kaffe", region="North", city="Bergen")
    rome = create_customer(name="Roma Caffè", region="South", city="Rome")
    for customer, product, quantity, day in (
        (oslo, green, 2, "2025-03-10"),
        (oslo, green, 3, "2026-03-12"),
        (bergen, espresso, 1, "2025-06-01"),
        (bergen, black, 1, "2026-07-01"),
        (rome, espresso, 2, "2026-02-01"),
    ):
        create_order(
            customer, [{"product": product, "quantity": Decimal(quantity)}], ordered_at=_at(day)
        )
    return {"customers": (oslo, bergen, rome), "products": (green, black, espresso)}


@pytest.fixture
def warehouse_home(settings: Any, tmp_path: Any) -> Any:
    """A VAR_DIR of the test's own, so the warehouse it builds is its own."""
    settings.VAR_DIR = tmp_path
    return tmp_path


@pytest.fixture
def built(sales_world: dict[str, Any], warehouse_home: Any) -> dict[str, Any]:
    from kehu.crm.intelligence.warehouse import build_warehouse

    build_warehouse()
    return sales_world


@pytest.fixture
def viewer(make_user: Any, client_for: Any) -> Any:
    """An analyst: sees every customer and may build the warehouse."""
    return client_for(make_user("analyst", username="ana"))
