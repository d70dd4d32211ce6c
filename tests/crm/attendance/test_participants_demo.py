"""The demo's participants and booths (demo/attendance.py) on a few events: most are
customers with their contact, only an event that is over has check-ins (during its
days), each exhibitor of a fair is on a booth, and nothing is added twice."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from kehu.crm.attendance.models import Booth, Participant
from kehu.crm.demo.attendance import add_attendance
from kehu.crm.engagement.models import Interaction

TODAY = date(2026, 6, 15)


@pytest.fixture
def crowd(make_customer):
    from kehu.crm.customers.actions import add_contact

    for i in range(120):
        company = i % 3 != 0
        customer = make_customer(
            f"{'Company' if company else 'Person'} {i}",
            kind="company" if company else "person",
            email=f"c{i}@example.com",
        )
        if company:
            add_contact(customer, name=f"Buyer {i}", email=f"buyer{i}@example.com", is_primary=True)


def test_nothing_without_events(crowd):
    assert add_attendance(TODAY) == {"participants": 0, "booths": 0, "booth_conversations": 0}


def test_participants_and_booths_of_past_and_coming_events(crowd, make_event):
    past = make_event("Past Fair", status="closed", starts_on=TODAY - timedelta(days=60))
    coming = make_event("Conference", kind="conference", status="open", capacity=400,
                        starts_on=TODAY + timedelta(days=40))  # fmt: skip
    fair = make_event("Autumn Fair", status="planning", starts_on=TODAY + timedelta(days=120))
    counts = add_attendance(TODAY, seed=3)
    assert counts["participants"] == Participant.objects.count() > 0
    assert counts["booths"] == Booth.objects.count() > 0
    linked = Participant.objects.filter(customer__isnull=False)
    assert linked.count() > 0.6 * Participant.objects.count()
    # a company's participant is its primary contact
    for p in linked.filter(customer__kind="company").select_related("contact")[:20]:
        assert p.contact.customer_id == p.customer_id and p.name == p.contact.name
    checked = Participant.objects.filter(status="checked_in")
    assert set(checked.values_list("event", flat=True)) == {past.pk}
    for p in checked:
        assert past.starts_on <= p.checked_in_at.date() <= past.ends_on
    assert not coming.participants.exclude(status__in=["invited", "registered", "confirmed"])
    for event in (past, fair):
        exhibitors = event.participants.filter(kind="exhibitor").exclude(status="cancelled")
        on_booths = set(event.booths.filter(status="assigned").values_list("exhibitor", flat=True))
        assert on_booths == set(exhibitors.values_list("pk", flat=True)) and on_booths
    assert not coming.booths.exists()
    returning = set(fair.participants.filter(kind="exhibitor").values_list("customer", flat=True))
    assert returning & set(
        past.participants.filter(kind="exhibitor").values_list("customer", flat=True)
    )
    talks = Interaction.objects.filter(channel="exhibition")
    assert talks.count() == counts["booth_conversations"] > 0
    came = set(checked.values_list("customer", flat=True))
    assert set(talks.values_list("customer", flat=True)) <= came
    for talk in talks:
        assert past.starts_on <= talk.occurred_at.date() <= past.ends_on + timedelta(days=1)
    codes = list(Participant.objects.values_list("badge_code", flat=True))
    assert len(set(codes)) == len(codes)
    assert add_attendance(TODAY) == {"participants": 0, "booths": 0, "booth_conversations": 0}
