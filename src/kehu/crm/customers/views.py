"""Create and edit customers and their contacts; a customer's change history. (The
customer list, its export, the 360 page and its report show other domains too: they are
in :mod:`kehu.crm.screens.views`.)"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from kehu.crm.accounts.roles import sees_all_customers
from kehu.crm.customers import actions, queries
from kehu.crm.customers.forms import ContactForm, CustomerForm
from kehu.crm.customers.models import Customer
from kehu.crm.history import changes_of
from kehu.crm.validation import attach_errors


def visible_customer_or_404(request: HttpRequest, pk: int) -> Customer:
    return get_object_or_404(queries.visible_customers(request.user), pk=pk)


def _customer_fields(form: CustomerForm) -> dict[str, Any]:
    """The form's values as the customer actions take them (the tag names as ``tags``)."""
    fields = dict(form.cleaned_data)
    fields["tags"] = fields.pop("tag_names")
    return fields


@login_required
@permission_required("customers.add_customer", raise_exception=True)
def customer_create(request: HttpRequest) -> HttpResponse:
    can_assign = sees_all_customers(request.user)
    form = CustomerForm(request.POST or None, can_assign_owner=can_assign)
    if request.method == "POST" and form.is_valid():
        try:
            customer = actions.create_customer(by=request.user, **_customer_fields(form))
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, _("Customer %(code)s created.") % {"code": customer.code})
            return redirect(customer)
    return render(request, "customers/form.html", {"form": form, "customer": None})


@login_required
@permission_required("customers.change_customer", raise_exception=True)
def customer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    customer = visible_customer_or_404(request, pk)
    can_assign = sees_all_customers(request.user)
    form = CustomerForm(request.POST or None, instance=customer, can_assign_owner=can_assign)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_customer(customer, **_customer_fields(form))
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, _("Customer saved."))
            return redirect(customer)
    return render(request, "customers/form.html", {"form": form, "customer": customer})


@login_required
@permission_required("customers.view_customer", raise_exception=True)
def customer_history(request: HttpRequest, pk: int) -> HttpResponse:
    customer = visible_customer_or_404(request, pk)
    return render(
        request,
        "customers/history.html",
        {"customer": customer, "history": changes_of(customer, limit=200)},
    )


@login_required
def contact_create(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.has_perm("customers.add_contact"):
        raise PermissionDenied
    customer = visible_customer_or_404(request, pk)
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.add_contact(customer, **form.cleaned_data)
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, _("Contact added."))
            return redirect(customer)
    return render(request, "customers/contact_form.html", {"form": form, "customer": customer})
