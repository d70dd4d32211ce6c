"""The customer 360 page runs the same number of queries however many orders, returns,
opportunities, activities, tickets, interactions, contacts and changes a customer has:
no query per row (an N+1 would make a busy customer's page slow)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db


def _add_history(customer, user, product, contact, n: int) -> None:
    from kehu.crm.customers.actions import add_contact, update_customer
    from kehu.crm.engagement.actions import log_interaction
    from kehu.crm.sales.actions import (
        create_activity,
        create_opportunity,
        create_order,
        set_order_status,
    )
    from kehu.crm.service.actions import open_ticket

    for i in range(n):
        sale = create_order(customer, [{"product": product, "quantity": 2}], by=user)
        set_order_status(sale, "shipped")
        create_order(
            customer,
            [{"product": product, "quantity": 1}],
            by=user,
            kind="return",
            original_order=sale,
        )
        deal = create_opportunity(customer, by=user, name=f"Deal {i}", amount=Decimal("100"))
        create_activity(
            owner=user,
            customer=customer,
            opportunity=deal,
            subject=f"Call {i}",
            due_at=timezone.now() + timedelta(days=i + 1),
        )
        open_ticket(customer, subject=f"Problem {i}")
        log_interaction(customer, by=user, channel="phone", subject=f"Talk {i}", contact=contact)
        add_contact(customer, name=f"Person {i}", email=f"p{i}@example.com")
        update_customer(customer, by=user, city=f"City {i}", tags=[f"tag{i}"])


def _queries(client, customer) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("customers:detail", args=[customer.pk]))
    assert response.status_code == 200
    return len(captured)


def test_the_360_page_runs_as_many_queries_for_a_busy_customer_as_for_a_quiet_one(
    admin_user, make_customer, client_for
):
    from kehu.crm.catalog.actions import create_product
    from kehu.crm.customers.actions import add_contact

    product = create_product(sku="TEA-1", name="Tea", unit_price=Decimal("5"))
    quiet, busy = make_customer("Quiet Co"), make_customer("Busy Co")
    _add_history(quiet, admin_user, product, add_contact(quiet, name="Q"), 1)
    _add_history(busy, admin_user, product, add_contact(busy, name="B"), 8)
    client = client_for(admin_user)
    _queries(client, quiet)  # warm the caches a first request fills (session, content types)
    assert _queries(client, busy) == _queries(client, quiet)
