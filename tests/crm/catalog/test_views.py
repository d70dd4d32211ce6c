from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from kehu.crm.catalog.actions import create_product
from kehu.crm.catalog.models import Product, ProductCategory

pytestmark = pytest.mark.django_db


def product(sku: str, name: str, price: str = "9.90", **fields: object) -> Product:
    return create_product(sku=sku, name=name, unit_price=Decimal(price), **fields)


def skus(response) -> list[str]:
    return [p.sku for p in response.context["page"].object_list]


def product_post(**fields: object) -> dict[str, object]:
    return {"sku": "TEA-1", "name": "Oolong", "unit_price": "12.00", "is_active": "on", **fields}


def test_search_by_sku_or_name_and_filter_by_category(sales_user, client_for):
    # categories have no action (the admin and imports make them): a plain row
    tea = ProductCategory.objects.create(name="Tea")
    product("TEA-001", "Longjing green tea", category=tea)
    product("TEA-002", "Pu'er", category=tea)
    product("CUP-001", "Porcelain cup")
    c = client_for(sales_user)

    assert skus(c.get(reverse("catalog:product_list"), {"q": "tea-0"})) == ["TEA-001", "TEA-002"]
    assert skus(c.get(reverse("catalog:product_list"), {"q": "green"})) == ["TEA-001"]
    assert skus(c.get(reverse("catalog:product_list"), {"category": tea.pk})) == [
        "TEA-001",
        "TEA-002",
    ]
    assert skus(c.get(reverse("catalog:product_list"), {"sort": "-price", "q": "cup"})) == [
        "CUP-001"
    ]


def test_product_list_query_count_does_not_grow_with_rows(
    sales_user, client_for, django_assert_max_num_queries
):
    # categories have no action (the admin and imports make them): a plain row
    category = ProductCategory.objects.create(name="Tea")
    for i in range(30):
        product(f"P-{i:03d}", f"Product {i:03d}", category=category)
    c = client_for(sales_user)
    with django_assert_max_num_queries(9):
        response = c.get(reverse("catalog:product_list"))
    assert len(response.context["page"].object_list) == 25


def test_sorting_accepts_only_known_keys(sales_user, client_for):
    product("B-1", "Bravo", price="1.00")
    product("A-1", "Alpha", price="2.00")
    c = client_for(sales_user)
    assert skus(c.get(reverse("catalog:product_list"), {"sort": "price"})) == ["B-1", "A-1"]
    assert c.get(reverse("catalog:product_list"), {"sort": "unit_cost"}).status_code == 400


def test_csv_export_has_every_filtered_row(sales_user, client_for):
    for i in range(30):
        product(f"E-{i:03d}", f"Export {i}", is_active=bool(i % 3))
    response = client_for(sales_user).get(reverse("catalog:product_export"), {"active": "no"})
    lines = b"".join(response.streaming_content).decode("utf-8-sig").strip().splitlines()
    assert lines[0] == "sku,name,category,unit_price,unit_cost,is_active,description"
    assert len(lines) == 1 + 10


def test_only_administrators_create_or_edit_products(sales_user, analyst_user, client_for):
    existing = product("TEA-9", "Jasmine")
    for user in (sales_user, analyst_user):
        c = client_for(user)
        assert c.get(reverse("catalog:product_create")).status_code == 403
        assert c.post(reverse("catalog:product_create"), product_post()).status_code == 403
        assert c.get(reverse("catalog:product_edit", args=[existing.pk])).status_code == 403
    assert (
        b"catalog/products/new/"
        not in client_for(sales_user).get(reverse("catalog:product_list")).content
    )


def test_admin_creates_and_edits_a_product(admin_user, client_for):
    c = client_for(admin_user)
    response = c.post(reverse("catalog:product_create"), product_post(sku=" TEA-1 "))
    created = Product.objects.get()
    assert response.status_code == 302
    assert created.sku == "TEA-1" and created.unit_price == Decimal("12.00")

    response = c.post(
        reverse("catalog:product_edit", args=[created.pk]),
        product_post(name="Oolong, aged", unit_price="15.50", unit_cost="6.00"),
    )
    created.refresh_from_db()
    assert response.status_code == 302
    assert created.name == "Oolong, aged" and created.unit_cost == Decimal("6.00")


def test_duplicate_sku_and_negative_price_are_field_errors(admin_user, client_for):
    product("TEA-1", "Oolong")
    response = client_for(admin_user).post(
        reverse("catalog:product_create"), product_post(unit_price="-1")
    )
    assert response.status_code == 200
    assert {"sku", "unit_price"} <= set(response.context["form"].errors)
    assert Product.objects.count() == 1


def test_a_history_restore_of_the_product_list_gets_the_whole_page(admin_user, client_for):
    c = client_for(admin_user)
    url = reverse("catalog:product_list")
    restore = c.get(url, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert b"<html" in restore.content
    assert "HX-Request" in restore["Vary"]
    rows = c.get(url, HTTP_HX_REQUEST="true")
    assert b"<html" not in rows.content and "HX-Request" in rows["Vary"]
