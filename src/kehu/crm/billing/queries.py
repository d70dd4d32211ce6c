"""Reads of invoices and payments shared by the pages, the API, the 360 page, the
automation rules and the churn features: balances and the aged receivables report.

Every read is restricted to the customers the user may see (``customer_scope``: a sales
user sees the invoices of the customers they own). Balances and ageing are aggregates
computed by the database in one query (``CASE`` buckets), never a loop over invoices.
Bucket boundaries are dates computed once (``due_on >= as_of - 30``), so the SQL is the
same on SQLite and PostgreSQL and the ``(status, due_on)`` index serves it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import (
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kehu.crm.billing.models import DEFAULT_PAYMENT_TERMS_DAYS, Invoice, Payment, PaymentTerms
from kehu.crm.customers.queries import customer_scope, search, visible_customers
from kehu.crm.lists import where_given

User = AbstractBaseUser | AnonymousUser
MONEY = DecimalField(max_digits=16, decimal_places=2)
ZERO = Value(Decimal("0"), output_field=MONEY)
OPEN_AMOUNT = ExpressionWrapper(F("amount") - F("paid_amount"), output_field=MONEY)

INVOICE_SORTS = {
    "issued": ("issued_on", "id"),
    "-issued": ("-issued_on", "-id"),
    "due": ("due_on", "id"),
    "-due": ("-due_on", "-id"),
    "number": ("number",),
    "-number": ("-number",),
    "amount": ("amount", "id"),
    "-amount": ("-amount", "-id"),
    "customer": ("customer__name", "-issued_on", "-id"),
    "-customer": ("-customer__name", "-issued_on", "-id"),
}


@dataclass(frozen=True)
class Bucket:
    """A column of the aged receivables report: invoices ``low`` to ``high`` days past
    due (``high`` None: no upper bound; the current bucket is not yet due, ``high`` 0)."""

    key: str
    label: Any
    low: int | None
    high: int | None


BUCKETS = (
    Bucket("current", pgettext_lazy("aging bucket", "Current"), None, 0),
    Bucket("d1_30", _("1-30 days"), 1, 30),
    Bucket("d31_60", _("31-60 days"), 31, 60),
    Bucket("d61_90", _("61-90 days"), 61, 90),
    Bucket("over_90", _("Over 90 days"), 91, None),
)
BUCKET_KEYS = tuple(b.key for b in BUCKETS)


# --- invoices -----------------------------------------------------------------------


def visible_invoices(user: User) -> QuerySet[Invoice]:
    return Invoice.objects.filter(customer_scope(user))


def visible_payments(user: User) -> QuerySet[Payment]:
    return Payment.objects.filter(customer_scope(user))


def order_scope(user: User) -> QuerySet[Any]:
    """The orders the user may see (``sales.Order``, reached through the invoice's link:
    billing sits beside sales in the layers and does not import it)."""
    order_model = Invoice._meta.get_field("order").related_model
    return order_model.objects.filter(customer_scope(user)).select_related("customer")


def visible_order(user: User, number: str) -> Any:
    """The order numbered ``number`` if the user may see it."""
    return order_scope(user).filter(number=number.strip()).first()


def parse_day(value: str | None) -> date:
    """A cleaned ``YYYY-MM-DD`` parameter as a date (today when not given)."""
    return date.fromisoformat(value) if value else timezone.localdate()


def payment_terms_of(customer: Any) -> int:
    """The customer's payment terms in days: its own, or the default."""
    terms = PaymentTerms.objects.filter(customer=customer).values_list("days", flat=True).first()
    return DEFAULT_PAYMENT_TERMS_DAYS if terms is None else terms


def overdue_q(today: date | None = None) -> Q:
    """Open invoices whose due date has passed (at least one day past due)."""
    return Q(status=Invoice.Status.OPEN, due_on__lt=today or timezone.localdate())


def filtered_invoices(
    user: User,
    *,
    q: str = "",
    status: str = "",
    overdue: str = "",
    age: str = "",
    customer: str = "",
    owner: str = "",
    order: str = "",
    sort: str = "-issued",
) -> QuerySet[Invoice]:
    """The invoice list as the list page and its CSV export share it. ``owner`` is a
    user id, or ``none`` for customers without an owner; ``age`` a bucket key of the
    aged report (the open invoices that many days past due today)."""
    invoices = visible_invoices(user).select_related("customer", "customer__owner", "order")
    if q.strip():
        words = q.strip()
        matching = search(visible_customers(user), words).values("pk")
        invoices = invoices.filter(Q(number__istartswith=words) | Q(customer__in=matching))
    invoices = where_given(invoices, status=status)
    if overdue:
        invoices = invoices.filter(overdue_q())
    if age:
        bucket = next(b for b in BUCKETS if b.key == age)
        invoices = invoices.filter(_bucket_q(bucket, timezone.localdate()), status="open")
    if customer.isdigit():
        invoices = invoices.filter(customer_id=int(customer))
    if order.isdigit():
        invoices = invoices.filter(order_id=int(order))
    if owner == "none":
        invoices = invoices.filter(customer__owner__isnull=True)
    elif owner.isdigit():
        invoices = invoices.filter(customer__owner_id=int(owner))
    return invoices.order_by(*INVOICE_SORTS.get(sort, INVOICE_SORTS["-issued"]))


def invoice_totals(invoices: QuerySet[Invoice]) -> dict[str, Any]:
    """How many invoices the list holds, their amount and what is open (one query)."""
    return invoices.order_by().aggregate(
        n=Count("pk"),
        invoiced=Coalesce(Sum("amount"), ZERO),
        open=Coalesce(
            Sum(OPEN_AMOUNT, filter=Q(status=Invoice.Status.OPEN), output_field=MONEY), ZERO
        ),
    )


# --- balances -----------------------------------------------------------------------


def balances(customers: QuerySet[Any] | None = None, today: date | None = None) -> QuerySet[Any]:
    """Per customer with something open: ``customer_id``, ``balance`` (what is open),
    ``overdue_amount`` (what is open past its due date) and ``oldest_due_on`` (the due
    date of the oldest overdue invoice; :func:`days_overdue` turns it into days). One
    aggregate query; ``customers`` (a query set) narrows it."""
    today = today or timezone.localdate()
    invoices = Invoice.objects.filter(status=Invoice.Status.OPEN)
    if customers is not None:
        invoices = invoices.filter(customer__in=customers)
    return (
        invoices.values("customer_id")
        .annotate(
            balance=Sum(OPEN_AMOUNT, output_field=MONEY),
            overdue_amount=Coalesce(
                Sum(OPEN_AMOUNT, filter=Q(due_on__lt=today), output_field=MONEY), ZERO
            ),
            oldest_due_on=Min("due_on", filter=Q(due_on__lt=today)),
        )
        .order_by()
    )


def balance_annotations(today: date | None = None, customer_ref: str = "pk") -> dict[str, Any]:
    """``balance``, ``overdue_amount`` and ``oldest_due_on`` as subqueries on a customer
    query set (``customers.annotate(**balance_annotations())``): 0 and None for a
    customer who owes nothing. ``customer_ref`` names the customer id of the outer row."""
    one = balances(today=today).filter(customer_id=OuterRef(customer_ref))
    return {
        "balance": Coalesce(Subquery(one.values("balance")[:1], output_field=MONEY), ZERO),
        "overdue_amount": Coalesce(
            Subquery(one.values("overdue_amount")[:1], output_field=MONEY), ZERO
        ),
        "oldest_due_on": Subquery(one.values("oldest_due_on")[:1]),
    }


def days_overdue(oldest_due_on: date | None, today: date | None = None) -> int:
    """Days since the oldest overdue invoice fell due (0 when nothing is overdue)."""
    if oldest_due_on is None:
        return 0
    return max(((today or timezone.localdate()) - oldest_due_on).days, 0)


@dataclass(frozen=True)
class Balance:
    balance: Decimal
    overdue_amount: Decimal
    days_overdue: int
    n_open: int


def balance_of(customer: Any, today: date | None = None) -> Balance:
    """What one customer owes, what of it is overdue and for how long (one query)."""
    today = today or timezone.localdate()
    row = (
        Invoice.objects.filter(customer=customer, status=Invoice.Status.OPEN)
        .order_by()
        .aggregate(
            balance=Coalesce(Sum(OPEN_AMOUNT, output_field=MONEY), ZERO),
            overdue_amount=Coalesce(
                Sum(OPEN_AMOUNT, filter=Q(due_on__lt=today), output_field=MONEY), ZERO
            ),
            oldest_due_on=Min("due_on", filter=Q(due_on__lt=today)),
            n_open=Count("pk"),
        )
    )
    return Balance(
        balance=row["balance"],
        overdue_amount=row["overdue_amount"],
        days_overdue=days_overdue(row["oldest_due_on"], today),
        n_open=row["n_open"],
    )


# --- aged receivables ---------------------------------------------------------------


def _bucket_q(bucket: Bucket, as_of: date) -> Q:
    """The invoices of ``bucket`` on ``as_of``, as due-date bounds: ``d`` days past due
    means ``due_on = as_of - d``."""
    condition = Q()
    if bucket.high is not None:
        condition &= Q(due_on__gte=as_of - timedelta(days=bucket.high))
    if bucket.low is not None:
        condition &= Q(due_on__lte=as_of - timedelta(days=bucket.low))
    return condition


def _open_on(invoices: QuerySet[Invoice], as_of: date) -> QuerySet[Invoice]:
    """The invoices issued by ``as_of`` with what was open on that day as ``open_then``.
    Today or later that is ``amount - paid_amount`` of the open invoices (payments are
    never dated in the future); on a past day, the amount less the payments made by
    then, a paid or open invoice alike (a void or draft one never counts)."""
    if as_of >= timezone.localdate():
        return invoices.filter(status=Invoice.Status.OPEN, issued_on__lte=as_of).annotate(
            open_then=OPEN_AMOUNT
        )
    paid_then = (
        Payment.objects.filter(invoice=OuterRef("pk"), paid_on__lte=as_of)
        .order_by()
        .values("invoice")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return (
        invoices.filter(status__in=(Invoice.Status.OPEN, Invoice.Status.PAID), issued_on__lte=as_of)
        .annotate(
            open_then=ExpressionWrapper(
                F("amount") - Coalesce(Subquery(paid_then, output_field=MONEY), ZERO),
                output_field=MONEY,
            )
        )
        .filter(open_then__gt=0)
    )


def _bucket_sums(as_of: date) -> dict[str, Any]:
    sums = {
        b.key: Coalesce(
            Sum(
                Case(When(_bucket_q(b, as_of), then=F("open_then")), default=ZERO),
                output_field=MONEY,
            ),
            ZERO,
        )
        for b in BUCKETS
    }
    sums["total"] = Coalesce(Sum("open_then", output_field=MONEY), ZERO)
    return sums


def bucket_totals(invoices: QuerySet[Invoice], as_of: date | None = None) -> dict[str, Any]:
    """Each bucket's open amount and number of invoices among ``invoices`` on ``as_of``
    (today), in one aggregate: ``{key: {"open": amount, "n": count}}``; the same
    invoices as the invoice list filtered by that bucket (``age``)."""
    as_of = as_of or timezone.localdate()
    counts = {f"{b.key}__n": Count("pk", filter=_bucket_q(b, as_of)) for b in BUCKETS}
    row = _open_on(invoices, as_of).order_by().aggregate(**_bucket_sums(as_of), **counts)
    return {b.key: {"open": row[b.key], "n": row[f"{b.key}__n"]} for b in BUCKETS}


AGING_GROUPS = {
    "customer": ("customer_id", "customer__name", "customer__code", "customer__owner__username"),
    "owner": ("customer__owner_id", "customer__owner__username"),
}
AGING_SORTS = {
    "total": ("-total",),
    "name": ("customer__name",),
    "over_90": ("-over_90", "-total"),
}


def aging(
    user: User, as_of: date | None = None, by: str = "customer", sort: str = "total"
) -> QuerySet[Any]:
    """The aged receivables report on ``as_of`` (today): per customer (or per owner of
    the customers, ``by="owner"``), what was open in each bucket of :data:`BUCKETS` and
    in all, largest total first. One query: the buckets are ``CASE`` sums."""
    as_of = as_of or timezone.localdate()
    keys = AGING_GROUPS[by]
    rows = _open_on(visible_invoices(user), as_of).values(*keys).annotate(**_bucket_sums(as_of))
    order = AGING_SORTS.get(sort, AGING_SORTS["total"])
    if by == "owner":
        order = ("-total",)
    return rows.order_by(*order, keys[0])


def aging_totals(user: User, as_of: date | None = None) -> dict[str, Decimal]:
    """The totals line of the report: each bucket and all, over the visible customers."""
    as_of = as_of or timezone.localdate()
    return _open_on(visible_invoices(user), as_of).order_by().aggregate(**_bucket_sums(as_of))


def cents(value: Any) -> Decimal:
    """A sum to the cent (SQLite gives ``Decimal("40")`` for 40.00)."""
    return Decimal(value or 0).quantize(Decimal("0.01"))


def amounts(row: dict[str, Any]) -> list[Decimal]:
    """A report row's buckets and total, to the cent."""
    return [cents(row[k]) for k in (*BUCKET_KEYS, "total")]


def aging_csv(rows: QuerySet[Any], by: str) -> Iterator[list[Any]]:
    """The report's rows as CSV lines: who, then each bucket and the total."""
    if by == "owner":
        yield ["owner", *BUCKET_KEYS, "total"]
        for row in rows.iterator(chunk_size=2000):
            yield [row["customer__owner__username"] or "", *amounts(row)]
        return
    yield ["customer_code", "customer", "owner", *BUCKET_KEYS, "total"]
    for row in rows.iterator(chunk_size=2000):
        yield [
            row["customer__code"],
            row["customer__name"],
            row["customer__owner__username"] or "",
            *amounts(row),
        ]
