"""The demo's after-event data (demo/attendance_results.py): earlier editions of the
past fair with their exhibitors and booths, survey answers of those who came, the costs
of every past event; added once, dated against today."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from django.db import transaction
from django.db.models import Q
from django.test import override_settings

from kehu.crm.attendance.exhibitors import exhibitor_view
from kehu.crm.attendance.models import Booth, EventCost, Participant, SurveyResponse
from kehu.crm.demo.attendance_results import EDITIONS, add_attendance_results
from kehu.crm.demo.load import load_demo
from kehu.crm.events.models import Event

TODAY = date(2026, 6, 15)


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker) -> Iterator[dict[str, int]]:
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        yield load_demo(400, seed=3, today=TODAY)
        transaction.set_rollback(True)


pytestmark = pytest.mark.django_db


def test_earlier_editions_of_the_past_fair_with_exhibitors_on_booths(demo):
    # the latest past fair is the demo's own; its earlier editions bear its name and month
    fair = Event.objects.filter(kind="fair", ends_on__lt=TODAY).order_by("-starts_on").first()
    editions = Event.objects.filter(name__startswith=f"{fair.name} ").order_by("starts_on")
    assert demo["fair_editions"] == EDITIONS == editions.count()
    assert all(e.status == "closed" and e.ends_on < fair.starts_on for e in editions)
    for e in editions:
        stands = Participant.objects.filter(event=e, kind="exhibitor")
        assert stands.exists() and not stands.filter(customer__isnull=True).exists()
        assert Booth.objects.filter(event=e, exhibitor__in=stands).count() == stands.count()


def test_survey_answers_only_from_those_who_came(demo):
    answers = SurveyResponse.objects.all()
    assert demo["survey_answers"] == answers.count() > 0
    came = Q(participant__status="checked_in") | Q(
        participant__kind="exhibitor", participant__status__in=["registered", "confirmed"]
    )
    assert answers.exclude(came).count() == 0
    assert not answers.filter(participant__event__ends_on__gte=TODAY).exists()
    assert set(answers.values_list("rating", flat=True)) <= {1, 2, 3, 4, 5}
    assert answers.filter(answered_at__date__gte=TODAY).count() == 0


def test_costs_for_every_past_event(demo):
    past = Event.objects.filter(ends_on__lt=TODAY).exclude(status="cancelled")
    assert demo["event_costs"] == EventCost.objects.count() == 6 * past.count()
    assert not EventCost.objects.filter(event__ends_on__gte=TODAY).exists()


def test_added_once(demo):
    assert add_attendance_results(TODAY, seed=3) == {
        "fair_editions": 0,
        "survey_answers": 0,
        "event_costs": 0,
    }


def test_the_exhibitors_page_has_a_history_to_show(demo):
    view = exhibitor_view()
    assert len(view.history.events) == EDITIONS + 1
    assert view.table["events_attended"].max() > 1
    assert view.history.method in ("model", "rule")
