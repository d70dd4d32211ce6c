"""Invoices and payments of the demo's orders, so that the receivables pages, the aged
report and the overdue features have something to show.

Each sale (confirmed, shipped or completed, ordered before today) is invoiced a day or
two after it was ordered, due after its customer's payment terms (30 days; one customer
in seven has 14, 45 or 60 days of their own). How it is paid depends on the customer:
most pay on time, some pay late, some pay part and the rest much later, a few stop
paying. A payment dated today or later has not happened yet, so the history ends with
invoices still open: not yet due, or overdue by a few days to many months. Money is in
integer cents; everything is drawn as numpy columns and written in bulk
(:mod:`kehu.crm.bulk`), never a loop over rows. Orders invoiced already are skipped, so
this runs on a demo loaded before receivables existed too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date

import numpy as np
import pandas as pd
from django.db.models import Exists, OuterRef
from django.utils import timezone

from kehu.crm.billing.actions import INVOICEABLE_ORDER_STATUSES, next_invoice_number
from kehu.crm.billing.models import DEFAULT_PAYMENT_TERMS_DAYS, Invoice, Payment, PaymentTerms
from kehu.crm.bulk import BulkWriter, next_id
from kehu.crm.demo.timeline import demo_end
from kehu.crm.sales.models import Order

Columns = dict[str, np.ndarray]

# how a customer pays: on time, late, part then the rest much later, stops paying
PROMPT, LATE, PARTIAL, DEFAULTER = range(4)
BEHAVIOUR_WEIGHTS = (0.74, 0.16, 0.06, 0.04)
OWN_TERMS_SHARE = 1 / 7
OWN_TERMS = np.array([14, 45, 60])
NEVER_PAID_SHARE = 0.6  # of a defaulter's invoices
METHODS = np.array([str(m) for m in Payment.Method.values])
METHOD_WEIGHTS = np.array([0.6, 0.25, 0.05, 0.05, 0.05])


@dataclass
class BillingPlan:
    terms: Columns
    invoices: Columns
    payments: Columns


def _uninvoiced_sales(end: date) -> Columns:
    """The sales to invoice, oldest first, as columns (one query)."""
    invoiced = Invoice.objects.filter(order=OuterRef("pk")).exclude(status=Invoice.Status.VOID)
    rows = list(
        Order.objects.filter(
            kind=Order.Kind.SALE,
            status__in=INVOICEABLE_ORDER_STATUSES,
            total_amount__gt=0,
            ordered_at__lt=demo_end(end).replace(tzinfo=UTC),
        )
        .exclude(Exists(invoiced))
        .order_by("ordered_at", "id")
        .values_list("id", "customer_id", "ordered_at", "total_amount")
    )
    if not rows:
        return {}
    ids, customers, at, amounts = zip(*rows, strict=True)
    return {
        "order": np.array(ids, dtype=np.int64),
        "customer": np.array(customers, dtype=np.int64),
        "ordered_on": _local_days(at),
        "cents": np.round(np.array([float(a) for a in amounts]) * 100).astype(np.int64),
    }


def _local_days(moments: tuple) -> np.ndarray:
    """Aware datetimes as the days they fall on in the CRM's time zone."""
    local = pd.to_datetime(list(moments), utc=True).tz_convert(timezone.get_current_timezone())
    return local.tz_localize(None).to_numpy().astype("datetime64[D]")


def _days(values: np.ndarray) -> np.ndarray:
    return np.round(values).astype(np.int64).astype("timedelta64[D]")


def plan_billing(sales: Columns, end: date, rng: np.random.Generator) -> BillingPlan:
    """Terms, invoices and payments of ``sales`` (see the module docstring)."""
    today = np.datetime64(end, "D")
    customers, position = np.unique(sales["customer"], return_inverse=True)
    behaviour = rng.choice(4, customers.size, p=BEHAVIOUR_WEIGHTS)[position]
    own = rng.random(customers.size) < OWN_TERMS_SHARE
    customer_terms = np.where(
        own, OWN_TERMS[rng.integers(0, OWN_TERMS.size, customers.size)], DEFAULT_PAYMENT_TERMS_DAYS
    )
    n = sales["order"].size
    terms = customer_terms[position]
    issued = sales["ordered_on"] + _days(rng.integers(0, 3, n))
    issued = np.minimum(issued, today - np.timedelta64(1, "D"))
    due = issued + _days(terms)

    # when each invoice's money arrives (first part, and the rest for partial payers)
    first_at = np.select(
        [behaviour == PROMPT, behaviour == LATE, behaviour == PARTIAL],
        [
            issued + _days(rng.uniform(0, terms)),
            due + _days(1 + rng.exponential(18, n)),
            due + _days(rng.uniform(-5, 25, n)),
        ],
        default=due + _days(rng.uniform(60, 200, n)),
    )
    share = np.where(behaviour == PARTIAL, rng.uniform(0.3, 0.8, n), 1.0)
    first_cents = np.maximum(np.round(sales["cents"] * share).astype(np.int64), 1)
    first_cents = np.minimum(first_cents, sales["cents"])
    rest_cents = sales["cents"] - first_cents
    rest_at = due + _days(rng.uniform(30, 400, n))
    never = (behaviour == DEFAULTER) & (rng.random(n) < NEVER_PAID_SHARE)
    first_paid = (first_at < today) & ~never
    rest_paid = first_paid & (rest_cents > 0) & (rest_at < today)
    paid_cents = np.where(first_paid, first_cents, 0) + np.where(rest_paid, rest_cents, 0)

    first_invoice = next_id(Invoice)
    first_number = int(next_invoice_number()[3:])
    invoice_id = first_invoice + np.arange(n)
    invoices = {
        "id": invoice_id,
        "number": np.array([f"INV{first_number + i:08d}" for i in range(n)], dtype=object),
        "customer": sales["customer"],
        "order": sales["order"],
        "issued_on": issued,
        "due_on": due,
        "payment_terms_days": terms,
        "amount": sales["cents"] / 100,
        "status": np.where(
            paid_cents >= sales["cents"], Invoice.Status.PAID, Invoice.Status.OPEN
        ).astype(object),
        "paid_amount": paid_cents / 100,
        "notes": np.full(n, "", dtype=object),
        "created_at": issued.astype("datetime64[s]"),
    }
    pay_invoice = np.concatenate([invoice_id[first_paid], invoice_id[rest_paid]])
    pay_on = np.concatenate([first_at[first_paid], rest_at[rest_paid]])
    order = np.lexsort((pay_invoice, pay_on))
    n_payments = pay_invoice.size
    method = METHODS[rng.choice(METHODS.size, n_payments, p=METHOD_WEIGHTS)]
    payment_id = next_id(Payment) + np.arange(n_payments)
    payments = {
        "id": payment_id,
        "invoice": pay_invoice[order],
        "customer": np.concatenate([sales["customer"][first_paid], sales["customer"][rest_paid]])[
            order
        ],
        "paid_on": pay_on[order],
        "amount": np.concatenate([first_cents[first_paid], rest_cents[rest_paid]])[order] / 100,
        "method": method.astype(object),
        "reference": np.array([f"TX{i:09d}" for i in payment_id.tolist()], dtype=object),
        "created_at": pay_on[order].astype("datetime64[s]"),
    }
    taken = set(PaymentTerms.objects.values_list("customer_id", flat=True))
    new_terms = own & ~np.isin(customers, np.array(sorted(taken), dtype=np.int64))
    terms_columns = {
        "id": next_id(PaymentTerms) + np.arange(int(new_terms.sum())),
        "customer": customers[new_terms],
        "days": customer_terms[new_terms],
    }
    return BillingPlan(terms_columns, invoices, payments)


def add_invoices(today: date | None = None, seed: int = 7) -> dict[str, int]:
    """Invoice the demo's sales not invoiced yet and record their payments; returns how
    many payment terms, invoices and payments were written."""
    end = today or timezone.localdate()
    sales = _uninvoiced_sales(end)
    if not sales:
        return {"payment_terms": 0, "invoices": 0, "payments": 0}
    plan = plan_billing(sales, end, np.random.default_rng(seed + 14))
    with BulkWriter([PaymentTerms, Invoice, Payment]) as writer:
        return {
            "payment_terms": writer.write(PaymentTerms, plan.terms),
            "invoices": writer.write(Invoice, plan.invoices),
            "payments": writer.write(Payment, plan.payments),
        }
