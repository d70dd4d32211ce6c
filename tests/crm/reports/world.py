"""A small sales world for the reports' tests (tests/crm/reports, tests/e2e).

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


def _at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)


def make_sales_world() -> dict[str, Any]:
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
