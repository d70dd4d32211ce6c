"""REST endpoints of invoices, payments, balances and the aged receivables report.

A sales user reaches the invoices and payments of the customers they own only (like
orders); bad input is a 422 naming the field, with a stable code."""

from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Query, Router
from ninja.pagination import paginate
from ninja.responses import Status

from kehu.crm.billing import actions, queries
from kehu.crm.billing.models import Invoice, Payment
from kehu.crm.billing.schemas import (
    AgingOut,
    BalanceOut,
    InvoiceDetailOut,
    InvoiceFilters,
    InvoiceIn,
    InvoiceOut,
    InvoiceStatusIn,
    PaymentFilters,
    PaymentIn,
    PaymentOut,
)
from kehu.crm.customers.api import named_customer
from kehu.crm.rest import (
    ERRORS,
    Day,
    DbId,
    Pagination,
    fields_renamed,
    filter_given,
    get_or_invalid,
    invalid,
    require_perm,
)

router = Router(tags=["billing"])
AGING_LIMIT = 1000


def _invoices(request: HttpRequest) -> QuerySet[Invoice]:
    return queries.visible_invoices(request.user).select_related("customer", "customer__owner")


def _invoice(request: HttpRequest, pk: int) -> Invoice:
    invoice = _invoices(request).prefetch_related("payments__invoice").filter(pk=pk).first()
    if invoice is None:
        raise Http404(f"No invoice with id {pk}.")
    return invoice


@router.get("/invoices", response=list[InvoiceOut], summary="List invoices, newest first")
@paginate(Pagination)
def list_invoices(request: HttpRequest, filters: Query[InvoiceFilters]) -> QuerySet[Invoice]:
    require_perm(request, "billing.view_invoice")
    invoices = filter_given(_invoices(request), filters, "customer_id", "order_id", "status")
    if filters.overdue is not None:
        overdue = queries.overdue_q()
        invoices = invoices.filter(overdue) if filters.overdue else invoices.exclude(overdue)
    if filters.issued_since is not None:
        invoices = invoices.filter(issued_on__gte=filters.issued_since)
    if filters.issued_until is not None:
        invoices = invoices.filter(issued_on__lte=filters.issued_until)
    return invoices.order_by("-issued_on", "-id")


def _create_fields(payload: InvoiceIn) -> dict[str, Any]:
    return payload.model_dump(
        include={"issued_on", "payment_terms_days", "number"}, exclude_none=True
    )


@router.post("/invoices", response={201: InvoiceDetailOut, **ERRORS}, summary="Create an invoice")
def create_invoice(request: HttpRequest, payload: InvoiceIn) -> Status:
    """Invoice an order (``order_id``) for its total, or a customer (``customer_id``) for
    an ``amount``; due after the customer's payment terms unless given."""
    require_perm(request, "billing.add_invoice")
    if payload.order_id is not None:
        extra = [f for f in ("customer_id", "amount", "due_on") if getattr(payload, f) is not None]
        if extra:
            raise invalid(
                extra[0], "an order's invoice takes its customer, total and terms from the order"
            )
        if payload.status != Invoice.Status.OPEN:
            raise invalid("status", "an order's invoice is issued open")
        order = get_or_invalid(
            queries.order_scope(request.user), payload.order_id, "order_id", "order"
        )
        with fields_renamed({"order": "order_id"}):
            invoice = actions.invoice_order(order, **_create_fields(payload))
    else:
        if payload.customer_id is None:
            raise invalid(
                "customer_id", "give an order_id, or a customer_id and an amount", "required"
            )
        if payload.amount is None:
            raise invalid("amount", "an invoice without an order needs an amount", "required")
        customer = named_customer(request, payload.customer_id)
        invoice = actions.create_invoice(
            customer,
            amount=payload.amount,
            due_on=payload.due_on,
            status=payload.status,
            notes=payload.notes,
            **_create_fields(payload),
        )
    return Status(201, _invoice(request, invoice.pk))


@router.get("/invoices/{invoice_id}", response={200: InvoiceDetailOut, **ERRORS})
def get_invoice(request: HttpRequest, invoice_id: DbId) -> Invoice:
    require_perm(request, "billing.view_invoice")
    return _invoice(request, invoice_id)


@router.post(
    "/invoices/{invoice_id}/payments",
    response={201: InvoiceDetailOut, **ERRORS},
    summary="Record a payment",
)
def record_payment(request: HttpRequest, invoice_id: DbId, payload: PaymentIn) -> Status:
    """A partial or full payment of an open invoice; more than the open amount is a 422
    (``overpayment``) unless ``overpayment`` is true. Returns the invoice."""
    require_perm(request, "billing.add_payment")
    invoice = _invoice(request, invoice_id)
    actions.record_payment(invoice, **payload.model_dump(exclude_none=True))
    return Status(201, _invoice(request, invoice_id))


@router.post("/invoices/{invoice_id}/status", response={200: InvoiceDetailOut, **ERRORS})
def set_invoice_status(request: HttpRequest, invoice_id: DbId, payload: InvoiceStatusIn) -> Invoice:
    """``issue`` a draft, or ``void`` an invoice without payments."""
    require_perm(request, "billing.change_invoice")
    invoice = _invoice(request, invoice_id)
    if payload.action == "issue":
        actions.issue_invoice(invoice)
    else:
        actions.void_invoice(invoice)
    return _invoice(request, invoice_id)


@router.get("/payments", response=list[PaymentOut], summary="List payments, newest first")
@paginate(Pagination)
def list_payments(request: HttpRequest, filters: Query[PaymentFilters]) -> QuerySet[Payment]:
    require_perm(request, "billing.view_payment")
    payments = queries.visible_payments(request.user).select_related("invoice")
    payments = filter_given(payments, filters, "customer_id", "invoice_id")
    if filters.since is not None:
        payments = payments.filter(paid_on__gte=filters.since)
    if filters.until is not None:
        payments = payments.filter(paid_on__lte=filters.until)
    return payments.order_by("-paid_on", "-id")


@router.get("/payments/{payment_id}", response={200: PaymentOut, **ERRORS})
def get_payment(request: HttpRequest, payment_id: DbId) -> Payment:
    require_perm(request, "billing.view_payment")
    payment = (
        queries.visible_payments(request.user).select_related("invoice").filter(pk=payment_id)
    ).first()
    if payment is None:
        raise Http404(f"No payment with id {payment_id}.")
    return payment


@router.get("/balances/{customer_id}", response={200: BalanceOut, **ERRORS})
def get_balance(request: HttpRequest, customer_id: DbId) -> BalanceOut:
    """What the customer owes, what of it is overdue, and for how many days."""
    require_perm(request, "billing.view_invoice")
    customer = named_customer(request, customer_id)
    balance = queries.balance_of(customer)
    return BalanceOut(
        customer_id=customer.pk,
        balance=queries.cents(balance.balance),
        overdue_amount=queries.cents(balance.overdue_amount),
        days_overdue=balance.days_overdue,
        open_invoices=balance.n_open,
        payment_terms_days=queries.payment_terms_of(customer),
    )


def _aging_row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "customer_id": row.get("customer_id"),
        "customer_code": row.get("customer__code"),
        "customer_name": row.get("customer__name"),
        "owner": row.get("customer__owner__username"),
        **dict(zip((*queries.BUCKET_KEYS, "total"), queries.amounts(row), strict=True)),
    }


@router.get("/aging", response={200: AgingOut, **ERRORS}, summary="Aged receivables")
def get_aging(
    request: HttpRequest,
    as_of: Day | None = None,
    by: str = "customer",
    limit: int = Query(100, ge=1, le=AGING_LIMIT),  # type: ignore[type-arg]
) -> dict[str, Any]:
    """What was open on ``as_of`` (today) in each bucket (current, 1-30, 31-60, 61-90,
    over 90 days past due), per customer or per owner (``by``), largest first."""
    require_perm(request, "billing.view_invoice")
    if by not in queries.AGING_GROUPS:
        raise invalid("by", f"by must be one of {sorted(queries.AGING_GROUPS)}, got {by!r}")
    day: date = as_of or timezone.localdate()
    rows = queries.aging(request.user, day, by=by)[:limit]
    totals = queries.aging_totals(request.user, day)
    return {
        "as_of": day,
        "by": by,
        "rows": [_aging_row(r) for r in rows],
        "totals": _aging_row(totals),
    }
