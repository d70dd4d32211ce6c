"""The demo gives some primary contacts of buying customers portal access, once."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from kehu.crm.portal.models import PortalAccess

pytestmark = pytest.mark.django_db


def test_some_buying_customers_primary_contacts_get_access_once(make_customer, product):
    from kehu.crm.customers.actions import add_contact
    from kehu.crm.demo.portal import add_portal_access
    from kehu.crm.sales.actions import create_order

    for i in range(200):
        customer = make_customer(f"Client {i}")
        add_contact(customer, name=f"Primary {i}", email=f"p{i}@example.com", is_primary=True)
        add_contact(customer, name=f"Other {i}", email=f"o{i}@example.com")
        if i % 2 == 0:
            create_order(customer, [{"product": product, "quantity": Decimal(1)}])
    today = date(2026, 6, 30)
    n = add_portal_access(today, seed=7)["portal_accesses"]
    accesses = PortalAccess.objects.select_related("contact__customer")
    assert n == accesses.count() and 1 <= n <= 20
    assert all(a.contact.is_primary and a.contact.customer.orders.exists() for a in accesses)
    assert all(a.enabled for a in accesses)
    start = timezone.make_aware(timezone.datetime.combine(today, timezone.datetime.min.time()))
    for a in accesses:
        assert start - timedelta(days=180) <= a.invited_at < start
        assert a.last_login_at is None or a.invited_at <= a.last_login_at <= start
    assert add_portal_access(today, seed=7) == {"portal_accesses": 0}
