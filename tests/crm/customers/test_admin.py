"""Customers added or edited in the Django admin get what the customer actions give
them: the next unified code, and search terms the customer list finds them by."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kehu.crm.customers.models import Customer
from kehu.crm.customers.queries import filtered_customers

pytestmark = pytest.mark.django_db


def _form(name: str, email: str = "") -> dict[str, object]:
    return {
        "kind": Customer.Kind.COMPANY,
        "name": name,
        "status": Customer.Status.PROSPECT,
        "source_channel": Customer.Channel.OTHER,
        "email": email,
        "contacts-TOTAL_FORMS": "0",
        "contacts-INITIAL_FORMS": "0",
    }


def test_customers_added_in_the_admin_take_the_next_codes(admin_user, client_for):
    c = client_for(admin_user)
    for name in ("First Ltd", "Second Ltd"):
        response = c.post(reverse("admin:customers_customer_add"), _form(name))
        assert response.status_code == 302, response.content.decode()[:3000]
    assert list(Customer.objects.order_by("code").values_list("code", "name")) == [
        ("C0000001", "First Ltd"),
        ("C0000002", "Second Ltd"),
    ]
    assert [c.name for c in filtered_customers(admin_user, q="second")] == ["Second Ltd"]


def test_a_customer_renamed_in_the_admin_is_found_by_its_new_name(
    admin_user, make_customer, client_for
):
    customer = make_customer("Old Name Ltd")
    url = reverse("admin:customers_customer_change", args=[customer.pk])
    response = client_for(admin_user).post(url, _form("Brand New Ltd", "hi@brand.example"))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert [c.pk for c in filtered_customers(admin_user, q="brand new")] == [customer.pk]
    assert [c.pk for c in filtered_customers(admin_user, q="hi@brand.example")] == [customer.pk]
    assert list(filtered_customers(admin_user, q="old name")) == []
