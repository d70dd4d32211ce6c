"""The product picker of order lines: a type-ahead search over the active products by
SKU prefix or a word of the name, as the product list searches."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from kehu.crm.catalog.models import Product
from kehu.crm.catalog.queries import filtered_products
from kehu.crm.picker import Option, PickerField, picker_options


def product_option(product: Product) -> Option:
    detail = number_format(product.unit_price, 2, force_grouping=True)
    return Option(
        product.pk, f"{product.name} ({product.sku})", detail, {"price": str(product.unit_price)}
    )


def _search(queryset: QuerySet[Product], text: str) -> QuerySet[Product]:
    if not text.strip():
        return queryset.none()
    return queryset.filter(pk__in=filtered_products(q=text, active="yes").values("pk"))


def product_picker(
    *, queryset: QuerySet[Product] | None = None, required: bool = False
) -> PickerField:
    """A form field choosing one of the active products (or of ``queryset``)."""
    if queryset is None:
        queryset = Product.objects.filter(is_active=True).order_by("name", "id")
    return PickerField(
        queryset,
        search=lambda qs, text: _search(qs, text).order_by("name", "id"),
        option=product_option,
        noun=str(_("product")),
        url=reverse("catalog:product_pick"),
        placeholder=str(_("Search by SKU or name")),
        label=_("Product"),
        required=required,
    )


@login_required
@permission_required("catalog.view_product", raise_exception=True)
def product_options(request: HttpRequest) -> HttpResponse:
    """The matches for the text typed into a product picker (an htmx fragment)."""
    name = request.GET.get("name", "product")[:100]
    text = request.GET.get(name + "__q", request.GET.get("q", ""))[:200]
    context = picker_options(product_picker(), name, text)
    return render(request, "includes/picker_options.html", context)
