"""Runs on an empty or tiny CRM (no shared scored demo data here): steps that cannot run
are skipped with their reason, and the schedule starts runs by itself."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from kehu.crm.intelligence.models import AnalysisSchedule, ValueRun


@pytest.mark.django_db
def test_a_tiny_database_skips_the_steps_it_cannot_run_and_the_run_finishes(admin_user):
    from kehu.crm.catalog.actions import create_product
    from kehu.crm.customers.actions import create_customer
    from kehu.crm.intelligence.actions import execute_run, request_run
    from kehu.crm.sales.actions import create_order

    customer = create_customer(name="Only one", by=admin_user)
    box = create_product(sku="BOX-1", name="Box", unit_price=Decimal("120"))
    create_order(
        customer,
        [{"product": box, "quantity": 1}],
        number="SO-1",
        ordered_at=timezone.now() - timedelta(days=3),
        status="completed",
    )
    run = execute_run(request_run())
    assert run.status == ValueRun.Status.DONE, run.error
    assert "at least" in run.mining["segments"]["skipped"]
    assert "at least 50 customers" in run.mining["churn"]["skipped"]


def _at(hour: int, day: int = 18) -> datetime:
    # 2026-11-18 is a Wednesday
    return timezone.make_aware(datetime(2026, 11, day, hour, 30))


@pytest.mark.django_db
def test_last_slot_follows_the_schedule():
    from kehu.crm.intelligence.actions import last_slot

    plan = AnalysisSchedule(every=AnalysisSchedule.Every.DAILY, at_hour=2)
    assert timezone.localtime(last_slot(plan, _at(1))).day == 17
    assert timezone.localtime(last_slot(plan, _at(3))).day == 18
    plan.every = AnalysisSchedule.Every.WEEKLY
    assert timezone.localtime(last_slot(plan, _at(3))).day == 16  # the Monday before
    plan.every = AnalysisSchedule.Every.OFF
    assert last_slot(plan, _at(3)) is None


@pytest.mark.django_db
def test_a_scheduled_run_starts_once_per_slot():
    from kehu.crm.intelligence.actions import run_if_due, schedule

    plan = schedule()
    plan.every, plan.at_hour = AnalysisSchedule.Every.DAILY, 0
    plan.save()
    run = run_if_due()
    assert run is not None and run.scheduled
    assert run.status == ValueRun.Status.FAILED  # no orders: fails with its message
    assert "no orders yet" in run.error
    assert run_if_due() is None  # this slot has its run


@pytest.mark.django_db
def test_the_schedule_form_saves_and_rejects_a_bad_hour(analyst_user, sales_user, client_for):
    c = client_for(analyst_user)
    url = reverse("intelligence:schedule")
    response = c.post(url, {"every": "weekly", "at_hour": "5"}, follow=True)
    assert "Analysis schedule saved." in response.content.decode()
    assert AnalysisSchedule.objects.get().every == "weekly"
    response = c.post(url, {"every": "weekly", "at_hour": "25"}, follow=True)
    assert "The schedule was not saved" in response.content.decode()
    assert AnalysisSchedule.objects.get().at_hour == 5
    assert client_for(sales_user).post(url, {"every": "off", "at_hour": "1"}).status_code == 403


@pytest.mark.django_db
def test_set_schedule_keeps_one_row_and_refuses_an_hour_past_23():
    from django.core.exceptions import ValidationError

    from kehu.crm.intelligence.actions import set_schedule

    plan = set_schedule(every=AnalysisSchedule.Every.WEEKLY, at_hour=4)
    assert (plan.pk, plan.every, plan.at_hour) == (1, "weekly", 4)
    with pytest.raises(ValidationError) as e:
        set_schedule(every=AnalysisSchedule.Every.DAILY, at_hour=24)
    assert list(e.value.message_dict) == ["at_hour"]
    assert AnalysisSchedule.objects.values_list("every", "at_hour").get() == ("weekly", 4)
