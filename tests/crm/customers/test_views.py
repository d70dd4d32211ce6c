"""The customer pages of the customers app: create, edit (recorded in the change
history), and who may edit."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kehu.crm.customers.models import Customer

pytestmark = pytest.mark.django_db


def test_create_customer_shows_field_errors_and_writes_nothing(admin_user, client_for):
    response = client_for(admin_user).post(
        reverse("customers:create"),
        {
            "kind": "company",
            "name": "  ",
            "status": "active",
            "email": "not-an-email",
            "source_channel": "web",
            "consent_sms": "on",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "name" in errors and "email" in errors and "phone" in errors
    assert Customer.objects.count() == 0


def test_create_customer_assigns_code_owner_and_tags(sales_user, client_for):
    response = client_for(sales_user).post(
        reverse("customers:create"),
        {
            "kind": "person",
            "name": "Li Na",
            "status": "prospect",
            "email": "li@example.com",
            "source_channel": "exhibition",
            "tag_names": "vip, expo-2026",
        },
    )
    customer = Customer.objects.get()
    assert response.status_code == 302 and response["Location"] == customer.get_absolute_url()
    assert customer.code == "C0000001"
    assert customer.owner == sales_user
    assert sorted(customer.tags.values_list("name", flat=True)) == ["expo-2026", "vip"]


def test_edit_is_recorded_in_change_history(admin_user, make_customer, client_for):
    customer = make_customer("Old Name Ltd", status="prospect")
    c = client_for(admin_user)
    c.post(
        reverse("customers:edit", args=[customer.pk]),
        {"kind": "company", "name": "New Name Ltd", "status": "active", "source_channel": "web"},
    )
    page = c.get(reverse("customers:detail", args=[customer.pk]))
    changes = page.context["history"]
    assert changes[0].by == "boss"
    assert ("name", "Old Name Ltd", "New Name Ltd") in changes[0].fields
    assert ("status", "Prospect", "Active") in changes[0].fields  # labels, not raw values


def test_analyst_cannot_edit(analyst_user, make_customer, client_for):
    customer = make_customer()
    response = client_for(analyst_user).get(reverse("customers:edit", args=[customer.pk]))
    assert response.status_code == 403
