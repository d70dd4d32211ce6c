"""Writes of products. Views, the API, commands and tests call these."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from kehu.crm.catalog.models import Product


@transaction.atomic
def create_product(**fields: Any) -> Product:
    product = Product(**fields)
    product.full_clean()
    product.save()
    return product


@transaction.atomic
def update_product(product: Product, **fields: Any) -> Product:
    for name, value in fields.items():
        setattr(product, name, value)
    product.full_clean()
    product.save()
    return product
