"""The invoice list, the invoice page with its payment form, invoicing an order, payment
terms and the aged receivables report with its chart and CSV."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from kehu.crm.billing import actions
from kehu.crm.billing.models import Invoice

pytestmark = pytest.mark.django_db
D = Decimal


def rows(response):
    return list(response.context["page"].object_list)


def csv_text(response):
    return b"".join(response.streaming_content).decode("utf-8-sig")


@pytest.fixture
def world(make_user, make_customer):
    """Sally's customer owes a late invoice and a current one; Steve's one invoice."""
    today = timezone.localdate()
    sally, steve = make_user("sales", username="sally"), make_user("sales", username="steve")
    mine, theirs = make_customer("Mine Co", owner=sally), make_customer("Theirs Co", owner=steve)
    late = actions.create_invoice(
        mine, amount=D("100"), issued_on=today - timedelta(days=45), payment_terms_days=30
    )
    current = actions.create_invoice(mine, amount=D("40"), issued_on=today)
    other = actions.create_invoice(theirs, amount=D("999"), issued_on=today - timedelta(days=1))
    return {
        "sally": sally,
        "steve": steve,
        "mine": mine,
        "theirs": theirs,
        "late": late,
        "current": current,
        "other": other,
    }


def test_a_sales_user_sees_only_the_invoices_of_their_customers(world, client_for):
    c = client_for(world["sally"])
    listed = rows(c.get(reverse("billing:invoice_list")))
    assert {i.pk for i in listed} == {world["late"].pk, world["current"].pk}
    assert c.get(reverse("billing:invoice_detail", args=[world["other"].pk])).status_code == 404
    export = csv_text(c.get(reverse("billing:invoice_export")))
    assert world["late"].number in export and world["other"].number not in export
    pay = c.post(reverse("billing:invoice_pay", args=[world["other"].pk]), {"amount": "1"})
    assert pay.status_code == 404


def test_the_invoice_list_filters_and_sorts(world, admin_user, client_for):
    c = client_for(admin_user)
    url = reverse("billing:invoice_list")
    assert [i.pk for i in rows(c.get(url, {"overdue": "1"}))] == [world["late"].pk]
    assert [i.pk for i in rows(c.get(url, {"age": "d1_30"}))] == [world["late"].pk]
    by_amount = rows(c.get(url, {"sort": "-amount"}))
    assert [i.amount for i in by_amount] == [D("999"), D("100"), D("40")]
    owner = rows(c.get(url, {"owner": world["steve"].pk}))
    assert [i.pk for i in owner] == [world["other"].pk]
    assert {i.pk for i in rows(c.get(url, {"customer": world["mine"].pk}))} == {
        world["late"].pk,
        world["current"].pk,
    }
    page = c.get(url, {"q": world["late"].number})
    assert [i.pk for i in rows(page)] == [world["late"].pk]
    assert page.context["totals"] == {"n": 1, "invoiced": D("100"), "open": D("100")}
    assert c.get(url, {"status": "bogus"}).status_code == 400
    assert c.get(url, {"age": "d5_10"}).status_code == 400


def test_the_list_costs_the_same_queries_for_more_rows(
    world, admin_user, client_for, django_assert_max_num_queries, make_customer
):
    c = client_for(admin_user)
    c.get(reverse("billing:invoice_list"))
    for n in range(20):
        actions.create_invoice(make_customer(f"More {n}"), amount=D("5"))
    with django_assert_max_num_queries(12):
        c.get(reverse("billing:invoice_list"))


def test_a_partial_payment_on_the_invoice_page(world, client_for):
    c = client_for(world["sally"])
    url = reverse("billing:invoice_pay", args=[world["late"].pk])
    today = timezone.localdate().isoformat()
    response = c.post(url, {"amount": "30", "paid_on": today, "method": "card", "reference": "R7"})
    assert response.status_code == 302
    world["late"].refresh_from_db()
    assert (world["late"].paid_amount, world["late"].status) == (D("30"), "open")
    page = c.get(reverse("billing:invoice_detail", args=[world["late"].pk]))
    assert b"R7" in page.content and page.context["form"].initial["amount"] == D("70")


def test_an_overpayment_is_refused_on_the_form_with_what_is_left(world, client_for):
    c = client_for(world["sally"])
    url = reverse("billing:invoice_pay", args=[world["late"].pk])
    today = timezone.localdate().isoformat()
    response = c.post(url, {"amount": "150", "paid_on": today, "method": "cash"})
    assert response.status_code == 422
    assert "100.00 left to pay" in str(response.context["form"].errors["amount"])
    assert not world["late"].payments.exists()
    confirmed = c.post(
        url, {"amount": "150", "paid_on": today, "method": "cash", "overpayment": "on"}
    )
    assert confirmed.status_code == 302
    world["late"].refresh_from_db()
    assert world["late"].status == Invoice.Status.PAID


def test_invoicing_an_order_from_the_form(world, make_order, client_for):
    order = make_order(world["mine"], "80.00")
    c = client_for(world["sally"])
    url = reverse("billing:invoice_order")
    today = timezone.localdate().isoformat()
    response = c.post(url, {"order_number": order.number, "issued_on": today})
    invoice = Invoice.objects.get(order=order)
    assert response.status_code == 302 and response["Location"] == invoice.get_absolute_url()
    again = c.post(url, {"order_number": order.number, "issued_on": today})
    assert again.status_code == 422
    assert "invoiced already" in str(again.context["form"].errors["order_number"])
    theirs = make_order(world["theirs"])
    hidden = c.post(url, {"order_number": theirs.number, "issued_on": today})
    assert hidden.status_code == 422 and "order_number" in hidden.context["form"].errors


def test_voiding_and_payment_terms(world, admin_user, client_for):
    c = client_for(admin_user)
    c.post(reverse("billing:invoice_status", args=[world["current"].pk]), {"do": "void"})
    world["current"].refresh_from_db()
    assert world["current"].status == "void"
    c.post(reverse("billing:payment_terms", args=[world["mine"].pk]), {"days": "14"})
    assert actions.payment_terms_of(world["mine"]) == 14
    seller = client_for(world["sally"])
    denied = seller.post(reverse("billing:payment_terms", args=[world["mine"].pk]), {"days": "1"})
    assert denied.status_code == 403


def test_the_aged_report_page_in_english_and_chinese(world, admin_user, make_user, client_for):
    response = client_for(admin_user).get(reverse("billing:aging"))
    assert response.status_code == 200
    totals = response.context["totals"]
    assert (totals["current"], totals["d1_30"], totals["total"]) == (D("1039"), D("100"), D("1139"))
    html = response.content.decode()
    assert 'data-chart="aged-receivables"' in html and "1-30 days" in html
    owners = client_for(admin_user).get(reverse("billing:aging"), {"by": "owner"})
    assert [(r["customer__owner__username"], r["total"]) for r in rows(owners)] == [
        ("steve", D("999")),
        ("sally", D("140")),
    ]
    chinese = client_for(make_user("admin", language="zh-hans")).get(reverse("billing:aging"))
    text = chinese.content.decode()
    assert "账龄" in text and "1-30 天" in text and "超过 90 天" in text
    assert (
        client_for(admin_user).get(reverse("billing:aging"), {"as_of": "2026-02-30"}).status_code
        == 400
    )


def test_the_aged_report_csv_is_the_rows_shown(world, client_for):
    text = csv_text(client_for(world["sally"]).get(reverse("billing:aging_export")))
    lines = text.strip().splitlines()
    assert lines[0] == "customer_code,customer,owner,current,d1_30,d31_60,d61_90,over_90,total"
    assert len(lines) == 2 and "Mine Co" in lines[1] and lines[1].endswith(",140.00")


def test_issuing_a_draft_and_removing_a_payment(world, admin_user, client_for):
    c = client_for(admin_user)
    draft = actions.create_invoice(world["mine"], amount=D("70"), status="draft")
    c.post(reverse("billing:invoice_status", args=[draft.pk]), {"do": "issue"})
    draft.refresh_from_db()
    assert draft.status == "open"
    payment = actions.record_payment(draft, amount=D("70"))
    draft.refresh_from_db()
    assert draft.status == "paid"
    seller = client_for(world["sally"])
    denied = seller.post(reverse("billing:payment_remove", args=[payment.pk]))
    assert denied.status_code == 403
    response = c.post(reverse("billing:payment_remove", args=[payment.pk]))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.status, draft.paid_amount) == ("open", D("0"))
    refused = c.post(reverse("billing:invoice_status", args=[draft.pk]), {"do": "issue"})
    assert refused.status_code == 302  # the message says only a draft is issued
    draft.refresh_from_db()
    assert draft.status == "open"


def test_the_owner_filter_offers_the_users_who_own_customers(world, admin_user, client_for):
    page = client_for(admin_user).get(reverse("billing:invoice_list"))
    assert [u.username for u in page.context["owners"]] == ["sally", "steve"]
    assert client_for(world["sally"]).get(reverse("billing:invoice_list")).context["owners"] == []


def test_the_order_page_offers_its_invoice_or_to_invoice_it(world, make_order, client_for):
    order = make_order(world["mine"], "80.00")
    client = client_for(world["sally"])
    page = client.get(reverse("sales:order_detail", args=[order.pk])).content.decode()
    assert f"/billing/invoices/new/?order={order.number}" in page

    invoice = actions.invoice_order(order)
    page = client.get(reverse("sales:order_detail", args=[order.pk])).content.decode()
    assert reverse("billing:invoice_detail", args=[invoice.pk]) in page
    assert 'id="invoice-order"' not in page

    actions.void_invoice(invoice)
    page = client.get(reverse("sales:order_detail", args=[order.pk])).content.decode()
    assert reverse("billing:invoice_detail", args=[invoice.pk]) not in page
    assert 'id="invoice-order"' in page
