"""An automation rule on overdue invoices: the trigger finds open invoices at least N
days past due with enough left to pay, and a rule acts once per invoice."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from kehu.crm.automation import triggers
from kehu.crm.automation.actions import create_rule, run_rule
from kehu.crm.automation.params import clean_params
from kehu.crm.automation.reasons import reason_text
from kehu.crm.billing import actions

pytestmark = pytest.mark.django_db


def _found(params):
    trigger = triggers.TRIGGERS["invoice_overdue"]
    cleaned = clean_params(trigger.params, params, where="trigger_params")
    context = triggers.Context(now=timezone.now())
    return {c.customer_id: c for c in triggers.find("invoice_overdue", cleaned, context)}


def _invoice(customer, amount, days_past_due):
    today = timezone.localdate()
    return actions.create_invoice(
        customer,
        amount=Decimal(amount),
        issued_on=today - timedelta(days=days_past_due + 30),
        payment_terms_days=30,
    )


def test_invoices_overdue_by_n_days_with_enough_left_to_pay(make_user, make_customer):
    late, recent, small, paid = (make_customer(name=n) for n in ("Late", "Recent", "Small", "Paid"))
    invoice = _invoice(late, "1200", 45)
    actions.record_payment(invoice, amount=Decimal("200"))
    _invoice(recent, "500", 29)
    _invoice(small, "20", 60)
    actions.record_payment(_invoice(paid, "90", 60), amount=Decimal("90"))

    found = _found({"overdue_days": 30, "min_open": 100})
    assert list(found) == [late.pk]
    assert found[late.pk].event_key == f"invoice:{invoice.pk}:overdue:30"
    assert reason_text(found[late.pk].reason) == (
        f"Invoice {invoice.number} is 45 days overdue (1,000.00 open)"
    )
    assert set(_found({"overdue_days": 30})) == {late.pk, small.pk}
    assert set(_found({"overdue_days": 1})) == {late.pk, recent.pk, small.pk}


def test_a_rule_on_overdue_invoices_calls_the_owner_once(make_user, make_customer):
    from kehu.crm.sales.models import Activity

    owner = make_user("sales")
    _invoice(make_customer(name="Late", owner=owner), "300", 40)
    rule = create_rule(
        name="Chase payment",
        trigger="invoice_overdue",
        trigger_params={"overdue_days": 30},
        actions=[{"kind": "activity", "activity_kind": "call", "due_days": 1}],
        enabled=True,
    )
    first, second = run_rule(rule), run_rule(rule)
    assert (first.n_acted, second.n_acted, second.n_skipped) == (1, 0, 1)
    assert Activity.objects.get(owner=owner).subject.startswith("Chase payment")
