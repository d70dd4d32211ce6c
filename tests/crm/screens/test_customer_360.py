"""The 360 page's timeline (interactions, orders, returns) and activities, and logging
an interaction on it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kehu.crm.customers.actions import add_contact
from kehu.crm.engagement.actions import log_interaction
from kehu.crm.engagement.models import Interaction
from kehu.crm.sales import actions as sales_actions

pytestmark = pytest.mark.django_db


def test_timeline_shows_direction_duration_and_contact(admin_user, make_customer, client_for):
    customer = make_customer()
    li = add_contact(customer, name="Li Na")
    log_interaction(
        customer,
        by=admin_user,
        channel="phone",
        direction="inbound",
        subject="Asked about prices",
        contact=li,
        duration_minutes=12,
    )
    page = client_for(admin_user).get(customer.get_absolute_url()).text
    assert "Inbound" in page and "with Li Na" in page and "12 minutes" in page


def test_a_cancelled_return_shows_as_cancelled_not_as_a_refund(
    admin_user, make_customer, make_order, client_for
):
    customer = make_customer()
    sale = make_order(customer, amount="30.00")
    returned = sales_actions.create_order(
        customer,
        [{"product": sale.lines.get().product, "quantity": 1}],
        kind="return",
        original_order=sale,
    )
    sales_actions.set_order_status(returned, "cancelled")
    response = client_for(admin_user).get(customer.get_absolute_url())
    entry = next(e for e in response.context["timeline"] if returned.number in e.title)
    assert entry.cancelled
    page = response.text
    start = page.index(f">Return {returned.number}<")
    item = page[page.rindex("<li", 0, start) : page.index("</li>", start)]
    assert "cancelled" in item and "-30.00" not in item


def test_an_interaction_in_the_future_needs_a_confirmation(admin_user, make_customer, client_for):
    customer = make_customer()
    data = {
        "channel": "phone",
        "direction": "outbound",
        "subject": "Call",
        "occurred_at": "2099-01-01T10:00",
    }
    c = client_for(admin_user)
    response = c.post(reverse("engagement:log", args=[customer.pk]), data)
    assert response.status_code == 422 and not Interaction.objects.exists()
    c.post(reverse("engagement:log", args=[customer.pk]), {**data, "confirm_dates": "on"})
    assert Interaction.objects.get().occurred_at.year == 2099


def test_the_360_page_lists_open_activities_first_with_working_done_buttons(
    admin_user, make_customer, client_for
):
    customer = make_customer()
    now = timezone.now()
    done = sales_actions.create_activity(
        owner=admin_user, customer=customer, subject="Old call", due_at=now - timedelta(days=9)
    )
    sales_actions.complete_activity(done)
    later = sales_actions.create_activity(
        owner=admin_user, customer=customer, subject="Visit", due_at=now + timedelta(days=5)
    )
    sooner = sales_actions.create_activity(
        owner=admin_user, customer=customer, subject="Call back", due_at=now + timedelta(days=1)
    )
    c = client_for(admin_user)
    response = c.get(customer.get_absolute_url())
    assert [a.subject for a in response.context["activities"]] == ["Call back", "Visit", "Old call"]
    assert response.context["n_open_activities"] == 2
    assert reverse("sales:activity_complete", args=[sooner.pk]) in response.text

    row = c.post(
        reverse("sales:activity_complete", args=[sooner.pk]),
        {"compact": "1", "next": customer.get_absolute_url()},
        HTTP_HX_REQUEST="true",
    )
    assert row.status_code == 200 and "Reopen" in row.text
    sooner.refresh_from_db()
    assert sooner.completed_at is not None and later.completed_at is None
