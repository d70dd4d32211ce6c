"""Writes of products. Views, the API, commands and tests call these."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from kehu.crm.catalog.models import Product, ProductCategory
from kehu.crm.unset import UNSET, Unset, set_given
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
def create_product(
    *,
    sku: str,
    name: str,
    unit_price: Decimal,
    category: ProductCategory | None = None,
    unit_cost: Decimal | None = None,
    is_active: bool = True,
    description: str = "",
) -> Product:
    """Add a product to the catalog; its SKU (trimmed) is unique, whatever its case.

    ``unit_price`` is the list price an order line takes by default, ``unit_cost`` what
    it costs (for margins, unknown when None); an inactive product is kept for the
    orders that have it but is not offered for new ones.
    """
    product = Product(
        sku=sku,
        name=name,
        unit_price=unit_price,
        category=category,
        unit_cost=unit_cost,
        is_active=is_active,
        description=description,
    )
    return _save(product)


@transaction.atomic
def update_product(
    product: Product,
    *,
    sku: str | Unset = UNSET,
    name: str | Unset = UNSET,
    unit_price: Decimal | Unset = UNSET,
    category: ProductCategory | None | Unset = UNSET,
    unit_cost: Decimal | None | Unset = UNSET,
    is_active: bool | Unset = UNSET,
    description: str | Unset = UNSET,
) -> Product:
    """Change the fields given (see :func:`create_product`); the others stay."""
    set_given(
        product,
        sku=sku,
        name=name,
        unit_price=unit_price,
        category=category,
        unit_cost=unit_cost,
        is_active=is_active,
        description=description,
    )
    return _save(product)
