"""`kehu import` of invoices and payments: due dates from terms, every row accounted for
(imported, merged or quarantined with a reason), paid amounts recounted from payments."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from click.testing import CliRunner
from django.utils import timezone

from kehu.cli import main
from kehu.crm.billing import actions, queries
from kehu.crm.billing.models import Invoice, Payment

pytestmark = pytest.mark.django_db
D = Decimal


def _import(tmp_path, entity, text, *args):
    path = tmp_path / f"{entity}.csv"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(
        main, ["import", str(path), "--entity", entity, *args], catch_exceptions=False
    )
    return result, result.output.splitlines()[-1]


@pytest.fixture
def acme(make_customer):
    customer = make_customer("Acme", external_id="K001")
    actions.set_payment_terms(customer, days=14)
    return customer


INVOICES = """invoice_number,customer_id,order,invoice_date,due_date,terms,amount,status
INV-1,K001,,2026-03-01,,,100.00,
INV-2,K001,,2026-03-01,,45,200.00,open
INV-3,K001,,2026-03-01,2026-04-10,,300.00,unpaid
INV-4,K001,{order},2026-03-05,,,{total},open
INV-5,K001,,2026-03-01,,,50,paid
INV-6,K404,,2026-03-01,,,10,open
INV-7,K001,,2026-03-10,2026-03-01,,10,open
INV-8,K001,,2026-03-01,2026-03-10,30,10,open
INV-9,K001,,2026-03-01,,,-5,open
INV-10,K001,,not a date,,,10,open
INV-11,K001,{order},2026-03-06,,,10,open
INV-12,K001,,2026-03-01,,,10,settled
INV-1,K001,,2026-03-01,,,100.00,
"""


def test_invoices_take_their_due_dates_and_bad_rows_are_quarantined(tmp_path, acme, make_order):
    order = make_order(acme, "80.00")
    text = INVOICES.format(order=order.number, total="80.00")
    result, last = _import(tmp_path, "invoices", text)
    assert result.exit_code == 0, result.output
    assert last == "rows=13 imported=5 merged=1 quarantined=7"
    output = result.output
    assert 'Customer: no customer "K404" in the CRM' in output
    assert 'due date "2026-03-01" is before the issue date "2026-03-10"' in output
    assert "is not the issue date plus the payment terms (30 days)" in output
    assert "Amount: -5 is below 0.01" in output
    assert 'Issued on: "not a date" is not a date' in output
    assert f'order "{order.number}" is invoiced already, by invoice INV-4' in output
    assert 'Status: "settled" is not one of: draft, open, paid, void' in output
    due = dict(Invoice.objects.values_list("number", "due_on"))
    assert due == {
        "INV-1": date(2026, 3, 15),  # the customer's 14 days
        "INV-2": date(2026, 4, 15),  # 45 days given
        "INV-3": date(2026, 4, 10),
        "INV-4": date(2026, 3, 19),
        "INV-5": date(2026, 3, 15),
    }
    paid = Invoice.objects.get(number="INV-5")
    assert (paid.status, paid.paid_amount) == ("paid", D("50"))
    assert Invoice.objects.get(number="INV-3").payment_terms_days == 40

    _, again = _import(tmp_path, "invoices", text)
    assert again == "rows=13 imported=0 merged=6 quarantined=7"
    assert Invoice.objects.count() == 5


def test_an_order_invoiced_already_or_of_another_customer_is_quarantined(
    tmp_path, acme, make_order, make_customer
):
    order = make_order(acme, "80.00")
    existing = actions.invoice_order(order)
    other = make_order(make_customer("Other"), "10.00")
    text = (
        "invoice,customer,order,date,amount\n"
        f"X-1,K001,{order.number},2026-03-01,80\n"
        f"X-2,K001,{other.number},2026-03-01,10\n"
    )
    result, last = _import(tmp_path, "invoices", text)
    assert last == "rows=2 imported=0 merged=0 quarantined=2"
    assert f"is invoiced already, by invoice {existing.number}" in result.output
    assert f'order "{other.number}" is an order of another customer' in result.output


def test_payments_recount_their_invoices(tmp_path, acme):
    today = timezone.localdate()
    first = actions.create_invoice(acme, amount=D("100"), number="INV-1")
    second = actions.create_invoice(acme, amount=D("40"), number="INV-2")
    void = actions.void_invoice(actions.create_invoice(acme, amount=D("9"), number="INV-V"))
    tomorrow = (today + timedelta(days=3)).isoformat()
    text = (
        "payment_id,invoice,payment_date,amount,method,reference\n"
        "P1,INV-1,2026-03-02,30,card,A\n"
        "P2,INV-1,2026-03-09,20,bank,B\n"
        "P3,INV-2,2026-03-09,40,cash,C\n"
        "P4,INV-404,2026-03-09,40,cash,\n"
        f"P5,INV-V,2026-03-09,9,cash,\n"
        f"P6,INV-1,{tomorrow},1,cash,\n"
        "P7,INV-1,2026-03-09,0,cash,\n"
        "P8,INV-1,2026-03-09,5,barter,\n"
        "P1,INV-1,2026-03-02,30,card,A\n"
    )
    result, last = _import(tmp_path, "payments", text)
    assert result.exit_code == 0, result.output
    assert last == "rows=9 imported=3 merged=1 quarantined=5"
    assert 'no invoice "INV-404" in the CRM' in result.output
    assert 'invoice "INV-V" is a draft or void' in result.output
    assert "is in the future" in result.output
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.paid_amount, first.status) == (D("50"), "open")
    assert (second.paid_amount, second.status) == (D("40"), "paid")
    assert set(Payment.objects.values_list("customer_id", flat=True)) == {acme.pk}
    assert queries.balance_of(acme).balance == D("50")
    assert void.paid_amount == 0

    _, again = _import(tmp_path, "payments", text)
    assert again == "rows=9 imported=0 merged=4 quarantined=5"
    first.refresh_from_db()
    assert first.paid_amount == D("50")
