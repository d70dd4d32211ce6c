"""Invoices and payments from files: record entities (see
:mod:`~kehu.crm.integration.records`) with rules of their own.

- An invoice is found by its number. Its due date is the one given, or the issue date
  plus the payment terms given, or the customer's terms (30 days unless set). A row is
  quarantined when its due date is before its issue date, when it gives both a due date
  and terms that disagree, when its order is another customer's, or is invoiced already
  by another invoice (in the CRM, or on an earlier row of the file). An invoice whose
  status is paid counts as paid in full until payments for it are imported.
- A payment names its invoice by number (the customer is the invoice's). It is found by
  its id in the file, or by invoice, date, amount and reference. A row is quarantined
  when the invoice is not in the CRM, is a draft or void, or the payment is dated in the
  future. After each batch the invoices it touched are recounted: the paid amount is the
  sum of their payments, the status paid once nothing is left open. A payment beyond
  the open amount is kept, as the ledger it comes from recorded it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pyarrow as pa
from django.utils import timezone

from kehu.crm.billing.actions import recount_payments
from kehu.crm.billing.models import (
    DEFAULT_PAYMENT_TERMS_DAYS,
    MAX_PAYMENT_TERMS_DAYS,
    Invoice,
    Payment,
    PaymentTerms,
)
from kehu.crm.integration import reasons
from kehu.crm.integration.records import RecordEntity
from kehu.crm.integration.staging import Staging
from kehu.crm.integration.writes import select_in, table

PAYABLE = (Invoice.Status.OPEN, Invoice.Status.PAID)


def _stage(db: Staging, name: str, columns: dict[str, pa.DataType], rows: list[tuple]) -> None:
    """``rows`` of the CRM as the staging table ``name``, for the row checks to join."""
    arrow = pa.table(
        {c: pa.array([r[i] for r in rows], t) for i, (c, t) in enumerate(columns.items())}
    )
    with db.registered(f"{name}_input", arrow):
        db.materialize(name, f"SELECT * FROM {name}_input")


def _referenced_ids(db: Staging, field: str) -> list[int]:
    return [pk for (pk,) in db.rows(f"SELECT ref_id FROM ref_{field}", f"{field} ids")]


# --- invoices -----------------------------------------------------------------------


@dataclass(frozen=True)
class InvoiceEntity(RecordEntity):
    def resolve_references(self, db: Staging, mapping: dict[str, str]) -> None:
        """Also ``invoiced_orders``: the file's orders the CRM has an invoice of (not
        void), and that invoice's number."""
        super().resolve_references(db, mapping)
        orders = _referenced_ids(db, "order")
        rows = select_in(
            orders,
            lambda marks: (
                f"SELECT order_id, number FROM {table(Invoice)} "
                f"WHERE order_id IN ({marks}) AND status <> 'void'"
            ),
        )
        _stage(db, "invoiced_orders", {"order_id": pa.int64(), "number": pa.string()}, rows)
        order_model = Invoice._meta.get_field("order").related_model
        owners = select_in(
            orders,
            lambda marks: f"SELECT id, customer_id FROM {table(order_model)} WHERE id IN ({marks})",
        )
        _stage(db, "order_customers", {"id": pa.int64(), "customer_id": pa.int64()}, owners)


def _invoice_checks(_latest: str | None) -> list[tuple[str, str]]:
    """Due date against issue date and terms; an order invoiced once."""
    other = (
        "FROM invoiced_orders i WHERE i.order_id = resolved.order_id "
        "AND i.number <> resolved.number"
    )
    return [
        (
            "due_on < issued_on",
            reasons.DUE_BEFORE_ISSUE.sql(due="raw_due_on", issued="raw_issued_on"),
        ),
        (
            "due_on IS NOT NULL AND payment_terms_days IS NOT NULL "
            "AND date_diff('day', issued_on, due_on) <> payment_terms_days",
            reasons.TERMS_MISMATCH.sql(due="raw_due_on", days="raw_payment_terms_days"),
        ),
        (
            f"resolved.order_id IS NOT NULL AND EXISTS (SELECT 1 {other})",
            reasons.ORDER_INVOICED.sql(
                order="raw_order", invoice=f"(SELECT MIN(i.number) {other})"
            ),
        ),
        (
            "resolved.order_id IS NOT NULL AND resolved.customer_id <> (SELECT o.customer_id "
            "FROM order_customers o WHERE o.id = resolved.order_id)",
            reasons.ORDER_OF_ANOTHER_CUSTOMER.sql(order="raw_order"),
        ),
        (  # the first invoice of the order in the file is the one kept
            "resolved.order_id IS NOT NULL AND number <> FIRST_VALUE(number) OVER "
            "(PARTITION BY resolved.order_id ORDER BY row_number)",
            reasons.ORDER_INVOICED.sql(
                order="raw_order",
                invoice="FIRST_VALUE(number) OVER "
                "(PARTITION BY resolved.order_id ORDER BY row_number)",
            ),
        ),
    ]


def _customer_terms(customer_ids: list[int]) -> dict[int, int]:
    return dict(
        PaymentTerms.objects.filter(customer_id__in=set(customer_ids)).values_list(
            "customer_id", "days"
        )
    )


def _invoice_defaults(records: list[dict[str, Any]], now: datetime) -> dict[str, list[Any]]:
    """Due date and terms (from each other, or the customer's terms), open unless the
    file says otherwise, paid in full when the file says paid."""
    terms_of = _customer_terms([r["customer"] for r in records])
    due, terms, status, paid = [], [], [], []
    for r in records:
        if r["due_on"] is not None:
            days = min((r["due_on"] - r["issued_on"]).days, MAX_PAYMENT_TERMS_DAYS)
            due.append(r["due_on"])
        else:
            days = r["payment_terms_days"]
            if days is None:
                days = terms_of.get(r["customer"], DEFAULT_PAYMENT_TERMS_DAYS)
            due.append(r["issued_on"] + timedelta(days=days))
        terms.append(days)
        status.append(r["status"] or Invoice.Status.OPEN)
        paid.append(r["amount"] if status[-1] == Invoice.Status.PAID else Decimal("0"))
    return {
        "due_on": due,
        "payment_terms_days": terms,
        "status": status,
        "paid_amount": paid,
        "created_at": [now] * len(records),
    }


INVOICES = InvoiceEntity(
    "invoices",
    Invoice,
    natural_key=("number",),
    PREVIEW_FIELDS=("number", "customer", "order", "issued_on", "due_on", "amount", "status"),
    key_field="number",
    extras=_invoice_defaults,
    row_checks=_invoice_checks,
)


# --- payments -----------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentEntity(RecordEntity):
    def resolve_references(self, db: Staging, mapping: dict[str, str]) -> None:
        """Also ``payable_invoices``: the file's invoices that take payments (open or
        paid, not a draft nor void)."""
        super().resolve_references(db, mapping)
        invoices = _referenced_ids(db, "invoice")
        statuses = ", ".join(f"'{s}'" for s in PAYABLE)
        rows = select_in(
            invoices,
            lambda marks: (
                f"SELECT id FROM {table(Invoice)} WHERE id IN ({marks}) AND status IN ({statuses})"
            ),
        )
        _stage(db, "payable_invoices", {"id": pa.int64()}, rows)


def _payment_checks(latest: str | None) -> list[tuple[str, str]]:
    """The invoice takes payments; the payment is not dated after today."""
    checks = [
        (
            "invoice_id IS NOT NULL AND invoice_id NOT IN (SELECT id FROM payable_invoices)",
            reasons.INVOICE_NOT_PAYABLE.sql(value="raw_invoice"),
        )
    ]
    if latest:  # unless the user confirmed future dates: a payment is never ahead
        checks.append(
            (
                f"paid_on > DATE '{timezone.localdate().isoformat()}'",
                reasons.PAID_IN_THE_FUTURE.sql(value="raw_paid_on"),
            )
        )
    return checks


def _payment_defaults(records: list[dict[str, Any]], now: datetime) -> dict[str, list[Any]]:
    """Each payment's customer: its invoice's."""
    customers = dict(
        Invoice.objects.filter(pk__in={r["invoice"] for r in records}).values_list(
            "pk", "customer_id"
        )
    )
    return {
        "customer": [customers[r["invoice"]] for r in records],
        "created_at": [now] * len(records),
    }


def _recount(payment_ids: list[int]) -> None:
    """The invoices of the payments a batch wrote: paid amount and status again."""
    invoices = Payment.objects.filter(pk__in=payment_ids).values_list("invoice_id", flat=True)
    recount_payments(sorted(set(invoices)))


PAYMENTS = PaymentEntity(
    "payments",
    Payment,
    natural_key=("invoice_id", "paid_on", "amount", "LOWER(reference)"),
    PREVIEW_FIELDS=("invoice", "paid_on", "amount", "method", "reference"),
    extras=_payment_defaults,
    row_checks=_payment_checks,
    after_batch=_recount,
)
