"""The product list's query (kehu.crm.catalog.queries.filtered_products), which the list
page and its CSV export share."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kehu.crm.catalog.actions import create_product
from kehu.crm.catalog.models import ProductCategory
from kehu.crm.catalog.queries import filtered_products

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(db):
    # categories have no action (the admin and imports make them): plain rows
    tea = ProductCategory.objects.create(name="Tea")
    ware = ProductCategory.objects.create(name="Teaware")
    create_product(sku="TEA-1", name="Oolong", unit_price=Decimal("12.00"), category=tea)
    create_product(sku="TEA-2", name="Green tea", unit_price=Decimal("8.00"), category=tea)
    create_product(sku="POT-1", name="Tea pot", unit_price=Decimal("30.00"), category=ware)
    create_product(sku="OLD-1", name="Brick tea", unit_price=Decimal("5.00"), is_active=False)
    return tea, ware


def _skus(**filters: str) -> list[str]:
    return [p.sku for p in filtered_products(**filters)]


def test_the_query_matches_a_sku_prefix_or_a_name_part_in_any_case(catalog):
    assert _skus(q="tea-") == ["TEA-2", "TEA-1"]  # by name: Green tea, Oolong
    assert _skus(q="  OOLONG ") == ["TEA-1"]
    assert _skus(q="tea") == ["OLD-1", "TEA-2", "TEA-1", "POT-1"]  # SKU or name
    assert _skus(q="-1") == []  # a SKU matches from its start only
    assert _skus(q="") == ["OLD-1", "TEA-2", "TEA-1", "POT-1"]


def test_category_and_active_filters(catalog):
    tea, ware = catalog
    assert _skus(category=str(tea.pk)) == ["TEA-2", "TEA-1"]
    assert _skus(category=str(ware.pk), q="pot") == ["POT-1"]
    assert _skus(category="tea") == _skus()  # not an id: no filter rather than an error
    assert _skus(active="yes") == ["TEA-2", "TEA-1", "POT-1"]
    assert _skus(active="no") == ["OLD-1"]
    assert _skus(active="maybe") == _skus()


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("sku", ["OLD-1", "POT-1", "TEA-1", "TEA-2"]),
        ("-sku", ["TEA-2", "TEA-1", "POT-1", "OLD-1"]),
        ("price", ["OLD-1", "TEA-2", "TEA-1", "POT-1"]),
        ("-price", ["POT-1", "TEA-1", "TEA-2", "OLD-1"]),
        ("-name", ["POT-1", "TEA-1", "TEA-2", "OLD-1"]),
        ("category", ["OLD-1", "TEA-2", "TEA-1", "POT-1"]),
        ("unknown", ["OLD-1", "TEA-2", "TEA-1", "POT-1"]),  # the default, by name
    ],
)
def test_each_sort_key_orders_the_rows(catalog, sort, expected):
    assert _skus(sort=sort) == expected
