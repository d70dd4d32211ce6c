"""Lists cost the same number of queries for 3 rows as for 35 (no N+1)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db

N_MANY = 35


def _n_queries(api: Any, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = api.get(path, {"limit": 100})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _add_rows(kind: str, n: int, owner: Any, customer: Any, product: Any, i0: int) -> None:
    from kehu.crm.catalog.actions import create_product
    from kehu.crm.catalog.models import ProductCategory
    from kehu.crm.customers.actions import add_contact, create_customer
    from kehu.crm.engagement.actions import log_interaction
    from kehu.crm.sales.actions import create_activity, create_opportunity, create_order
    from kehu.crm.service.actions import add_comment, open_ticket

    for i in range(i0, i0 + n):
        if kind == "customers":
            create_customer(name=f"Customer {i}", owner=owner, tags=[f"t{i}", "all"])
        elif kind == "products":
            # categories have no action (the admin and imports make them): a plain row
            category = ProductCategory.objects.create(name=f"Category {i}")
            create_product(sku=f"P{i}", name=f"P {i}", unit_price=Decimal(1), category=category)
        elif kind == "orders":
            create_order(customer, [{"product": product, "quantity": 1}], by=owner)
        elif kind == "opportunities":
            create_opportunity(customer, by=owner, name=f"Deal {i}")
        elif kind == "activities":
            create_activity(
                owner=owner, customer=customer, subject="Call", due_at=customer.created_at
            )
        elif kind == "tickets":
            open_ticket(customer, subject=f"Issue {i}", assignee=owner)
        elif kind == "interactions":
            log_interaction(customer, by=owner, channel="email", subject=f"Mail {i}")
        elif kind == "contacts":
            add_contact(customer, name=f"Contact {i}")
        elif kind == "events":
            add_comment(customer.tickets.get(subject="The ticket"), f"note {i}", by=owner)


@pytest.mark.parametrize(
    ("kind", "path"),
    [
        ("customers", "/customers"),
        ("products", "/products"),
        ("orders", "/orders"),
        ("opportunities", "/opportunities"),
        ("activities", "/activities"),
        ("tickets", "/tickets"),
        ("interactions", "/interactions"),
        ("contacts", "/customers/{customer}/contacts"),
        ("events", "/tickets/{ticket}/events"),
        ("orders", "/customers/{customer}/timeline"),
    ],
)
def test_list_query_count_does_not_grow_with_rows(
    api_for: Callable[[Any], Any],
    make_user: Callable[..., Any],
    make_customer: Callable[..., Any],
    product: Any,
    django_assert_max_num_queries: Any,
    kind: str,
    path: str,
) -> None:
    from kehu.crm.service.actions import open_ticket

    seller = make_user("sales")
    customer = make_customer("Acme", owner=seller)
    ticket = open_ticket(customer, subject="The ticket")
    path = path.format(customer=customer.pk, ticket=ticket.pk)
    api = api_for(seller)
    api.get("/me")  # the token's first use stamps last_used_at: one query, once
    _add_rows(kind, 3, seller, customer, product, 0)
    few = _n_queries(api, path)

    _add_rows(kind, N_MANY, seller, customer, product, 3)
    with django_assert_max_num_queries(few):
        response = api.get(path, {"limit": 100})
    assert len(response.json()["items"]) >= N_MANY
    # sign-in and paging, then a list's own queries: at most four (the timeline reads
    # interactions, orders, tickets and campaign memberships)
    assert few <= 12, f"{path} costs {few} queries"


def test_order_detail_lines_cost_one_query(
    api_for, admin_user, make_customer, product, django_assert_max_num_queries
):
    from kehu.crm.sales.actions import create_order

    order = create_order(
        make_customer("Acme"), [{"product": product, "quantity": i + 1} for i in range(40)]
    )
    api = api_for(admin_user)
    api.get("/me")
    with django_assert_max_num_queries(8):
        response = api.get(f"/orders/{order.pk}")
    assert len(response.json()["lines"]) == 40
