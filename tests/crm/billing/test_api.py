"""Invoices and payments over the REST API: list, get, create (of an order or for an
amount), record a payment, void; balances and the aged report; 4xx on bad input."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from tests.crm.api.client import error_fields

from kehu.crm.billing import actions
from kehu.crm.billing.models import Invoice, Payment

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def acme(make_customer, sales_user):
    return make_customer("Acme", owner=sales_user)


def test_invoice_an_order_then_pay_it_in_two_parts(api_for, sales_user, acme, make_order):
    order = make_order(acme, "120.00")
    api = api_for(sales_user)
    created = api.post("/invoices", {"order_id": order.pk, "issued_on": "2026-04-01"})
    assert created.status_code == 201
    invoice = created.json()
    assert (invoice["amount"], invoice["due_on"], invoice["status"]) == (
        "120.00",
        "2026-05-01",
        "open",
    )
    assert invoice["customer_id"] == acme.pk and invoice["order_id"] == order.pk
    paid = api.post(
        f"/invoices/{invoice['id']}/payments", {"amount": "20", "method": "card", "reference": "A1"}
    )
    assert paid.status_code == 201
    assert (paid.json()["paid_amount"], paid.json()["open_amount"]) == ("20.00", "100.00")
    too_much = api.post(f"/invoices/{invoice['id']}/payments", {"amount": "150"})
    assert too_much.status_code == 422
    assert error_fields(too_much) == {"amount": "overpayment"}
    assert "100.00 left to pay" in too_much.json()["errors"][0]["message"]
    rest = api.post(f"/invoices/{invoice['id']}/payments", {"amount": "100"})
    assert rest.json()["status"] == "paid" and len(rest.json()["payments"]) == 2
    assert api.get(f"/invoices/{invoice['id']}").json() == rest.json()
    listed = api.get("/payments", {"invoice_id": invoice["id"]}).json()
    assert listed["count"] == 2 and {p["amount"] for p in listed["items"]} == {"20.00", "100.00"}
    one = api.get(f"/payments/{listed['items'][0]['id']}")
    assert one.status_code == 200 and one.json()["invoice_number"] == invoice["number"]


def test_an_invoice_for_an_amount_and_the_balance(api_for, admin_user, acme):
    today = timezone.localdate()
    api = api_for(admin_user)
    body = {
        "customer_id": acme.pk,
        "amount": "75.50",
        "issued_on": (today - timedelta(days=40)).isoformat(),
        "payment_terms_days": 10,
    }
    created = api.post("/invoices", body)
    assert created.status_code == 201
    assert created.json()["due_on"] == (today - timedelta(days=30)).isoformat()
    balance = api.get(f"/balances/{acme.pk}").json()
    assert balance == {
        "customer_id": acme.pk,
        "balance": "75.50",
        "overdue_amount": "75.50",
        "days_overdue": 30,
        "open_invoices": 1,
        "payment_terms_days": 30,
    }
    overdue = api.get("/invoices", {"overdue": True}).json()
    assert [i["number"] for i in overdue["items"]] == [created.json()["number"]]
    aging = api.get("/aging").json()
    assert aging["totals"]["d1_30"] == "75.50" and aging["totals"]["total"] == "75.50"
    assert aging["rows"][0]["customer_name"] == "Acme"
    by_owner = api.get("/aging", {"by": "owner"}).json()
    assert by_owner["rows"][0]["owner"] == "sally"


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"customer_id": "required"}),
        ({"customer_id": 1}, {"amount": "required"}),
        ({"customer_id": 1, "amount": "-3"}, {"amount": "greater_than_equal"}),
        ({"customer_id": 1, "amount": "abc"}, {"amount": "decimal_parsing"}),
        ({"customer_id": 1, "amount": "5", "status": "paid"}, {"status": "invalid_choice"}),
        ({"customer_id": 1, "amount": "5", "colour": "red"}, {"colour": "extra_forbidden"}),
        (
            {"customer_id": 1, "amount": "5", "payment_terms_days": 999},
            {"payment_terms_days": "less_than_equal"},
        ),
        (
            {"customer_id": 1, "amount": "5", "issued_on": "2026-05-02", "due_on": "2026-05-01"},
            {"due_on": "before_issue"},
        ),
        ({"customer_id": 99999, "amount": "5"}, {"customer_id": "does_not_exist"}),
        ({"order_id": 99999}, {"order_id": "does_not_exist"}),
    ],
)
def test_bad_invoices_are_4xx_naming_the_field(api_for, admin_user, acme, body, fields):
    body = {k: (acme.pk if k == "customer_id" and v == 1 else v) for k, v in body.items()}
    response = api_for(admin_user).post("/invoices", body)
    assert response.status_code == 422, response.json()
    assert error_fields(response) == fields
    assert not Invoice.objects.exists()


def test_bad_payments_and_status_changes(api_for, admin_user, acme):
    invoice = actions.create_invoice(acme, amount=D("10"))
    api = api_for(admin_user)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    for body, fields in [
        ({"amount": "0"}, {"amount": "greater_than_equal"}),
        ({"amount": "5", "paid_on": tomorrow}, {"paid_on": "future"}),
        ({"amount": "5", "method": "barter"}, {"method": "literal_error"}),
        ({"amount": "5", "paid_on": "2026-02-30"}, {"paid_on": "date_from_datetime_parsing"}),
    ]:
        response = api.post(f"/invoices/{invoice.pk}/payments", body)
        assert response.status_code == 422 and error_fields(response) == fields, body
    assert api.post("/invoices/999999/payments", {"amount": "5"}).status_code == 404
    api.post(f"/invoices/{invoice.pk}/payments", {"amount": "5"})
    refused = api.post(f"/invoices/{invoice.pk}/status", {"action": "void"})
    assert refused.status_code == 422 and error_fields(refused) == {"status": "has_payments"}
    assert api.get("/aging", {"by": "region"}).status_code == 422
    assert api.get("/aging", {"as_of": "yesterday"}).status_code == 422


def test_a_sales_user_reaches_only_their_customers_invoices(
    api_for, make_user, make_customer, sales_user, acme
):
    other = make_customer("Other", owner=make_user("sales", username="steve"))
    mine = actions.create_invoice(acme, amount=D("10"))
    theirs = actions.create_invoice(other, amount=D("20"))
    actions.record_payment(theirs, amount=D("5"))
    api = api_for(sales_user)
    assert [i["id"] for i in api.get("/invoices").json()["items"]] == [mine.pk]
    assert api.get(f"/invoices/{theirs.pk}").status_code == 404
    assert api.post(f"/invoices/{theirs.pk}/payments", {"amount": "1"}).status_code == 404
    assert api.get("/payments").json()["count"] == 0
    assert api.get(f"/payments/{Payment.objects.get().pk}").status_code == 404
    assert api.get(f"/balances/{other.pk}").status_code == 422
    created = api.post("/invoices", {"customer_id": other.pk, "amount": "1"})
    assert error_fields(created) == {"customer_id": "does_not_exist"}
    assert api.get("/aging").json()["totals"]["total"] == "10.00"


def test_users_without_the_permission_get_403(api_for, make_user, acme):
    marketer = api_for(make_user("marketing"))
    assert marketer.get("/invoices").status_code == 403
    assert marketer.post("/invoices", {"customer_id": acme.pk, "amount": "1"}).status_code == 403
