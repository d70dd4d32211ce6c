"""Request and response bodies of the catalog API."""

from __future__ import annotations

from decimal import Decimal

from ninja import Field, Schema

from kehu.crm.catalog.models import Product
from kehu.crm.rest import DbId, InSchema, decimal, patch_schema, text

Sku = text(50, min_length=1)
Name = text(200, min_length=1)
Description = text()
Price = decimal(12, 2, ge="0")
SearchText = text(200)


class ProductIn(InSchema):
    sku: Sku
    name: Name
    category_id: DbId | None = None
    unit_price: Price
    unit_cost: Price | None = None
    is_active: bool = True
    description: Description = ""


ProductPatch = patch_schema(ProductIn, "ProductPatch")


class ProductOut(Schema):
    id: int
    sku: str
    name: str
    category_id: int | None
    category: str | None
    unit_price: Decimal
    unit_cost: Decimal | None
    is_active: bool
    description: str

    @staticmethod
    def resolve_category(obj: Product) -> str | None:
        return obj.category.name if obj.category_id else None


class ProductFilters(Schema):
    q: SearchText = Field("", description="Part of the name or the SKU")
    category_id: DbId | None = None
    is_active: bool | None = None


class CategoryOut(Schema):
    id: int
    name: str
    parent_id: int | None
