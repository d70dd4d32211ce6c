"""The interaction actions: logging, correcting and deleting a conversation, and what
each refuses whoever calls it (form, API, import or a script)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kehu.crm.customers.actions import add_contact
from kehu.crm.engagement.actions import delete_interaction, log_interaction, update_interaction
from kehu.crm.engagement.models import Interaction

pytestmark = pytest.mark.django_db


def test_log_records_who_when_and_the_defaults(sales_user, make_customer):
    customer = make_customer(owner=sales_user)
    before = timezone.now()
    logged = log_interaction(customer, by=sales_user, channel="phone", subject="Asked for a quote")

    stored = Interaction.objects.get()
    assert stored.pk == logged.pk
    assert (stored.customer, stored.user, stored.channel) == (customer, sales_user, "phone")
    assert stored.direction == Interaction.Direction.OUTBOUND
    assert before <= stored.occurred_at <= timezone.now()
    assert (stored.body, stored.contact, stored.duration_minutes) == ("", None, None)


def test_log_keeps_the_time_contact_and_duration_given(make_customer):
    customer = make_customer()
    li = add_contact(customer, name="Li Na")
    when = datetime(2025, 3, 4, 9, 30, tzinfo=UTC)
    log_interaction(
        customer,
        channel="visit",
        subject="Showroom",
        direction="inbound",
        contact=li,
        occurred_at=when,
        duration_minutes=45,
        body="Liked the green tea",
    )
    stored = Interaction.objects.get()
    assert (stored.occurred_at, stored.contact, stored.duration_minutes) == (when, li, 45)
    assert (stored.direction, stored.body, stored.user) == ("inbound", "Liked the green tea", None)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"channel": "pigeon", "subject": "Coo"}, "channel"),
        ({"channel": "email", "subject": ""}, "subject"),
        ({"channel": "email", "subject": "x" * 201}, "subject"),
        ({"channel": "email", "subject": "Hi", "direction": "sideways"}, "direction"),
        ({"channel": "email", "subject": "Hi", "duration_minutes": -1}, "duration_minutes"),
        ({"channel": "email", "subject": None}, "subject"),
    ],
)
def test_log_refuses_bad_values_with_the_field_and_writes_nothing(make_customer, fields, field):
    with pytest.raises(ValidationError) as caught:
        log_interaction(make_customer(), **fields)
    assert field in caught.value.error_dict
    assert not Interaction.objects.exists()


def test_log_refuses_a_contact_of_another_customer(make_customer):
    mine, theirs = make_customer("Mine Co"), make_customer("Theirs Co")
    stranger = add_contact(theirs, name="Bo")
    with pytest.raises(ValidationError) as caught:
        log_interaction(mine, channel="phone", subject="Call", contact=stranger)
    assert "another customer" in caught.value.error_dict["contact"][0].message
    assert not Interaction.objects.exists()


def test_update_changes_only_the_fields_given(sales_user, make_customer):
    customer = make_customer()
    li = add_contact(customer, name="Li Na")
    when = timezone.now() - timedelta(days=2)
    logged = log_interaction(
        customer, by=sales_user, channel="email", subject="Offer", contact=li, occurred_at=when
    )
    update_interaction(logged, subject="Offer sent twice", duration_minutes=3)

    stored = Interaction.objects.get()
    assert (stored.subject, stored.duration_minutes) == ("Offer sent twice", 3)
    assert (stored.channel, stored.contact, stored.occurred_at) == ("email", li, when)
    assert (stored.customer, stored.user) == (customer, sales_user)  # never change

    update_interaction(stored, contact=None)
    assert Interaction.objects.get().contact is None  # None is a value, unlike UNSET


def test_update_refuses_bad_values_and_leaves_the_row_as_it_was(make_customer):
    customer, other = make_customer("Mine Co"), make_customer("Theirs Co")
    logged = log_interaction(customer, channel="email", subject="Offer")
    with pytest.raises(ValidationError) as caught:
        update_interaction(logged, contact=add_contact(other, name="Bo"))
    assert "contact" in caught.value.error_dict
    with pytest.raises(ValidationError) as caught:
        update_interaction(logged, channel="pigeon", subject="Changed")
    assert "channel" in caught.value.error_dict

    stored = Interaction.objects.get()
    assert (stored.channel, stored.subject, stored.contact) == ("email", "Offer", None)


def test_delete_removes_only_that_interaction(make_customer):
    customer = make_customer()
    kept = log_interaction(customer, channel="email", subject="Keep")
    gone = log_interaction(customer, channel="email", subject="Drop")
    delete_interaction(gone)
    assert list(Interaction.objects.all()) == [kept]
