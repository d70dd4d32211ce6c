"""The demo invoices its sales and records their payments: most paid on time, some late,
some partly, some overdue; the paid amounts agree with the payments."""

from __future__ import annotations

from datetime import date

import pytest
from django.db.models import Count, F, Q, Sum

from kehu.crm.billing import queries
from kehu.crm.billing.models import Invoice, Payment, PaymentTerms
from kehu.crm.demo.billing import add_invoices
from kehu.crm.demo.load import load_demo
from kehu.crm.sales.models import Order

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 30)


def test_the_demo_invoices_its_sales_and_records_payments(admin_user):
    counts = load_demo(n_customers=400, seed=3, today=TODAY)
    sales = Order.objects.filter(
        kind="sale", status__in=("confirmed", "shipped", "completed"), total_amount__gt=0
    )
    assert counts["invoices"] == sales.count() == Invoice.objects.count()
    assert counts["payments"] == Payment.objects.count() > 0
    assert counts["payment_terms"] == PaymentTerms.objects.count() > 0
    assert not Invoice.objects.exclude(amount=F("order__total_amount")).exists()
    assert not Payment.objects.filter(paid_on__gte=TODAY).exists()
    assert not Invoice.objects.filter(due_on__lt=F("issued_on")).exists()
    # the paid amount of every invoice is the sum of its payments
    sums = Invoice.objects.annotate(paid=Sum("payments__amount"))
    assert all(
        queries.cents(paid) == stored for stored, paid in sums.values_list("paid_amount", "paid")
    )
    assert not Payment.objects.exclude(customer=F("invoice__customer")).exists()

    by_state = Invoice.objects.aggregate(
        paid=Count("pk", filter=Q(status="paid")),
        overdue=Count("pk", filter=Q(status="open", due_on__lt=TODAY)),
        partial=Count("pk", filter=Q(status="open", paid_amount__gt=0)),
        late=Count("pk", filter=Q(status="paid", payments__paid_on__gt=F("due_on"))),
    )
    assert by_state["paid"] > 0.7 * counts["invoices"]
    assert by_state["overdue"] > 0 and by_state["partial"] > 0 and by_state["late"] > 0
    totals = queries.aging_totals(admin_user, TODAY)
    assert totals["current"] > 0 and totals["over_90"] > 0
    assert totals["d1_30"] + totals["d31_60"] + totals["d61_90"] > 0

    assert add_invoices(TODAY) == {"payment_terms": 0, "invoices": 0, "payments": 0}
