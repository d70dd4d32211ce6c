"""The product catalogue: list, CSV export, and create/edit for administrators."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from kehu.crm.catalog import actions, queries
from kehu.crm.catalog.forms import ProductForm
from kehu.crm.catalog.models import Product, ProductCategory
from kehu.crm.lists import csv_response, csv_rows, list_context, list_filters, render_list
from kehu.crm.validation import Choice, Id, Param, Text, attach_errors

LIST_FILTERS: dict[str, Param] = {  # a value outside its choices is a 400
    "q": Text(),
    "category": Id(),
    "active": Choice(["yes", "no"]),
    "sort": Choice(queries.PRODUCT_SORTS),
}

EXPORT_COLUMNS = [
    ("sku", lambda p: p.sku),
    ("name", lambda p: p.name),
    ("category", lambda p: p.category.name if p.category else ""),
    ("unit_price", lambda p: p.unit_price),
    ("unit_cost", lambda p: p.unit_cost),
    ("is_active", lambda p: p.is_active),
    ("description", lambda p: p.description),
]


@login_required
@permission_required("catalog.view_product", raise_exception=True)
def product_list(request: HttpRequest) -> HttpResponse:
    filters = list_filters(request.GET, LIST_FILTERS)
    products = queries.filtered_products(**filters)
    categories = ProductCategory.objects.order_by("name")
    context = list_context(request, products, filters, "name", categories=categories)
    return render_list(
        request, "catalog/product_list.html", "catalog/partials/product_rows.html", context
    )


@login_required
@permission_required("catalog.view_product", raise_exception=True)
def product_export(request: HttpRequest) -> HttpResponse:
    products = queries.filtered_products(**list_filters(request.GET, LIST_FILTERS))
    return csv_response("products", csv_rows(products, EXPORT_COLUMNS))


def _save_form(request: HttpRequest, product: Product | None) -> HttpResponse:
    form = ProductForm(request.POST or None, instance=product)
    if request.method == "POST" and form.is_valid():
        try:
            if product is None:
                actions.create_product(**form.cleaned_data)
            else:
                product.refresh_from_db()
                actions.update_product(product, **form.cleaned_data)
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, _("Product saved."))
            return redirect("catalog:product_list")
    return render(request, "catalog/product_form.html", {"form": form, "product": product})


@login_required
@permission_required("catalog.add_product", raise_exception=True)
def product_create(request: HttpRequest) -> HttpResponse:
    return _save_form(request, None)


@login_required
@permission_required("catalog.change_product", raise_exception=True)
def product_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _save_form(request, get_object_or_404(Product, pk=pk))
