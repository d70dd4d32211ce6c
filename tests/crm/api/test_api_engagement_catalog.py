"""Interactions and the product catalog over the API."""

from __future__ import annotations

import pytest
from tests.crm.api.client import error_fields

from kehu.crm.catalog.models import Product, ProductCategory
from kehu.crm.engagement.models import Interaction

pytestmark = pytest.mark.django_db


def test_log_interaction_with_timezone(api_for, sales_user, make_customer):
    customer = make_customer("Acme", owner=sales_user)
    response = api_for(sales_user).post(
        "/interactions",
        {
            "customer_id": customer.pk,
            "channel": "visit",
            "direction": "inbound",
            "subject": "Walk-in",
            "occurred_at": "2025-05-05T10:00:00+08:00",
            "duration_minutes": 30,
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert body["occurred_at"] == "2025-05-05T02:00:00Z"
    assert body["user"] == "sally"


def test_an_interaction_dated_after_tomorrow_needs_confirm_dates(
    api_for, sales_user, make_customer
):
    customer = make_customer("Acme", owner=sales_user)
    api = api_for(sales_user)
    body = {
        "customer_id": customer.pk,
        "channel": "phone",
        "subject": "Typo year",
        "occurred_at": "2099-05-05T10:00:00Z",
    }
    assert error_fields(api.post("/interactions", body)) == {"occurred_at": "far_future"}
    assert not Interaction.objects.exists()
    created = api.post("/interactions", body | {"confirm_dates": True}).json()
    fixed = api.patch(f"/interactions/{created['id']}", {"occurred_at": "2025-05-05T10:00:00Z"})
    assert fixed.status_code == 200
    again = api.patch(f"/interactions/{created['id']}", {"occurred_at": "2199-05-05T10:00:00Z"})
    assert error_fields(again) == {"occurred_at": "far_future"}


def test_interaction_validation(api_for, sales_user, make_customer):
    from kehu.crm.customers.actions import add_contact

    customer = make_customer("Acme", owner=sales_user)
    stranger = add_contact(make_customer("Other"), name="Stranger")
    api = api_for(sales_user)
    response = api.post(
        "/interactions",
        {
            "customer_id": customer.pk,
            "channel": "telepathy",
            "subject": "s" * 201,
            "duration_minutes": -1,
            "occurred_at": "0001-01-01T00:00:00+05:00",
        },
    )
    assert error_fields(response) == {
        "channel": "literal_error",
        "subject": "string_too_long",
        "duration_minutes": "greater_than_equal",
        "occurred_at": "datetime_out_of_range",
    }
    response = api.post(
        "/interactions",
        {"customer_id": customer.pk, "channel": "sms", "subject": "x", "contact_id": stranger.pk},
    )
    assert error_fields(response) == {"contact_id": "does_not_exist"}
    assert not Interaction.objects.exists()


def test_interaction_filters(api_for, admin_user, make_customer):
    from datetime import timedelta

    from django.utils import timezone

    from kehu.crm.engagement.actions import log_interaction

    acme, other = make_customer("Acme"), make_customer("Other")
    log_interaction(
        acme, channel="email", subject="Old", occurred_at=timezone.now() - timedelta(days=9)
    )
    log_interaction(acme, channel="phone", subject="New", direction="inbound")
    log_interaction(other, channel="email", subject="Theirs")
    api = api_for(admin_user)

    def subjects(**params: object) -> list[str]:
        return [i["subject"] for i in api.get("/interactions", params).json()["items"]]

    assert subjects(customer_id=acme.pk) == ["New", "Old"]
    assert subjects(channel="email", customer_id=acme.pk) == ["Old"]
    assert subjects(direction="inbound") == ["New"]
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert sorted(subjects(since=since)) == ["New", "Theirs"]
    assert api.get("/interactions", {"since": "yesterday"}).status_code == 422


def test_product_create_patch_and_unique_sku(api_for, admin_user):
    # categories have no action (the admin and imports make them): a plain row
    category = ProductCategory.objects.create(name="Tools")
    api = api_for(admin_user)
    created = api.post(
        "/products",
        {
            "sku": "T-1",
            "name": "Saw",
            "unit_price": "19.90",
            "unit_cost": 8,
            "category_id": category.pk,
        },
    )
    assert created.status_code == 201
    assert created.json()["category"] == "Tools"
    assert created.json()["unit_cost"] == "8.00"
    duplicate = api.post("/products", {"sku": "T-1", "name": "Saw 2", "unit_price": "1"})
    assert duplicate.status_code == 422
    assert set(error_fields(duplicate)) == {"sku"}
    patched = api.patch(
        f"/products/{created.json()['id']}", {"is_active": False, "category_id": None}
    )
    assert (patched.json()["is_active"], patched.json()["category"]) == (False, None)
    assert error_fields(api.patch(f"/products/{created.json()['id']}", {"unit_price": None})) == {
        "unit_price": "decimal_type"
    }
    assert error_fields(
        api.post("/products", {"sku": "X", "name": "Y", "unit_price": "1", "category_id": 99})
    ) == {"category_id": "does_not_exist"}
    assert Product.objects.count() == 1


def test_product_list_filters_and_categories(api_for, sales_user, product):
    from kehu.crm.catalog.actions import create_product

    create_product(sku="OLD-1", name="Anvil", unit_price=5, is_active=False)
    # categories have no action (the admin and imports make them): a plain row
    ProductCategory.objects.create(name="Tools")
    api = api_for(sales_user)
    assert [p["sku"] for p in api.get("/products").json()["items"]] == ["OLD-1", "HAM-1"]
    assert [p["sku"] for p in api.get("/products", {"is_active": True}).json()["items"]] == [
        "HAM-1"
    ]
    assert api.get("/products", {"q": "hamm"}).json()["count"] == 1
    assert api.get(f"/products/{product.pk}").json()["unit_price"] == "12.50"
    assert api.get("/product-categories").json()["items"][0]["name"] == "Tools"
    assert api.patch(f"/products/{product.pk}", {"name": "X"}).status_code == 403
