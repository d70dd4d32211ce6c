"""The product actions: what they store and what they refuse, whoever calls them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from kehu.crm.catalog.actions import create_product, update_product
from kehu.crm.catalog.models import Product, ProductCategory

pytestmark = pytest.mark.django_db


def test_create_trims_the_sku_and_name_and_keeps_the_rest(db):
    # categories have no action (the admin and imports make them): a plain row
    tea = ProductCategory.objects.create(name="Tea")
    create_product(
        sku="  TEA-1 ",
        name=" Oolong 250 g ",
        unit_price=Decimal("12.50"),
        unit_cost=Decimal("7.10"),
        category=tea,
        description="Spring harvest",
    )
    stored = Product.objects.get()
    assert (stored.sku, stored.name, stored.category) == ("TEA-1", "Oolong 250 g", tea)
    assert (stored.unit_price, stored.unit_cost) == (Decimal("12.50"), Decimal("7.10"))
    assert stored.is_active and stored.description == "Spring harvest"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"sku": "", "name": "No code", "unit_price": Decimal("1")}, "sku"),
        ({"sku": "X-1", "name": "  ", "unit_price": Decimal("1")}, "name"),
        ({"sku": "X-1", "name": "Cheap", "unit_price": Decimal("-0.01")}, "unit_price"),
        (
            {"sku": "X-1", "name": "Odd", "unit_price": Decimal("1"), "unit_cost": Decimal("-1")},
            "unit_cost",
        ),
        ({"sku": "X-1", "name": "Null", "unit_price": None}, "unit_price"),
    ],
)
def test_create_refuses_bad_values_with_the_field_and_writes_nothing(fields, field):
    with pytest.raises(ValidationError) as caught:
        create_product(**fields)
    assert field in caught.value.error_dict
    assert not Product.objects.exists()


def test_a_second_product_with_the_same_sku_is_refused(db):
    create_product(sku="TEA-1", name="Oolong", unit_price=Decimal("12.00"))
    with pytest.raises(ValidationError) as caught:
        create_product(sku=" TEA-1", name="Oolong again", unit_price=Decimal("9.00"))
    assert "sku" in caught.value.error_dict
    assert list(Product.objects.values_list("name", flat=True)) == ["Oolong"]


def test_update_changes_only_the_fields_given(db):
    product = create_product(
        sku="TEA-1", name="Oolong", unit_price=Decimal("12.00"), unit_cost=Decimal("6.00")
    )
    update_product(product, unit_price=Decimal("13.50"), is_active=False)
    stored = Product.objects.get()
    assert (stored.unit_price, stored.is_active) == (Decimal("13.50"), False)
    assert (stored.sku, stored.name, stored.unit_cost) == ("TEA-1", "Oolong", Decimal("6.00"))

    update_product(stored, unit_cost=None)  # None is a value: the cost becomes unknown
    assert Product.objects.get().unit_cost is None


def test_update_refuses_a_taken_sku_and_leaves_the_row_as_it_was(db):
    create_product(sku="TEA-1", name="Oolong", unit_price=Decimal("12.00"))
    green = create_product(sku="TEA-2", name="Green", unit_price=Decimal("8.00"))
    with pytest.raises(ValidationError) as caught:
        update_product(green, sku="TEA-1", name="Renamed")
    assert "sku" in caught.value.error_dict
    stored = Product.objects.get(pk=green.pk)
    assert (stored.sku, stored.name) == ("TEA-2", "Green")
