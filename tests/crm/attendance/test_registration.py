"""Registering through the action the public form and the API call: open events only,
capacity, linked to the customer or contact the registrant is, else a lead."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from kehu.crm.attendance import actions


def test_a_contact_registering_by_email_is_linked_to_its_customer(event, make_customer):
    from kehu.crm.customers.actions import add_contact

    customer = make_customer("Lotus Tea Co")
    contact = add_contact(customer, name="Li Na", email="li.na@lotus.example")
    done = actions.register(event, name="Li Na", email="LI.NA@lotus.example", company="Lotus")
    p = done.participant
    assert done.created and (p.customer, p.contact, p.lead) == (customer, contact, None)
    assert (p.source, p.status) == ("web", "registered")


def test_a_customer_registering_by_mobile_is_linked(event, make_customer):
    customer = make_customer("Wang Fang", kind="person", phone="+86 138-0013-8000")
    p = actions.register(event, name="Fang", email="new@example.com", phone="86 13800138000")
    assert (p.participant.customer, p.participant.contact) == (customer, None)


def test_an_unknown_registrant_is_captured_as_a_lead_from_the_event(event):
    from kehu.crm.leads.models import Lead

    p = actions.register(
        event,
        name="Zhao Lei",
        email="zhao@jade.example",
        company="Jade Imports",
        kind="trade_buyer",
    ).participant
    lead = Lead.objects.get()
    assert p.lead == lead and p.customer is None
    assert (lead.source, lead.source_detail, lead.source_key) == (
        "event",
        "Tea Fair",
        f"event:{event.pk}:{p.pk}",
    )
    assert (lead.name, lead.company, lead.email) == (
        "Zhao Lei",
        "Jade Imports",
        "zhao@jade.example",
    )


def test_registering_twice_returns_the_first_registration(event):
    first = actions.register(event, name="Zhao", email="zhao@example.com").participant
    again = actions.register(event, name="Zhao L.", email="Zhao@Example.com")
    assert not again.created and again.participant == first
    assert event.participants.count() == 1


def test_an_invited_customer_who_registers_takes_up_the_invitation(event, make_customer):
    customer = make_customer("Lotus", email="buy@lotus.example")
    invited = actions.add_participant(
        event, customer=customer, status="invited", source="invitation"
    )
    done = actions.register(
        event, name="Lotus buyer", email="buy@lotus.example", kind="trade_buyer"
    )
    assert not done.created and done.participant.pk == invited.pk
    invited.refresh_from_db()
    assert (invited.status, invited.kind, invited.source) == (
        "registered",
        "trade_buyer",
        "invitation",
    )


@pytest.mark.parametrize("status", ["planning", "running", "closed", "cancelled"])
def test_only_an_event_open_for_registration_takes_registrations(make_event, status):
    event = make_event(status=status)
    with pytest.raises(ValidationError, match="Registration for this event is closed."):
        actions.register(event, name="Zhao", email="zhao@example.com")


def test_a_full_event_takes_no_more_registrations(make_event):
    event = make_event(capacity=1)
    actions.register(event, name="One", email="one@example.com")
    with pytest.raises(ValidationError, match="all 1 places are taken"):
        actions.register(event, name="Two", email="two@example.com")


def test_missing_name_and_email_are_named(event):
    with pytest.raises(ValidationError) as e:
        actions.register(event, name=" ", email="", kind="vip")
    assert set(e.value.message_dict) == {"name", "email", "kind"}


def test_a_lead_participant_becomes_a_customer_by_converting_the_lead(event, make_user):
    user = make_user("sales")
    p = actions.register(
        event, name="Zhao Lei", email="zhao@jade.example", company="Jade Imports"
    ).participant
    actions.make_customer(p, by=user)
    p.refresh_from_db()
    p.lead.refresh_from_db()
    assert p.lead.status == "converted" and p.customer == p.lead.customer
    assert p.contact == p.lead.contact and p.customer.name == "Jade Imports"
