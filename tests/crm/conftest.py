"""Fixtures for the CRM's tests, whatever folder they are in: records made through
the apps' actions (products, orders, opportunities, tickets), REST API clients, and
``two_sellers``, a small world of two sellers' records that access tests share."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from tests.crm.api.client import ApiClient


@pytest.fixture
def make_product(db: None) -> Callable[..., object]:
    from kehu.crm.catalog.actions import create_product

    counter = iter(range(1, 10_000))

    def _make(name: str = "Green tea 500 g", price: str = "10.00", **fields: object) -> object:
        n = next(counter)
        return create_product(
            sku=fields.pop("sku", f"SKU-{n:04d}"), name=name, unit_price=Decimal(price), **fields
        )

    return _make


@pytest.fixture
def make_order(make_product: Callable[..., object]) -> Callable[..., object]:
    from kehu.crm.sales.actions import create_order

    def _make(customer: object, amount: str = "100.00", **fields: object) -> object:
        product = make_product(price=amount)
        return create_order(customer, [{"product": product, "quantity": Decimal(1)}], **fields)

    return _make


@pytest.fixture
def make_opportunity(db: None) -> Callable[..., object]:
    from kehu.crm.sales.actions import create_opportunity

    def _make(customer: object, name: str = "Deal", **fields: object) -> object:
        return create_opportunity(customer, name=name, **fields)

    return _make


@pytest.fixture
def make_ticket(make_customer: Callable[..., object]) -> Callable[..., object]:
    """Open a ticket through the action, for a given customer or a fresh one."""
    from kehu.crm.service.actions import open_ticket

    def _make(customer: object = None, subject: str = "Printer jams", **fields: object) -> object:
        return open_ticket(customer or make_customer(), subject=subject, **fields)

    return _make


@pytest.fixture
def api_for(db: None) -> Callable[[object], ApiClient]:
    """A REST client with a bearer token of the given user."""
    from kehu.crm.accounts.actions import issue_token

    def _make(user: object) -> ApiClient:
        return ApiClient(issue_token(user, "tests"))  # type: ignore[arg-type]

    return _make


@pytest.fixture
def anonymous_api(db: None) -> ApiClient:
    return ApiClient()


@pytest.fixture
def product(db: None) -> Any:
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


@pytest.fixture
def sla_defaults(db: None) -> None:
    """The service-level defaults (policies, the business calendar) as the data
    migration writes them: a transactional test elsewhere in the run empties every
    table, the rows written by migrations included, so tests that count on them (the
    service levels, the automation trigger on them) write them again."""
    from django.apps import apps

    migration = importlib.import_module("kehu.crm.service.migrations.0005_sla_defaults")
    migration.add_defaults(apps, None)
