"""An install that has a catalog but no customers yet gets demo orders of its products."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import override_settings

from kehu.crm.catalog.actions import create_product
from kehu.crm.catalog.models import Product
from kehu.crm.demo.load import load_demo
from kehu.crm.sales.models import OrderLine


@pytest.mark.django_db
@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
def test_demo_orders_use_the_existing_products() -> None:
    # given a catalog of two products
    cheap = create_product(sku="OWN-1", name="Own cable", unit_price=Decimal("4.50"))
    dear = create_product(sku="OWN-2", name="Own router", unit_price=Decimal("180"))

    # when demo data are loaded
    counts = load_demo(40, seed=2)

    # then no products were added and every line sells one of them
    assert "products" not in counts
    assert Product.objects.count() == 2
    assert set(OrderLine.objects.values_list("product_id", flat=True)) <= {cheap.pk, dear.pk}
    for line in OrderLine.objects.all():
        assert line.line_total == line.compute_total()
