"""The customer's balance and overdue amount on the 360 page."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from kehu.crm.billing import actions

pytestmark = pytest.mark.django_db


def test_the_360_page_shows_balance_and_overdue_amount(make_user, make_customer, client_for):
    today = timezone.localdate()
    seller = make_user("sales", username="sally")
    customer = make_customer("Acme", owner=seller)
    late = actions.create_invoice(
        customer,
        amount=Decimal("1200"),
        issued_on=today - timedelta(days=52),
        payment_terms_days=30,
    )
    actions.record_payment(late, amount=Decimal("200"))
    actions.create_invoice(customer, amount=Decimal("34.50"), issued_on=today)
    actions.set_payment_terms(customer, days=45)
    page = client_for(seller).get(reverse("customers:detail", args=[customer.pk]))
    receivables = page.context["receivables"]
    assert (receivables.balance, receivables.overdue_amount, receivables.days_overdue) == (
        Decimal("1034.50"),
        Decimal("1000"),
        22,
    )
    html = page.content.decode()
    assert 'id="receivables-balance">1,034.50' in html
    assert "1,000.00" in html and "oldest 22 days past due" in html and "45 days" in html
    chinese = client_for(make_user("admin", language="zh-hans")).get(
        reverse("customers:detail", args=[customer.pk])
    )
    assert "应收账款" in chinese.content.decode() and "最早逾期 22 天" in chinese.content.decode()


def test_users_who_may_not_read_invoices_see_no_receivables(make_user, make_customer, client_for):
    customer = make_customer("Acme")
    page = client_for(make_user("marketing")).get(reverse("customers:detail", args=[customer.pk]))
    assert page.status_code == 200 and 'id="receivables"' not in page.content.decode()
