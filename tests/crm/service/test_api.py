"""Tickets over the API: open, edit, workflow, comments and the event log."""

from __future__ import annotations

import pytest
from tests.crm.api.client import error_fields

from kehu.crm.service.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(make_customer):
    return make_customer("Acme")


@pytest.fixture
def ticket(api_for, service_user, acme):
    response = api_for(service_user).post(
        "/tickets", {"customer_id": acme.pk, "subject": "Broken", "priority": "high"}
    )
    assert response.status_code == 201
    return response.json()


def test_open_ticket(ticket):
    assert ticket["number"] == "T00000001"
    assert ticket["status"] == "new"
    assert ticket["allowed_transitions"] == ["open", "pending", "resolved", "closed"]


def test_ticket_contact_and_order_must_be_the_customers(
    api_for, service_user, acme, make_customer, product
):
    from kehu.crm.customers.actions import add_contact
    from kehu.crm.sales.actions import create_order

    other = make_customer("Other")
    stranger = add_contact(other, name="Stranger")
    their_order = create_order(other, [{"product": product, "quantity": 1}])
    response = api_for(service_user).post(
        "/tickets",
        {
            "customer_id": acme.pk,
            "subject": "X",
            "contact_id": stranger.pk,
            "order_id": their_order.pk,
        },
    )
    assert response.status_code == 422
    assert error_fields(response) == {"contact_id": "does_not_exist"}
    assert not Ticket.objects.exists()


def test_transition_follows_the_workflow_and_logs_events(api_for, service_user, ticket):
    api = api_for(service_user)
    resolved = api.post(
        f"/tickets/{ticket['id']}/transition", {"status": "resolved", "message": "Fixed"}
    )
    assert resolved.status_code == 200
    assert resolved.json()["resolved_at"] is not None
    bad = api.post(f"/tickets/{ticket['id']}/transition", {"status": "pending"})
    assert bad.status_code == 422
    assert error_fields(bad) == {"status": "invalid_transition"}
    unknown = api.post(f"/tickets/{ticket['id']}/transition", {"status": "vanished"})
    assert error_fields(unknown) == {"status": "literal_error"}
    events = api.get(f"/tickets/{ticket['id']}/events").json()
    assert [(e["kind"], e["to_status"], e["message"]) for e in events["items"]] == [
        ("created", "new", ""),
        ("status", "resolved", "Fixed"),
    ]
    assert events["items"][1]["user"] == "sam"


def test_comment_and_reply(api_for, service_user, ticket):
    api = api_for(service_user)
    note = api.post(f"/tickets/{ticket['id']}/comments", {"message": "checking"})
    assert note.status_code == 201
    assert note.json()["kind"] == "comment"
    reply = api.post(f"/tickets/{ticket['id']}/comments", {"message": "on it", "to_customer": True})
    assert reply.json()["kind"] == "response"
    assert api.get(f"/tickets/{ticket['id']}").json()["first_response_at"] is not None
    blank = api.post(f"/tickets/{ticket['id']}/comments", {"message": "   "})
    assert error_fields(blank) == {"message": "required"}
    assert TicketEvent.objects.filter(kind="comment").count() == 1


def test_patch_edits_assigns_and_rates(api_for, service_user, make_user, ticket):
    make_user("service", username="tech")
    api = api_for(service_user)
    response = api.patch(f"/tickets/{ticket['id']}", {"assignee": "tech", "priority": "urgent"})
    assert response.status_code == 200
    assert (response.json()["assignee"], response.json()["priority"]) == ("tech", "urgent")
    too_early = api.patch(f"/tickets/{ticket['id']}", {"satisfaction_score": 4})
    assert error_fields(too_early) == {"satisfaction_score": "not_resolved"}
    api.post(f"/tickets/{ticket['id']}/transition", {"status": "resolved"})
    assert (
        api.patch(f"/tickets/{ticket['id']}", {"satisfaction_score": 4}).json()[
            "satisfaction_score"
        ]
        == 4
    )
    assert error_fields(api.patch(f"/tickets/{ticket['id']}", {"satisfaction_score": 9})) == {
        "satisfaction_score": "less_than_equal"
    }
    assert error_fields(api.patch(f"/tickets/{ticket['id']}", {"status": "closed"})) == {
        "status": "extra_forbidden"
    }


def test_patch_cannot_attach_another_customers_contact(
    api_for, service_user, make_customer, ticket
):
    from kehu.crm.customers.actions import add_contact

    stranger = add_contact(make_customer("Other"), name="Stranger")
    response = api_for(service_user).patch(f"/tickets/{ticket['id']}", {"contact_id": stranger.pk})
    assert error_fields(response) == {"contact_id": "does_not_exist"}
    assert Ticket.objects.get().contact_id is None


def test_sales_user_reads_but_does_not_work_tickets(api_for, make_user, make_customer):
    from kehu.crm.service.actions import open_ticket

    seller = make_user("sales")
    ticket = open_ticket(make_customer("Mine", owner=seller), subject="X")
    api = api_for(seller)
    assert api.get(f"/tickets/{ticket.pk}").status_code == 200
    assert api.post(f"/tickets/{ticket.pk}/comments", {"message": "hi"}).status_code == 403
    assert api.post(f"/tickets/{ticket.pk}/transition", {"status": "open"}).status_code == 403


def test_ticket_filters(api_for, service_user, acme, ticket):
    api = api_for(service_user)
    assert api.get("/tickets", {"open": True}).json()["count"] == 1
    assert api.get("/tickets", {"open": False}).json()["count"] == 0
    assert api.get("/tickets", {"priority": "high", "customer_id": acme.pk}).json()["count"] == 1
    assert api.get("/tickets", {"assignee": "me"}).json()["count"] == 0
