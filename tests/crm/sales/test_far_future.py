"""A far-future date (2099 typed for 2026) needs an explicit confirmation."""

from __future__ import annotations

import pytest
from django.urls import reverse
from tests.crm.sales.test_views_orders import order_post

from kehu.crm.sales.models import Activity, Opportunity, Order

pytestmark = pytest.mark.django_db


def test_order_dated_2099_needs_a_confirmation(admin_user, make_customer, make_product, client_for):
    c = client_for(admin_user)
    data = order_post(
        make_customer(),
        [{"product": make_product().pk, "quantity": "1"}],
        ordered_at="2099-01-05T10:00",
    )
    response = c.post(reverse("sales:order_create"), data)
    assert response.status_code == 422
    assert response.context["form"].errors.as_data()["ordered_at"][0].code == "far_future"
    assert "Is that a typo?" in response.text
    assert 'type="checkbox" name="confirm_dates"' in response.text
    assert not Order.objects.exists()

    response = c.post(reverse("sales:order_create"), {**data, "confirm_dates": "on"})
    assert response.status_code == 302
    assert Order.objects.get().ordered_at.year == 2099


def test_an_ordinary_order_date_asks_nothing(admin_user, make_customer, make_product, client_for):
    data = order_post(make_customer(), [{"product": make_product().pk, "quantity": "1"}])
    response = client_for(admin_user).get(reverse("sales:order_create"))
    assert 'type="checkbox" name="confirm_dates"' not in response.text
    assert client_for(admin_user).post(reverse("sales:order_create"), data).status_code == 302


def test_activity_due_and_opportunity_close_in_2099_need_a_confirmation(
    admin_user, make_customer, client_for
):
    customer = make_customer()
    c = client_for(admin_user)
    activity = {"kind": "call", "subject": "Call back", "due_at": "2099-02-01T09:00"}
    assert c.post(reverse("sales:activity_create"), activity).status_code == 200
    assert not Activity.objects.exists()
    c.post(reverse("sales:activity_create"), {**activity, "confirm_dates": "on"})
    assert Activity.objects.get().due_at.year == 2099

    deal = {
        "name": "Deal",
        "customer": customer.pk,
        "stage": "qualification",
        "amount": "10",
        "expected_close_date": "2099-03-01",
    }
    response = c.post(reverse("sales:opportunity_create"), deal)
    assert response.context["form"].errors.as_data()["expected_close_date"][0].code == "far_future"
    assert (
        c.post(reverse("sales:opportunity_create"), {**deal, "confirm_dates": "on"}).status_code
        == 302
    )
    assert Opportunity.objects.get().expected_close_date.year == 2099
