"""Merging duplicate customers moves their invoices and payments to the one kept, so the
balance follows; the one kept keeps its own payment terms."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kehu.crm.billing import actions, queries
from kehu.crm.billing.models import Invoice, Payment
from kehu.crm.integration.merge import merge_customers

pytestmark = pytest.mark.django_db


def test_a_merge_moves_invoices_payments_and_the_balance(make_customer):
    kept, merged = make_customer("Acme Ltd"), make_customer("ACME Limited")
    actions.set_payment_terms(kept, days=14)
    actions.set_payment_terms(merged, days=60)
    invoice = actions.create_invoice(merged, amount=Decimal("90"))
    actions.record_payment(invoice, amount=Decimal("40"))
    actions.create_invoice(kept, amount=Decimal("10"))
    merge_customers(kept, merged)
    assert set(Invoice.objects.values_list("customer_id", flat=True)) == {kept.pk}
    assert set(Payment.objects.values_list("customer_id", flat=True)) == {kept.pk}
    assert queries.balance_of(kept).balance == Decimal("60")
    assert queries.payment_terms_of(kept) == 14
