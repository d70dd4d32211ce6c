"""Writes of invoices, payments and payment terms.

An invoice's ``paid_amount`` is the sum of its payments, kept here: each payment locks
its invoice, adds to it and marks the invoice paid when nothing is left open; removing a
payment takes it back off (and reopens a paid invoice).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Max, OuterRef, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from kehu.crm.billing.models import (
    MAX_PAYMENT_TERMS_DAYS,
    Invoice,
    Payment,
    PaymentTerms,
)
from kehu.crm.billing.queries import MONEY, payment_terms_of
from kehu.crm.customers.models import Customer
from kehu.crm.validation import validate

# the orders that can be invoiced: a sale that is not a draft nor cancelled
INVOICEABLE_ORDER_STATUSES = ("confirmed", "shipped", "completed")


def _error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def _money(amount: Decimal) -> str:
    return number_format(amount, 2, force_grouping=True)


def next_invoice_number(prefix: str = "INV") -> str:
    latest = Invoice.objects.filter(number__startswith=prefix).aggregate(m=Max("number"))["m"]
    tail = latest[len(prefix) :] if latest else ""
    number = int(tail) + 1 if tail.isdigit() else 1
    return f"{prefix}{number:08d}"


@transaction.atomic
def set_payment_terms(customer: Customer, *, days: int | None) -> PaymentTerms | None:
    """Give the customer payment terms of its own (``days`` from issue to due date), or
    back to the default with ``None``. Invoices issued before keep their due dates."""
    if days is None:
        PaymentTerms.objects.filter(customer=customer).delete()
        return None
    if not 0 <= days <= MAX_PAYMENT_TERMS_DAYS:
        raise _error(
            "days",
            _("Payment terms must be from 0 to %(max)s days, got %(days)s.")
            % {"max": MAX_PAYMENT_TERMS_DAYS, "days": days},
            "out_of_range",
        )
    terms, _created = PaymentTerms.objects.update_or_create(
        customer=customer, defaults={"days": days}
    )
    return terms


def _due_date(
    customer: Customer, issued_on: date, terms_days: int | None, due_on: date | None
) -> tuple[int, date]:
    """(payment terms, due date): the due date given, or the issue date plus the terms
    (the customer's when not given)."""
    if due_on is not None:
        if due_on < issued_on:
            raise _error(
                "due_on",
                _("The due date (%(due)s) cannot be before the issue date (%(issued)s).")
                % {"due": due_on.isoformat(), "issued": issued_on.isoformat()},
                "before_issue",
            )
        days = (due_on - issued_on).days
        if terms_days is not None and terms_days != days:
            raise _error(
                "due_on",
                _(
                    "The due date %(due)s is %(days)s days after the issue date, "
                    "not the %(terms)s days of the payment terms: give one of the two."
                )
                % {"due": due_on.isoformat(), "days": days, "terms": terms_days},
                "terms_mismatch",
            )
        return min(days, MAX_PAYMENT_TERMS_DAYS), due_on
    days = payment_terms_of(customer) if terms_days is None else terms_days
    if not 0 <= days <= MAX_PAYMENT_TERMS_DAYS:
        raise _error(
            "payment_terms_days",
            _("Payment terms must be from 0 to %(max)s days, got %(days)s.")
            % {"max": MAX_PAYMENT_TERMS_DAYS, "days": days},
            "out_of_range",
        )
    return days, issued_on + timedelta(days=days)


@transaction.atomic
def create_invoice(
    customer: Customer,
    *,
    amount: Decimal,
    issued_on: date | None = None,
    payment_terms_days: int | None = None,
    due_on: date | None = None,
    number: str | None = None,
    order: Any = None,
    status: str = Invoice.Status.OPEN,
    notes: str = "",
) -> Invoice:
    """Invoice ``customer`` for ``amount``, due ``payment_terms_days`` (the customer's
    terms when not given) after ``issued_on`` (today), or on ``due_on``. ``number`` is
    the next INV number when None; ``status`` is open or draft."""
    if status not in (Invoice.Status.OPEN, Invoice.Status.DRAFT):
        raise _error(
            "status",
            _("A new invoice is open or a draft, not %(status)s.") % {"status": status},
            "invalid_choice",
        )
    if amount is None or amount <= 0:
        raise _error("amount", _("An invoice needs an amount above 0."), "min_value")
    issued_on = issued_on or timezone.localdate()
    terms, due = _due_date(customer, issued_on, payment_terms_days, due_on)
    invoice = Invoice(
        customer=customer,
        order=order,
        number=number or next_invoice_number(),
        issued_on=issued_on,
        due_on=due,
        payment_terms_days=terms,
        amount=amount,
        status=status,
        notes=notes,
    )
    validate(invoice, exclude=["number"] if number is None else None)
    try:
        with transaction.atomic():
            invoice.save()
    except IntegrityError as e:
        if not Invoice.objects.filter(number=invoice.number).exists():  # two at once
            raise _error("order", _("This order was invoiced meanwhile."), "invoiced") from e
        raise _error(
            "number",
            _("Invoice number %(number)s exists already.") % {"number": invoice.number},
            "unique",
        ) from e
    return invoice


@transaction.atomic
def invoice_order(
    order: Any,
    *,
    issued_on: date | None = None,
    payment_terms_days: int | None = None,
    number: str | None = None,
) -> Invoice:
    """The invoice of a sale: its customer, its total, due after the customer's payment
    terms. An order is invoiced once (unless its invoice was voided)."""
    orders = _order_model().objects.select_for_update().select_related("customer")
    order = orders.get(pk=order.pk)
    if order.kind != "sale":
        raise _error("order", _("A return is not invoiced."), "not_a_sale")
    if order.status not in INVOICEABLE_ORDER_STATUSES:
        raise _error(
            "order",
            _(
                "Order %(number)s is %(status)s: only a confirmed, shipped or "
                "completed sale is invoiced."
            )
            % {"number": order.number, "status": order.get_status_display()},
            "not_invoiceable",
        )
    existing = order.invoices.exclude(status=Invoice.Status.VOID).first()
    if existing is not None:
        raise _error(
            "order",
            _("Order %(order)s is invoiced already (%(invoice)s).")
            % {"order": order.number, "invoice": existing.number},
            "invoiced",
        )
    return create_invoice(
        order.customer,
        amount=order.total_amount,
        issued_on=issued_on,
        payment_terms_days=payment_terms_days,
        number=number,
        order=order,
    )


def _order_model() -> Any:
    """``sales.Order``, reached through the invoice's link: billing sits beside sales in
    the layers and does not import it."""
    return Invoice._meta.get_field("order").related_model


def _locked(invoice: Invoice) -> Invoice:
    return Invoice.objects.select_for_update().get(pk=invoice.pk)


@transaction.atomic
def issue_invoice(invoice: Invoice) -> Invoice:
    """A draft becomes open: the customer owes it from now on."""
    invoice = _locked(invoice)
    if invoice.status != Invoice.Status.DRAFT:
        raise _error(
            "status",
            _("Only a draft is issued; this invoice is %(status)s.")
            % {"status": invoice.get_status_display()},
            "invalid_transition",
        )
    invoice.status = Invoice.Status.OPEN
    invoice.save(update_fields=["status"])
    return invoice


@transaction.atomic
def void_invoice(invoice: Invoice) -> Invoice:
    """Cancel an invoice sent in error: it no longer counts in any balance, and its
    order can be invoiced again. An invoice with payments keeps them: remove them first."""
    invoice = _locked(invoice)
    if invoice.status == Invoice.Status.VOID:
        return invoice
    if invoice.payments.exists():
        raise _error(
            "status",
            _("Invoice %(number)s has payments: remove them before voiding it.")
            % {"number": invoice.number},
            "has_payments",
        )
    invoice.status = Invoice.Status.VOID
    invoice.save(update_fields=["status"])
    return invoice


def _check_payment(invoice: Invoice, amount: Decimal, paid_on: date, overpay: bool) -> None:
    if invoice.status != Invoice.Status.OPEN:
        raise _error(
            "invoice",
            _("Invoice %(number)s is %(status)s: payments are recorded on open invoices only.")
            % {"number": invoice.number, "status": invoice.get_status_display()},
            "not_open",
        )
    if amount is None or amount <= 0:
        raise _error("amount", _("A payment needs an amount above 0."), "min_value")
    if paid_on > timezone.localdate():
        raise _error(
            "paid_on",
            _("A payment cannot be dated in the future (%(day)s).") % {"day": paid_on.isoformat()},
            "future",
        )
    left = invoice.amount - invoice.paid_amount
    if amount > left and not overpay:
        raise _error(
            "amount",
            _(
                "%(amount)s is more than the %(left)s left to pay on invoice %(number)s: "
                "record at most %(left)s, or confirm the overpayment of %(over)s."
            )
            % {
                "amount": _money(amount),
                "left": _money(left),
                "number": invoice.number,
                "over": _money(amount - left),
            },
            "overpayment",
        )


@transaction.atomic
def record_payment(
    invoice: Invoice,
    *,
    amount: Decimal,
    paid_on: date | None = None,
    method: str = Payment.Method.BANK_TRANSFER,
    reference: str = "",
    overpayment: bool = False,
) -> Payment:
    """Record money received against an open invoice (``paid_on`` today when not given).
    More than the open amount is refused unless ``overpayment`` confirms it. The invoice
    is paid when nothing is left open."""
    invoice = _locked(invoice)
    paid_on = paid_on or timezone.localdate()
    _check_payment(invoice, amount, paid_on, overpayment)
    payment = Payment(
        invoice=invoice,
        customer_id=invoice.customer_id,
        paid_on=paid_on,
        amount=amount,
        method=method,
        reference=reference,
    )
    validate(payment)
    payment.save()
    invoice.paid_amount += amount
    if invoice.paid_amount >= invoice.amount:
        invoice.status = Invoice.Status.PAID
    invoice.save(update_fields=["paid_amount", "status"])
    return payment


@transaction.atomic
def remove_payment(payment: Payment) -> Invoice:
    """Take back a payment recorded in error: its invoice owes it again (a paid invoice
    is open again)."""
    invoice = _locked(payment.invoice)
    Payment.objects.filter(pk=payment.pk).delete()
    invoice.paid_amount = max(invoice.paid_amount - payment.amount, Decimal("0"))
    if invoice.status == Invoice.Status.PAID and invoice.paid_amount < invoice.amount:
        invoice.status = Invoice.Status.OPEN
    invoice.save(update_fields=["paid_amount", "status"])
    return invoice


@transaction.atomic
def recount_payments(invoice_ids: list[int]) -> int:
    """Set each invoice's paid amount to the sum of its payments and its status to paid
    or open by it (a draft or void invoice keeps its status), in two statements
    whatever the number of invoices: what an import of payments calls after each batch.
    Returns the number of invoices recounted."""
    if not invoice_ids:
        return 0
    paid = (
        Payment.objects.filter(invoice=OuterRef("pk"))
        .order_by()
        .values("invoice")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    invoices = Invoice.objects.filter(pk__in=invoice_ids)
    n = invoices.update(
        paid_amount=Coalesce(Subquery(paid, output_field=MONEY), Value(Decimal("0")))
    )
    payable = invoices.filter(status__in=(Invoice.Status.OPEN, Invoice.Status.PAID))
    payable.update(
        status=Case(
            When(paid_amount__gte=F("amount"), then=Value(Invoice.Status.PAID)),
            default=Value(Invoice.Status.OPEN),
        )
    )
    return n
