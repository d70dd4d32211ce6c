"""Writes of products. Views, the API, commands and tests call these."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from kehu.crm.catalog.models import Product
from kehu.crm.validation import validate


def _save(product: Product) -> Product:
    product.sku = product.sku.strip()
    product.name = product.name.strip()
    validate(product)
    try:
        with transaction.atomic():
            product.save()
    except IntegrityError as e:
        raise ValidationError(
            {"sku": [f"SKU {product.sku!r} exists already"]}, code="unique"
        ) from e
    return product


@transaction.atomic
def create_product(**fields: Any) -> Product:
    return _save(Product(**fields))


@transaction.atomic
def update_product(product: Product, **fields: Any) -> Product:
    for name, value in fields.items():
        setattr(product, name, value)
    return _save(product)
