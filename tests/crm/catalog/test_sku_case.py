"""A product code is unique whatever its case: the form and the actions refuse a second
``abc`` beside ``ABC`` with a message, and the migration that makes the database say so
renames the case duplicates it finds instead of failing or dropping any."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from kehu.crm.catalog.actions import create_product
from kehu.crm.catalog.models import Product


@pytest.mark.django_db
def test_a_sku_differing_only_by_case_is_refused_with_a_message(admin_user, client_for):
    create_product(sku="TEA-1", name="Oolong", unit_price=Decimal("12.00"))
    with pytest.raises(ValidationError, match="SKUs are compared whatever their case"):
        create_product(sku="tea-1", name="Oolong again", unit_price=Decimal("12.00"))
    response = client_for(admin_user).post(
        reverse("catalog:product_create"),
        {"sku": "Tea-1", "name": "Third", "unit_price": "1.00", "is_active": "on"},
    )
    assert response.status_code == 200  # the form again, with the reason
    assert "SKUs are compared whatever their case" in response.content.decode()
    assert Product.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_migration_renames_case_duplicates_and_keeps_them():
    executor = MigrationExecutor(connection)
    executor.migrate([("catalog", "0001_initial")])
    old = executor.loader.project_state([("catalog", "0001_initial")]).apps
    product = old.get_model("catalog", "Product")
    # raw rows of the model as 0001 had it: no action can write the case duplicates the
    # migration must rename
    first = product.objects.create(sku="85123A", name="Heart", unit_price=Decimal("2.55"))
    second = product.objects.create(sku="85123a", name="Heart (lower)", unit_price=Decimal("2"))
    other = product.objects.create(sku="22633", name="Warmer", unit_price=Decimal("1.85"))

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    stored = {p.pk: p for p in Product.objects.all()}
    assert stored[first.pk].sku == "85123A" and stored[other.pk].sku == "22633"
    renamed = stored[second.pk]
    assert renamed.sku == f"85123a-DUP{second.pk}" and renamed.name == "Heart (lower)"
    assert "SKU was '85123a', the same as '85123A' but for its case." in renamed.description
