"""Reads of the product catalogue shared by the list page and its CSV export."""

from __future__ import annotations

from django.db.models import F, Q, QuerySet

from kehu.crm.catalog.models import Product

# Products without a category come first ascending and last descending on every
# database (SQLite and PostgreSQL order NULLs differently by default).
PRODUCT_SORTS = {
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "sku": ("sku",),
    "-sku": ("-sku",),
    "price": ("unit_price", "id"),
    "-price": ("-unit_price", "-id"),
    "category": (F("category__name").asc(nulls_first=True), "name", "id"),
    "-category": (F("category__name").desc(nulls_last=True), "name", "id"),
}


def filtered_products(
    *, q: str = "", category: str = "", active: str = "", sort: str = "name"
) -> QuerySet[Product]:
    """Products whose SKU starts with, or whose name contains, the query."""
    queryset = Product.objects.select_related("category")
    if words := q.strip():
        queryset = queryset.filter(Q(sku__istartswith=words) | Q(name__icontains=words))
    if category.isdigit():
        queryset = queryset.filter(category_id=int(category))
    if active == "yes":
        queryset = queryset.filter(is_active=True)
    elif active == "no":
        queryset = queryset.filter(is_active=False)
    return queryset.order_by(*PRODUCT_SORTS.get(sort, PRODUCT_SORTS["name"]))
