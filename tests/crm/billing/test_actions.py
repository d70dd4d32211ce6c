"""Invoices of orders, payments (partial, full, too much), voiding, payment terms and the
balances the payment actions keep."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kehu.crm.billing import actions, queries
from kehu.crm.billing.models import Invoice

pytestmark = pytest.mark.django_db
D = Decimal


def _codes(error: ValidationError) -> dict[str, str]:
    return {field: errors[0].code for field, errors in error.error_dict.items()}


@pytest.fixture
def acme(make_customer):
    return make_customer("Acme")


def test_an_order_is_invoiced_for_its_total_due_after_the_default_terms(acme, make_order):
    order = make_order(acme, "250.00")
    invoice = actions.invoice_order(order, issued_on=date(2026, 5, 1))
    assert (invoice.number, invoice.customer, invoice.amount) == ("INV00000001", acme, D("250"))
    assert (invoice.payment_terms_days, invoice.due_on) == (30, date(2026, 5, 31))
    assert invoice.status == Invoice.Status.OPEN and invoice.order == order


def test_the_customer_payment_terms_set_the_due_date(acme, make_order):
    actions.set_payment_terms(acme, days=14)
    invoice = actions.invoice_order(make_order(acme), issued_on=date(2026, 5, 1))
    assert (invoice.payment_terms_days, invoice.due_on) == (14, date(2026, 5, 15))
    actions.set_payment_terms(acme, days=None)
    assert actions.payment_terms_of(acme) == 30
    with pytest.raises(ValidationError) as e:
        actions.set_payment_terms(acme, days=400)
    assert _codes(e.value) == {"days": "out_of_range"}


def test_an_order_is_invoiced_once_until_its_invoice_is_voided(acme, make_order):
    order = make_order(acme)
    first = actions.invoice_order(order)
    with pytest.raises(ValidationError) as e:
        actions.invoice_order(order)
    assert _codes(e.value) == {"order": "invoiced"}
    assert first.number in e.value.messages[0]
    actions.void_invoice(first)
    assert actions.invoice_order(order).number == "INV00000002"


def test_returns_and_cancelled_orders_are_not_invoiced(acme, make_order):
    from kehu.crm.sales.actions import set_order_status

    cancelled = make_order(acme)
    set_order_status(cancelled, "cancelled")
    with pytest.raises(ValidationError) as e:
        actions.invoice_order(cancelled)
    assert _codes(e.value) == {"order": "not_invoiceable"}


def test_bad_invoices_are_refused_with_the_field_to_fix(acme):
    cases = [
        ({"amount": D("0")}, {"amount": "min_value"}),
        ({"amount": D("10"), "status": "paid"}, {"status": "invalid_choice"}),
        (
            {"amount": D("10"), "issued_on": date(2026, 5, 2), "due_on": date(2026, 5, 1)},
            {"due_on": "before_issue"},
        ),
        (
            {
                "amount": D("10"),
                "issued_on": date(2026, 5, 1),
                "due_on": date(2026, 5, 10),
                "payment_terms_days": 30,
            },
            {"due_on": "terms_mismatch"},
        ),
        ({"amount": D("10"), "payment_terms_days": 366}, {"payment_terms_days": "out_of_range"}),
    ]
    for fields, codes in cases:
        with pytest.raises(ValidationError) as e:
            actions.create_invoice(acme, **fields)
        assert _codes(e.value) == codes, fields
    actions.create_invoice(acme, amount=D("10"), number="X-1")
    with pytest.raises(ValidationError) as e:
        actions.create_invoice(acme, amount=D("10"), number="X-1")
    assert _codes(e.value) == {"number": "unique"}
    assert Invoice.objects.count() == 1


def test_partial_then_full_payment_marks_the_invoice_paid(acme):
    invoice = actions.create_invoice(acme, amount=D("100"))
    actions.record_payment(invoice, amount=D("30"), method="card", reference="R1")
    invoice.refresh_from_db()
    assert (invoice.paid_amount, invoice.status, invoice.open_amount) == (D("30"), "open", D("70"))
    actions.record_payment(invoice, amount=D("70"))
    invoice.refresh_from_db()
    assert (invoice.paid_amount, invoice.status, invoice.open_amount) == (D("100"), "paid", 0)
    assert invoice.payments.count() == 2
    with pytest.raises(ValidationError) as e:
        actions.record_payment(invoice, amount=D("1"))
    assert _codes(e.value) == {"invoice": "not_open"}


def test_more_than_the_open_amount_needs_the_overpayment_confirmed(acme):
    invoice = actions.create_invoice(acme, amount=D("100"))
    actions.record_payment(invoice, amount=D("60"))
    with pytest.raises(ValidationError) as e:
        actions.record_payment(invoice, amount=D("50"))
    assert _codes(e.value) == {"amount": "overpayment"}
    assert "40.00 left to pay" in e.value.messages[0] and "10.00" in e.value.messages[0]
    actions.record_payment(invoice, amount=D("50"), overpayment=True)
    invoice.refresh_from_db()
    assert (invoice.paid_amount, invoice.status) == (D("110"), "paid")


def test_bad_payments_are_refused(acme):
    invoice = actions.create_invoice(acme, amount=D("100"))
    tomorrow = timezone.localdate() + timedelta(days=1)
    for fields, codes in [
        ({"amount": D("0")}, {"amount": "min_value"}),
        ({"amount": D("-5")}, {"amount": "min_value"}),
        ({"amount": D("5"), "paid_on": tomorrow}, {"paid_on": "future"}),
        ({"amount": D("5"), "method": "barter"}, {"method": "invalid_choice"}),
    ]:
        with pytest.raises(ValidationError) as e:
            actions.record_payment(invoice, **fields)
        assert _codes(e.value) == codes, fields
    draft = actions.create_invoice(acme, amount=D("10"), status="draft")
    with pytest.raises(ValidationError) as e:
        actions.record_payment(draft, amount=D("5"))
    assert _codes(e.value) == {"invoice": "not_open"}
    invoice.refresh_from_db()
    assert invoice.paid_amount == 0 and not invoice.payments.exists()


def test_removing_a_payment_reopens_the_invoice(acme):
    invoice = actions.create_invoice(acme, amount=D("100"))
    payment = actions.record_payment(invoice, amount=D("100"))
    invoice = actions.remove_payment(payment)
    assert (invoice.paid_amount, invoice.status) == (D("0"), "open")


def test_an_invoice_with_payments_is_not_voided(acme):
    invoice = actions.create_invoice(acme, amount=D("100"))
    actions.record_payment(invoice, amount=D("10"))
    with pytest.raises(ValidationError) as e:
        actions.void_invoice(invoice)
    assert _codes(e.value) == {"status": "has_payments"}


def test_a_draft_is_issued_then_owed(acme):
    draft = actions.create_invoice(acme, amount=D("40"), status="draft")
    assert queries.balance_of(acme).balance == 0
    actions.issue_invoice(draft)
    assert queries.balance_of(acme).balance == D("40")
    with pytest.raises(ValidationError):
        actions.issue_invoice(draft)


def test_balances_count_open_amounts_and_what_is_overdue(acme, make_customer):
    today = timezone.localdate()
    other = make_customer("Other")
    late = actions.create_invoice(
        acme, amount=D("100"), issued_on=today - timedelta(days=50), payment_terms_days=30
    )
    actions.record_payment(late, amount=D("25"))
    actions.create_invoice(acme, amount=D("60"), issued_on=today, payment_terms_days=30)
    due_today = actions.create_invoice(other, amount=D("5"), issued_on=today, payment_terms_days=0)
    balance = queries.balance_of(acme)
    assert (balance.balance, balance.overdue_amount, balance.days_overdue) == (
        D("135"),
        D("75"),
        20,
    )
    rows = {r["customer_id"]: r for r in queries.balances()}
    assert (rows[acme.pk]["balance"], rows[acme.pk]["overdue_amount"]) == (D("135"), D("75"))
    assert rows[acme.pk]["oldest_due_on"] == late.due_on
    assert (rows[other.pk]["overdue_amount"], rows[other.pk]["oldest_due_on"]) == (0, None)
    assert due_today.open_amount == D("5")
    from kehu.crm.customers.models import Customer

    annotated = Customer.objects.annotate(**queries.balance_annotations()).order_by("pk")
    assert [(c.name, c.balance, c.overdue_amount) for c in annotated] == [
        ("Acme", D("135"), D("75")),
        ("Other", D("5"), D("0")),
    ]
