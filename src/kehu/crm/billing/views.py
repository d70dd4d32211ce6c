"""Invoices (list, export, page with its payments and the payment form), invoicing an
order, a customer's payment terms, and the aged receivables report with its chart."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.crm.accounts.roles import sees_all_customers
from kehu.crm.billing import actions, queries
from kehu.crm.billing.aging_chart import aging_chart
from kehu.crm.billing.forms import InvoiceOrderForm, PaymentForm, PaymentTermsForm
from kehu.crm.billing.models import Invoice, Payment
from kehu.crm.customers.models import Customer
from kehu.crm.customers.queries import visible_customers
from kehu.crm.lists import (
    csv_response,
    csv_rows,
    list_context,
    list_filters,
    page_of,
    querystring_without,
    render_list,
)
from kehu.crm.rest import fields_renamed
from kehu.crm.validation import Choice, Day, Flag, Id, Param, Text, attach_errors

INVOICE_FILTERS: dict[str, Param] = {
    "q": Text(),
    "status": Choice(Invoice.Status.values),
    "overdue": Flag(),
    "age": Choice(queries.BUCKET_KEYS),
    "customer": Id(),
    "owner": Id("none"),
    "order": Id(),
    "sort": Choice(queries.INVOICE_SORTS),
}
AGING_FILTERS: dict[str, Param] = {
    "as_of": Day(),
    "by": Choice(queries.AGING_GROUPS),
    "sort": Choice(queries.AGING_SORTS),
}
INVOICE_COLUMNS = [
    ("number", lambda i: i.number),
    ("customer_code", lambda i: i.customer.code),
    ("customer", lambda i: i.customer.name),
    ("owner", lambda i: i.customer.owner.username if i.customer.owner else ""),
    ("order", lambda i: i.order.number if i.order else ""),
    ("issued_on", lambda i: i.issued_on),
    ("due_on", lambda i: i.due_on),
    ("payment_terms_days", lambda i: i.payment_terms_days),
    ("status", lambda i: i.status),
    ("amount", lambda i: i.amount),
    ("paid_amount", lambda i: i.paid_amount),
    ("open_amount", lambda i: i.open_amount),
]


def _owners(user: Any) -> list[Any]:
    """Whom the owner filter offers: the active users who own customers, for those who
    see every customer (a sales user sees only their own customers anyway)."""
    if not sees_all_customers(user):
        return []
    owners = Customer.objects.filter(owner=OuterRef("pk"), merged_into__isnull=True)
    users = get_user_model().objects.filter(Exists(owners), is_active=True)
    return list(users.order_by("username"))


def _customer(user: Any, pk: str | None) -> Any:
    return visible_customers(user).filter(pk=int(pk)).first() if pk else None


@login_required
@permission_required("billing.view_invoice", raise_exception=True)
def invoice_list(request: HttpRequest) -> HttpResponse:
    filters = list_filters(request.GET, INVOICE_FILTERS)
    invoices = queries.filtered_invoices(request.user, **filters)
    customer = _customer(request.user, filters.get("customer"))
    context = list_context(
        request,
        invoices,
        filters,
        "-issued",
        totals=queries.invoice_totals(invoices),
        statuses=Invoice.Status.choices,
        buckets=queries.BUCKETS,
        owners=_owners(request.user),
        customer=customer,
        terms=queries.payment_terms_of(customer) if customer else None,
        terms_form=PaymentTermsForm() if customer else None,
    )
    return render_list(
        request, "billing/invoice_list.html", "billing/partials/invoice_rows.html", context
    )


@login_required
@permission_required("billing.view_invoice", raise_exception=True)
def invoice_export(request: HttpRequest) -> HttpResponse:
    filters = list_filters(request.GET, INVOICE_FILTERS)
    invoices = queries.filtered_invoices(request.user, **filters)
    return csv_response("invoices", csv_rows(invoices, INVOICE_COLUMNS))


def _visible_invoice_or_404(request: HttpRequest, pk: int) -> Invoice:
    invoices = queries.visible_invoices(request.user).select_related(
        "customer", "customer__owner", "order"
    )
    return get_object_or_404(invoices, pk=pk)


def _render_invoice(
    request: HttpRequest, invoice: Invoice, form: PaymentForm | None = None, status: int = 200
) -> HttpResponse:
    context = {
        "invoice": invoice,
        "payments": invoice.payments.order_by("paid_on", "id"),
        "form": form or PaymentForm(open_amount=invoice.open_amount or None),
        "days_overdue": queries.days_overdue(invoice.due_on)
        if invoice.status == Invoice.Status.OPEN
        else 0,
    }
    return render(request, "billing/invoice_detail.html", context, status=status)


@login_required
@permission_required("billing.view_invoice", raise_exception=True)
def invoice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_invoice(request, _visible_invoice_or_404(request, pk))


@login_required
@permission_required("billing.add_payment", raise_exception=True)
@require_POST
def invoice_pay(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _visible_invoice_or_404(request, pk)
    form = PaymentForm(request.POST)
    if form.is_valid():
        try:
            payment = actions.record_payment(invoice, **form.cleaned_data)
        except ValidationError as e:
            attach_errors(form, e)
        else:
            invoice.refresh_from_db()
            messages.success(
                request,
                _("Payment of %(amount)s recorded; %(left)s left to pay.")
                % {
                    "amount": number_format(payment.amount, 2, force_grouping=True),
                    "left": number_format(invoice.open_amount, 2, force_grouping=True),
                },
            )
            return redirect(invoice)
    return _render_invoice(request, invoice, form, status=422)


@login_required
@permission_required("billing.change_invoice", raise_exception=True)
@require_POST
def invoice_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Issue a draft (``do=issue``) or void the invoice (``do=void``)."""
    invoice = _visible_invoice_or_404(request, pk)
    do = request.POST.get("do")
    try:
        if do == "issue":
            actions.issue_invoice(invoice)
        elif do == "void":
            actions.void_invoice(invoice)
        else:
            messages.error(request, _("Nothing to do: choose to issue or to void the invoice."))
            return redirect(invoice)
    except ValidationError as e:
        for message in e.messages:
            messages.error(request, message)
    return redirect(invoice)


@login_required
@permission_required("billing.delete_payment", raise_exception=True)
@require_POST
def payment_remove(request: HttpRequest, pk: int) -> HttpResponse:
    payments = queries.visible_payments(request.user).select_related("invoice")
    payment: Payment = get_object_or_404(payments, pk=pk)
    invoice = actions.remove_payment(payment)
    messages.success(request, _("Payment removed."))
    return redirect(invoice)


@login_required
@permission_required("billing.add_invoice", raise_exception=True)
def invoice_order(request: HttpRequest) -> HttpResponse:
    """Invoice an order, chosen by its number (``?order=SO...`` fills it in)."""
    initial = {"order_number": request.GET.get("order", "")}
    form = InvoiceOrderForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        order = queries.visible_order(request.user, form.cleaned_data["order_number"])
        if order is None:
            form.add_error("order_number", _("No order with this number that you may see."))
        else:
            try:
                with fields_renamed({"order": "order_number"}):
                    invoice = actions.invoice_order(
                        order,
                        issued_on=form.cleaned_data["issued_on"],
                        payment_terms_days=form.cleaned_data["payment_terms_days"],
                    )
            except ValidationError as e:
                attach_errors(form, e)
            else:
                messages.success(
                    request, _("Invoice %(number)s created.") % {"number": invoice.number}
                )
                return redirect(invoice)
    status = 422 if request.method == "POST" else 200
    return render(request, "billing/invoice_form.html", {"form": form}, status=status)


@login_required
@permission_required("billing.change_paymentterms", raise_exception=True)
@require_POST
def payment_terms(request: HttpRequest, customer_pk: int) -> HttpResponse:
    customer = get_object_or_404(visible_customers(request.user), pk=customer_pk)
    form = PaymentTermsForm(request.POST)
    if form.is_valid():
        try:
            actions.set_payment_terms(customer, days=form.cleaned_data["days"])
        except ValidationError as e:
            messages.error(request, " ".join(e.messages))
        else:
            messages.success(
                request,
                _("Payment terms of %(customer)s: %(days)s days.")
                % {"customer": customer.name, "days": queries.payment_terms_of(customer)},
            )
    else:
        messages.error(request, " ".join(m for ms in form.errors.values() for m in ms))
    return redirect(f"{reverse('billing:invoice_list')}?customer={customer.pk}")


def _aging_context(request: HttpRequest) -> dict[str, Any]:
    filters = list_filters(request.GET, AGING_FILTERS)
    as_of = queries.parse_day(filters.get("as_of"))
    by = filters.get("by", "customer")
    rows = queries.aging(request.user, as_of, by=by, sort=filters.get("sort", "total"))
    totals = queries.aging_totals(request.user, as_of)
    return {
        "filters": filters,
        "as_of": as_of,
        "by": by,
        "sort": filters.get("sort", "total"),
        "page": page_of(request, rows),
        "totals": totals,
        "buckets": queries.BUCKETS,
        "chart": aging_chart(totals, as_of),
        "querystring": querystring_without(request, "page"),
        "sort_querystring": querystring_without(request, "page", "sort"),
    }


@login_required
@permission_required("billing.view_invoice", raise_exception=True)
def aging(request: HttpRequest) -> HttpResponse:
    return render(request, "billing/aging.html", _aging_context(request))


@login_required
@permission_required("billing.view_invoice", raise_exception=True)
def aging_export(request: HttpRequest) -> HttpResponse:
    filters = list_filters(request.GET, AGING_FILTERS)
    as_of = queries.parse_day(filters.get("as_of"))
    by = filters.get("by", "customer")
    rows = queries.aging(request.user, as_of, by=by, sort=filters.get("sort", "total"))
    return csv_response(f"aged-receivables-{as_of.isoformat()}", queries.aging_csv(rows, by))
