"""Participants through the actions: adding them (linked to a customer or contact),
capacity, cancelling, statuses, and a conversation at the booth on the timeline."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from kehu.crm.attendance import actions
from kehu.crm.attendance.models import BADGE_ALPHABET, BADGE_LENGTH, Participant


def test_a_participant_takes_name_and_addresses_from_the_contact(event, make_customer):
    from kehu.crm.customers.actions import add_contact

    customer = make_customer("Lotus Tea Co")
    contact = add_contact(
        customer, name="Li Na", email="li.na@lotus.example", phone="138 0000 1111"
    )
    p = actions.add_participant(event, contact=contact, kind=Participant.Kind.TRADE_BUYER)
    assert (p.customer, p.contact, p.name, p.company) == (
        customer,
        contact,
        "Li Na",
        "Lotus Tea Co",
    )
    assert (p.email, p.phone, p.status) == ("li.na@lotus.example", "138 0000 1111", "registered")
    assert p.registered_at is not None
    assert len(p.badge_code) == BADGE_LENGTH and set(p.badge_code) <= set(BADGE_ALPHABET)


def test_badge_codes_differ(event):
    codes = {actions.add_participant(event, name=f"Visitor {i}").badge_code for i in range(50)}
    assert len(codes) == 50


def test_the_same_person_twice_is_refused_naming_them(event, make_customer):
    customer = make_customer("Lotus Tea Co", email="buy@lotus.example")
    actions.add_participant(event, customer=customer)
    with pytest.raises(ValidationError) as e:
        actions.add_participant(event, name="Someone", email="BUY@lotus.example")
    assert "Lotus Tea Co is already a participant" in str(e.value)


def test_a_contact_of_another_customer_is_refused(event, make_customer):
    from kehu.crm.customers.actions import add_contact

    contact = add_contact(make_customer("A"), name="Li")
    with pytest.raises(ValidationError, match="another customer"):
        actions.add_participant(event, customer=make_customer("B"), contact=contact)


def test_a_participant_needs_a_name(event):
    with pytest.raises(ValidationError, match="name"):
        actions.add_participant(event, name="  ")


def test_capacity_counts_places_taken_not_invitations_nor_cancellations(make_event):
    event = make_event(capacity=2)
    actions.add_participant(event, name="Invited", status=Participant.Status.INVITED)
    first = actions.add_participant(event, name="One")
    actions.add_participant(event, name="Two")
    with pytest.raises(ValidationError, match="all 2 places are taken"):
        actions.add_participant(event, name="Three")
    actions.cancel_participant(first)
    assert actions.add_participant(event, name="Three").status == "registered"


def test_a_checked_in_participant_cannot_be_cancelled(event):
    p = actions.add_participant(event, name="Wang")
    actions.check_in(event, p.badge_code)
    with pytest.raises(ValidationError, match="already checked in"):
        actions.cancel_participant(p)


def test_confirming_an_invited_participant_takes_a_place(make_event):
    event = make_event(capacity=1)
    invited = actions.add_participant(event, name="Invited", status="invited")
    assert invited.registered_at is None
    actions.set_status(invited, status="confirmed")
    invited.refresh_from_db()
    assert invited.status == "confirmed" and invited.registered_at is not None
    other = actions.add_participant(event, name="Other", status="invited")
    with pytest.raises(ValidationError, match="full"):
        actions.set_status(other, status="registered")


def test_a_conversation_goes_on_the_customer_timeline_as_an_exhibition(event, make_customer):
    from kehu.crm.customers.actions import add_contact

    customer = make_customer("Lotus Tea Co")
    contact = add_contact(customer, name="Li Na")
    p = actions.add_participant(event, contact=contact, kind="exhibitor")
    interaction = actions.log_conversation(p, subject="Wants 200 kg of oolong", body="Call back")
    assert (interaction.customer, interaction.contact) == (customer, contact)
    assert interaction.channel == "exhibition" and interaction.direction == "inbound"
    assert customer.interactions.get().subject == "Wants 200 kg of oolong"


def test_a_conversation_without_subject_names_the_event(event, make_customer):
    p = actions.add_participant(event, customer=make_customer("Lotus"))
    assert actions.log_conversation(p, subject="").subject == "Conversation at Tea Fair"


def test_a_participant_without_customer_cannot_have_a_conversation_logged(event):
    p = actions.add_participant(event, name="Zhao Lei")
    with pytest.raises(ValidationError, match="not a customer yet"):
        actions.log_conversation(p, subject="Hello")


def test_a_participant_from_a_company_becomes_a_customer_with_a_contact(event, make_user):
    user = make_user("sales")
    p = actions.add_participant(
        event, name="Zhao Lei", company="Jade Imports", email="zhao@jade.example"
    )
    actions.make_customer(p, by=user)
    p.refresh_from_db()
    assert p.customer.name == "Jade Imports" and p.customer.source_channel == "exhibition"
    assert (p.contact.name, p.contact.email, p.contact.customer) == (
        "Zhao Lei",
        "zhao@jade.example",
        p.customer,
    )
    assert actions.log_conversation(p, subject="Hi", by=user).customer == p.customer


def test_a_private_visitor_becomes_a_person_customer(event):
    p = actions.add_participant(event, name="Zhao Lei", email="zhao@example.com")
    actions.make_customer(p)
    assert (p.customer.kind, p.customer.email, p.contact) == ("person", "zhao@example.com", None)
