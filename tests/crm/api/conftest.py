"""The API tests' world: a product, and two sellers each with a record of every kind
(the clients, api_for and anonymous_api, are in tests/crm/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


@pytest.fixture
def product(db: None) -> Any:
    from decimal import Decimal

    from kehu.crm.catalog.actions import create_product

    return create_product(sku="HAM-1", name="Hammer", unit_price=Decimal("12.50"))


@pytest.fixture
def two_sellers(make_user: Callable[..., Any], make_customer: Callable[..., Any], product: Any):
    """Sally and Steve (sales, no manager rights), each owning one customer with an
    order, an opportunity, a ticket, a contact and an interaction."""
    from kehu.crm.customers.actions import add_contact
    from kehu.crm.engagement.actions import log_interaction
    from kehu.crm.sales.actions import create_activity, create_opportunity, create_order
    from kehu.crm.service.actions import open_ticket

    world: dict[str, Any] = {}
    for name in ("sally", "steve"):
        user = make_user("sales", username=name)
        customer = make_customer(f"{name.title()} Co", owner=user)
        world[name] = {
            "user": user,
            "customer": customer,
            "contact": add_contact(customer, name=f"{name} contact"),
            "order": create_order(customer, [{"product": product, "quantity": 1}], by=user),
            "opportunity": create_opportunity(customer, by=user, name=f"{name} deal"),
            "ticket": open_ticket(customer, subject=f"{name} issue"),
            "interaction": log_interaction(customer, by=user, channel="email", subject="Hi"),
        }
        world[name]["activity"] = create_activity(
            owner=user, customer=customer, subject="Call", due_at=world[name]["order"].ordered_at
        )
    return world
