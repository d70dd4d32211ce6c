from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kehu.crm.customers.actions import add_contact
from kehu.crm.service import actions
from kehu.crm.service.models import TechnicianVisit, Ticket

pytestmark = pytest.mark.django_db


def codes(error: ValidationError) -> dict[str, list[str | None]]:
    return {field: [e.code for e in errs] for field, errs in error.error_dict.items()}


def test_refused_transition_keeps_its_machine_code(make_ticket):
    ticket = make_ticket()
    actions.change_status(ticket, Ticket.Status.CLOSED)
    with pytest.raises(ValidationError) as caught:
        actions.change_status(ticket, Ticket.Status.RESOLVED)
    assert codes(caught.value) == {"status": ["invalid_transition"]}
    assert "'closed'" in caught.value.messages[0] and "'resolved'" in caught.value.messages[0]


def test_rating_an_unresolved_ticket_is_refused(make_ticket):
    ticket = make_ticket()
    with pytest.raises(ValidationError) as caught:
        actions.rate(ticket, 5)
    assert codes(caught.value) == {"satisfaction_score": ["not_resolved"]}
    ticket.refresh_from_db()
    assert ticket.satisfaction_score is None


@pytest.mark.parametrize("score", [0, 6, True, "5", 2.5])
def test_rating_accepts_only_whole_scores_one_to_five(make_ticket, score):
    ticket = make_ticket()
    actions.change_status(ticket, Ticket.Status.RESOLVED)
    with pytest.raises(ValidationError) as caught:
        actions.rate(ticket, score)
    assert codes(caught.value) == {"satisfaction_score": ["invalid_score"]}


def test_update_refuses_a_contact_of_another_customer(make_customer, make_ticket):
    ticket = make_ticket(make_customer("Acme"))
    stranger = add_contact(make_customer("Other"), name="Stranger")
    with pytest.raises(ValidationError) as caught:
        actions.update_ticket(ticket, contact=stranger)
    assert codes(caught.value) == {"contact": ["wrong_customer"]}
    ticket.refresh_from_db()
    assert ticket.contact is None


def test_update_with_a_refused_status_writes_nothing(make_ticket):
    ticket = make_ticket(subject="before")
    actions.change_status(ticket, Ticket.Status.CLOSED)
    with pytest.raises(ValidationError):
        actions.update_ticket(ticket, subject="after", status=Ticket.Status.PENDING)
    ticket.refresh_from_db()
    assert (ticket.subject, ticket.status) == ("before", "closed")


def test_recording_a_visit_needs_an_outcome(make_ticket):
    visit = actions.schedule_visit(make_ticket(), scheduled_at=timezone.now())
    with pytest.raises(ValidationError) as caught:
        actions.record_visit(visit, outcome="  ")
    assert codes(caught.value) == {"outcome": ["required"]}
    visit.refresh_from_db()
    assert visit.status == TechnicianVisit.Status.SCHEDULED


def test_ticket_numbers_count_up(make_customer, make_ticket):
    customer = make_customer()
    numbers = [make_ticket(customer).number for _ in range(3)]
    assert numbers == ["T00000001", "T00000002", "T00000003"]
