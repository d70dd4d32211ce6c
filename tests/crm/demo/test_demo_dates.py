"""Demo data are dated against today: history up to the start of the day, open work
ahead of it, so a demo loaded any day looks current (issue 11: data ended on a fixed
2026-06-30, so every open activity was overdue and "last 30 days" was empty).

The day is pinned (``today=``) where a test needs a fixed calendar; the same seed and
day give the same rows, and another day shifts the same history."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import transaction
from django.db.models import Max, Min
from django.test import override_settings

from kehu.crm.demo.load import load_demo
from kehu.crm.engagement.models import Interaction
from kehu.crm.sales.models import Activity, Opportunity, Order
from kehu.crm.service.models import TechnicianVisit, Ticket, TicketEvent

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TODAY = date(2027, 3, 15)  # not the old fixed end (2026-06-30), nor the real date
START = datetime(2027, 3, 15, tzinfo=UTC)  # TIME_ZONE is UTC in the tests
N_CUSTOMERS = 400


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker) -> Iterator[None]:
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHER),
        transaction.atomic(),
    ):
        load_demo(N_CUSTOMERS, seed=3, today=TODAY)
        yield
        transaction.set_rollback(True)


pytestmark = pytest.mark.django_db


def test_orders_end_yesterday_and_fill_the_last_30_days(demo: None) -> None:
    last = Order.objects.aggregate(m=Max("ordered_at"))["m"]
    assert START - timedelta(days=3) < last < START
    recent = Order.objects.filter(ordered_at__gte=START - timedelta(days=30)).count()
    assert recent >= 0.02 * Order.objects.count()


def test_open_activities_are_mostly_ahead_not_overdue(demo: None) -> None:
    open_ = Activity.objects.filter(completed_at__isnull=True)
    overdue = open_.filter(due_at__lt=START).count()
    ahead = open_.filter(due_at__gte=START)
    assert ahead.count() > 2 * overdue
    assert ahead.aggregate(m=Max("due_at"))["m"] <= START + timedelta(days=28)
    # what is done was done by today
    assert Activity.objects.aggregate(m=Max("completed_at"))["m"] <= START
    assert Activity.objects.aggregate(m=Max("created_at"))["m"] < START


def test_open_deals_mostly_expect_to_close_ahead(demo: None) -> None:
    open_ = Opportunity.objects.filter(stage__in=Opportunity.OPEN_STAGES)
    ahead = open_.filter(expected_close_date__gte=TODAY).count()
    assert ahead >= 0.7 * open_.count() > 0
    closed = Opportunity.objects.exclude(stage__in=Opportunity.OPEN_STAGES)
    assert closed.aggregate(m=Max("closed_at"))["m"] <= START
    assert Opportunity.objects.aggregate(m=Max("created_at"))["m"] <= START


def test_service_history_ends_today_and_pending_visits_are_ahead(demo: None) -> None:
    assert Ticket.objects.aggregate(m=Max("opened_at"))["m"] <= START
    assert Ticket.objects.filter(opened_at__gte=START - timedelta(days=30)).exists()
    assert TicketEvent.objects.aggregate(m=Max("occurred_at"))["m"] <= START
    pending = TechnicianVisit.objects.filter(status=TechnicianVisit.Status.SCHEDULED)
    if pending.exists():
        assert pending.aggregate(m=Min("scheduled_at"))["m"] >= START
    done = TechnicianVisit.objects.filter(status=TechnicianVisit.Status.DONE)
    assert done.aggregate(m=Max("visited_at"))["m"] <= START


def test_interactions_reach_the_last_30_days(demo: None) -> None:
    assert Interaction.objects.aggregate(m=Max("occurred_at"))["m"] <= START
    assert Interaction.objects.filter(occurred_at__gte=START - timedelta(days=30)).exists()
