"""A customer's timeline (kehu.crm.screens.timeline): interactions, orders and tickets
of that customer only, merged newest first and cut at the limit."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from kehu.crm.engagement.actions import log_interaction
from kehu.crm.sales.actions import create_order, set_order_status
from kehu.crm.screens.timeline import customer_timeline, latest_orders
from kehu.crm.service.actions import open_ticket

pytestmark = pytest.mark.django_db


def _day(n: int) -> datetime:
    return datetime(2025, 6, n, 12, 0, tzinfo=UTC)


@pytest.fixture
def busy(make_customer, make_product, sales_user):
    """A customer with a call (day 1), an order (day 2), a ticket (day 3) and an email
    (day 4), and another customer with a call on day 5 that must not show."""
    customer = make_customer("Busy Co")
    tea = make_product(price="7.50")
    log_interaction(customer, by=sales_user, channel="phone", subject="Call", occurred_at=_day(1))
    order = create_order(customer, [{"product": tea, "quantity": 2}], ordered_at=_day(2))
    ticket = open_ticket(customer, subject="Leaking lid", opened_at=_day(3))
    log_interaction(customer, channel="email", subject="Thanks", occurred_at=_day(4))
    log_interaction(
        make_customer("Other Co"), channel="phone", subject="Not theirs", occurred_at=_day(5)
    )
    return customer, order, ticket


def test_entries_of_every_kind_are_merged_newest_first(busy, sales_user):
    customer, order, ticket = busy
    entries = customer_timeline(customer)
    assert [(e.kind, e.at.day) for e in entries] == [
        ("interaction", 4),
        ("ticket", 3),
        ("order", 2),
        ("interaction", 1),
    ]
    call = entries[-1]
    assert (call.title, call.channel, call.by, call.author_id) == (
        "Call",
        "phone",
        str(sales_user),
        sales_user.pk,
    )
    sale = entries[2]
    assert order.number in sale.title and sale.url == order.get_absolute_url()
    assert sale.amount == Decimal("15.00") and not sale.cancelled
    assert "Leaking lid" in entries[1].title and entries[1].url == ticket.get_absolute_url()


def test_the_limit_keeps_the_newest_entries(busy):
    customer, _, _ = busy
    assert [(e.kind, e.at.day) for e in customer_timeline(customer, limit=2)] == [
        ("interaction", 4),
        ("ticket", 3),
    ]


def test_orders_the_caller_already_holds_are_used_as_given(busy):
    customer, order, _ = busy
    assert latest_orders(customer) == [order]
    without_orders = customer_timeline(customer, orders=[], tickets=[])
    assert [e.kind for e in without_orders] == ["interaction", "interaction"]
    assert [e.kind for e in customer_timeline(customer, orders=[order], tickets=[])] == [
        "interaction",
        "order",
        "interaction",
    ]


def test_a_cancelled_order_is_marked_cancelled(busy):
    customer, order, _ = busy
    set_order_status(order, "cancelled")
    entry = next(e for e in customer_timeline(customer) if e.kind == "order")
    assert entry.cancelled and entry.status == "cancelled"


def test_a_campaign_shows_with_what_came_of_it(make_customer, make_product, client_for, make_user):
    from datetime import date, timedelta

    from django.utils import timezone

    from kehu.crm.marketing import actions as marketing
    from kehu.crm.marketing.models import CampaignMember
    from kehu.crm.marketing.sending import send_campaign

    reached = make_customer("Reached Co", address="1 Rue de la Paix, Paris")
    held = make_customer("Held Co", address="2 Long Street, Cape Town")
    unreachable = make_customer("Silent Co")
    campaign = marketing.create_campaign(
        name="Autumn letters",
        goal="win_back",
        channels=["letter"],
        starts_on=date.today(),
        ends_on=date.today() + timedelta(days=20),
        control_share=0.0,
    )
    marketing.enrol(campaign, [reached, unreachable])
    send_campaign(campaign)
    create_order(reached, [{"product": make_product(price="12.00"), "quantity": 1}])
    marketing.refresh_outcomes(campaign)
    # the control group of a second campaign
    control = marketing.create_campaign(
        name="Spring letters",
        goal="retention",
        channels=["letter"],
        starts_on=date.today(),
        ends_on=date.today() + timedelta(days=20),
        control_share=0.5,
    )
    while not marketing.in_control(control.seed, held.pk, 0.5):
        control.seed += 1
    control.save(update_fields=["seed"])
    marketing.enrol(control, [held])
    assert CampaignMember.objects.get(campaign=control).group == "control"

    (entry,) = [e for e in customer_timeline(reached) if e.kind == "campaign"]
    assert entry.title == "Autumn letters" and entry.url == campaign.get_absolute_url()
    assert "sent by Letter" in entry.detail and "ordered 1 times" in entry.detail
    assert "12.00" in entry.detail and entry.at <= timezone.now()
    (held_entry,) = [e for e in customer_timeline(held) if e.kind == "campaign"]
    assert "control group" in held_entry.detail
    (silent,) = [e for e in customer_timeline(unreachable) if e.kind == "campaign"]
    assert silent.detail == "not sent: no address on the campaign's channels"
    page = client_for(make_user("admin")).get(reached.get_absolute_url()).content.decode()
    assert "Autumn letters" in page and "sent by Letter" in page
