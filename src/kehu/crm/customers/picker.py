"""The customer picker of every form that names a customer (orders, opportunities,
activities, tickets, ...): a type-ahead search over the customers the user may see, by
the same terms as the customer list's search (name words, code, email, phone)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kehu.crm.customers.models import Customer
from kehu.crm.customers.queries import customer_scope, search, visible_customers
from kehu.crm.customers.search import query_prefixes
from kehu.crm.picker import Option, PickerField, picker_options

User = AbstractBaseUser | AnonymousUser
CANDIDATES = 200  # matches read before sorting by name; the search caps its own work


def customer_option(customer: Customer) -> Option:
    place = ", ".join(p for p in (customer.city, customer.country) if p)
    detail = " · ".join(p for p in (place, customer.email) if p)
    return Option(customer.pk, f"{customer.name} ({customer.code})", detail)


def customer_picker(user: User, *, label: Any = None, required: bool = True) -> PickerField:
    """A form field choosing one of the customers ``user`` may see."""

    def _search(queryset: QuerySet[Customer], text: str) -> QuerySet[Customer]:
        if not query_prefixes(text):
            return queryset.none()
        return search(queryset, text, limit=CANDIDATES, scope=customer_scope(user))

    return PickerField(
        visible_customers(user).order_by("name", "id"),
        search=lambda qs, text: _search(qs, text).order_by("name", "id"),
        option=customer_option,
        noun=str(_("customer")),
        url=reverse("customers:pick"),
        placeholder=str(_("Search by name, code, email or phone")),
        label=label or _("Customer"),
        required=required,
    )


@login_required
@permission_required("customers.view_customer", raise_exception=True)
def customer_options(request: HttpRequest) -> HttpResponse:
    """The matches for the text typed into a customer picker (an htmx fragment)."""
    name = request.GET.get("name", "customer")[:100]
    field = customer_picker(request.user)
    text = request.GET.get(name + "__q", request.GET.get("q", ""))[:200]
    context = picker_options(field, name, text)
    return render(request, "includes/picker_options.html", context)
