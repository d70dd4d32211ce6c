"""Fixtures for the CRM's tests, whatever folder they are in: records made through
the apps' actions (products, orders, opportunities, tickets) and REST API clients."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

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
