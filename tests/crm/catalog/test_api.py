"""The product catalog over the API."""

from __future__ import annotations

import pytest
from tests.crm.api.client import error_fields

from kehu.crm.catalog.models import Product, ProductCategory

pytestmark = pytest.mark.django_db


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
