"""The Django admin changes a ticket's workflow only through the service actions: the
status by the "Move to" actions (their rules, their log), a new ticket opened and logged
as the service pages open it, a visit planned and recorded by the visit actions."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from kehu.crm.service.actions import schedule_visit
from kehu.crm.service.models import TechnicianVisit, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def _move(client, status, *tickets):
    return client.post(
        reverse("admin:service_ticket_changelist"),
        {"action": f"move_to_{status}", "_selected_action": [t.pk for t in tickets]},
        follow=True,
    )


def test_the_status_is_read_only_on_the_change_form(admin_user, make_ticket, client_for):
    ticket = make_ticket()
    page = client_for(admin_user).get(reverse("admin:service_ticket_change", args=[ticket.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="status"' not in html and 'name="resolved_at_0"' not in html
    assert 'name="subject"' in html


def test_move_to_follows_the_workflow_and_logs_the_change(admin_user, make_ticket, client_for):
    c = client_for(admin_user)
    new, other = make_ticket(), make_ticket(subject="Noise")
    response = _move(c, "open", new, other)
    assert "2 records moved to Open." in response.content.decode()
    new.refresh_from_db()
    assert new.status == "open" and new.first_response_at is not None
    event = new.events.get(kind=TicketEvent.Kind.STATUS)
    assert (event.from_status, event.to_status, event.user) == ("new", "open", admin_user)


def test_a_move_the_workflow_refuses_is_named_and_changes_nothing(
    admin_user, make_ticket, client_for
):
    ticket = make_ticket()
    c = client_for(admin_user)
    _move(c, "closed", ticket)
    ticket.refresh_from_db()
    assert "pending" not in ticket.allowed_transitions()
    html = _move(c, "pending", ticket).content.decode()
    assert f"Not moved: {ticket}: a ticket that is &#x27;closed&#x27; can move to" in html
    ticket.refresh_from_db()
    assert ticket.status == "closed"
    assert ticket.events.filter(kind=TicketEvent.Kind.STATUS).count() == 1


def test_a_ticket_added_in_the_admin_is_opened_and_logged(admin_user, make_customer, client_for):
    customer = make_customer()
    response = client_for(admin_user).post(
        reverse("admin:service_ticket_add"),
        {
            "customer": customer.pk,
            "type": Ticket.Type.INQUIRY,
            "priority": Ticket.Priority.NORMAL,
            "channel": "phone",
            "subject": "Broken lid",
            "description": "It cracked",
            "opened_at_0": "2026-01-05",
            "opened_at_1": "10:00:00",
            **{
                f"{p}-{k}": "0"
                for p in ("events", "visits")
                for k in ("TOTAL_FORMS", "INITIAL_FORMS")
            },
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    ticket = Ticket.objects.get(subject="Broken lid")
    assert ticket.number.startswith("T") and ticket.status == "new"
    created = ticket.events.get()
    assert (created.kind, created.user, created.message) == ("created", admin_user, "It cracked")


def test_a_new_assignee_set_in_the_admin_is_logged(admin_user, make_user, make_ticket, client_for):
    ticket = make_ticket()
    tech = make_user("service")
    events = list(ticket.events.values_list("pk", flat=True))
    response = client_for(admin_user).post(
        reverse("admin:service_ticket_change", args=[ticket.pk]),
        {
            "customer": ticket.customer_id,
            "type": ticket.type,
            "priority": Ticket.Priority.HIGH,
            "channel": ticket.channel,
            "subject": ticket.subject,
            "description": ticket.description,
            "assignee": tech.pk,
            "opened_at_0": "2026-01-05",
            "opened_at_1": "10:00:00",
            "events-TOTAL_FORMS": str(len(events)),
            "events-INITIAL_FORMS": str(len(events)),
            **{f"events-{i}-id": pk for i, pk in enumerate(events)},
            **{f"events-{i}-ticket": ticket.pk for i in range(len(events))},
            "visits-TOTAL_FORMS": "0",
            "visits-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    ticket.refresh_from_db()
    assert (ticket.assignee, ticket.priority, ticket.status) == (tech, "high", "new")
    assigned = ticket.events.get(kind=TicketEvent.Kind.ASSIGNED)
    assert (assigned.user, assigned.message) == (admin_user, str(tech))


def test_admin_pages_render(admin_user, make_ticket, client_for):
    ticket = make_ticket()
    schedule_visit(ticket, scheduled_at=timezone.now())
    c = client_for(admin_user)
    assert c.get(reverse("admin:service_ticket_changelist")).status_code == 200
    assert c.get(reverse("admin:service_ticket_change", args=[ticket.pk])).status_code == 200
    assert c.get(reverse("admin:service_ticket_history", args=[ticket.pk])).status_code == 200


def _post_ticket(client, ticket, visits, n_initial):
    """The ticket's change form as the admin posts it, with ``visits`` (the inline's rows:
    the planned ones first, ``n_initial`` of them, then new ones)."""
    events = list(ticket.events.values_list("pk", flat=True))
    data = {
        "customer": ticket.customer_id,
        "type": ticket.type,
        "priority": ticket.priority,
        "channel": ticket.channel,
        "subject": ticket.subject,
        "description": ticket.description,
        "assignee": "",
        "opened_at_0": "2026-01-05",
        "opened_at_1": "10:00:00",
        "events-TOTAL_FORMS": str(len(events)),
        "events-INITIAL_FORMS": str(len(events)),
        **{f"events-{i}-id": pk for i, pk in enumerate(events)},
        **{f"events-{i}-ticket": ticket.pk for i in range(len(events))},
        "visits-TOTAL_FORMS": str(len(visits)),
        "visits-INITIAL_FORMS": str(n_initial),
    }
    for i, visit in enumerate(visits):
        data.update({f"visits-{i}-{name}": value for name, value in visit.items()})
        data[f"visits-{i}-ticket"] = ticket.pk
    return client.post(reverse("admin:service_ticket_change", args=[ticket.pk]), data)


def _planned(visit, **changes):
    row = {
        "id": visit.pk,
        "scheduled_at_0": "2026-02-01",
        "scheduled_at_1": "09:00:00",
        "technician": "",
        "address": visit.address,
        "outcome": visit.outcome,
    }
    return {**row, **changes}


def test_a_visit_added_in_the_admin_is_planned_and_logged(
    admin_user, make_user, make_customer, make_ticket, client_for
):
    ticket = make_ticket(make_customer(address="1 Mill Lane"))
    tech = make_user("service")
    new = {
        "scheduled_at_0": "2026-02-01",
        "scheduled_at_1": "09:00:00",
        "technician": tech.pk,
        "address": "",
        "outcome": "",
    }
    response = _post_ticket(client_for(admin_user), ticket, [new], 0)
    assert response.status_code == 302, response.content.decode()[:3000]
    visit = ticket.visits.get()
    # schedule_visit: the customer's address when none is given, planned, logged
    assert (visit.technician, visit.address, visit.status) == (tech, "1 Mill Lane", "scheduled")
    logged = ticket.events.get(kind=TicketEvent.Kind.VISIT)
    assert logged.user == admin_user
    assert logged.message.startswith("visit scheduled for 2026-02-01")


def test_an_outcome_given_in_the_admin_records_the_visit(admin_user, make_ticket, client_for):
    ticket = make_ticket()
    visit = schedule_visit(ticket, scheduled_at=timezone.now(), address="Dock 4")
    row = _planned(visit, outcome="Replaced the fuser", address="Elsewhere")
    response = _post_ticket(client_for(admin_user), ticket, [row], 1)
    assert response.status_code == 302, response.content.decode()[:3000]
    visit.refresh_from_db()
    # record_visit: done, visited now, logged; a planned visit's place is not posted
    assert (visit.status, visit.outcome, visit.address) == ("done", "Replaced the fuser", "Dock 4")
    assert visit.visited_at is not None
    messages = list(ticket.events.filter(kind=TicketEvent.Kind.VISIT).values_list("message"))
    assert ("Replaced the fuser",) in messages


def test_a_visit_the_action_would_refuse_is_named_on_the_form(admin_user, make_ticket, client_for):
    ticket = make_ticket()
    visit = schedule_visit(ticket, scheduled_at=timezone.now(), address="Dock 4")
    client = client_for(admin_user)
    recorded = _post_ticket(client, ticket, [_planned(visit, outcome="Fixed")], 1)
    assert recorded.status_code == 302
    again = _post_ticket(client, ticket, [_planned(visit, outcome="Fixed")], 1)
    assert again.status_code == 302  # nothing changed, nothing recorded again
    cleared = _post_ticket(client, ticket, [_planned(visit, outcome=" ")], 1)
    assert cleared.status_code == 200
    assert "Describe the outcome of the visit." in cleared.content.decode()
    # no action cancels a visit yet: the row is set as an older release may have left it
    TechnicianVisit.objects.filter(pk=visit.pk).update(status="cancelled", outcome="")
    visit.refresh_from_db()
    refused = _post_ticket(client, ticket, [_planned(visit, outcome="Came anyway")], 1)
    assert refused.status_code == 200
    assert "A cancelled visit cannot be recorded." in refused.content.decode()
    visit.refresh_from_db()
    assert (visit.status, visit.outcome) == ("cancelled", "")
    assert ticket.events.filter(kind=TicketEvent.Kind.VISIT).count() == 2  # planned, recorded


def test_visits_are_not_deleted_in_the_admin(admin_user, make_ticket, client_for):
    ticket = make_ticket()
    visit = schedule_visit(ticket, scheduled_at=timezone.now())
    client = client_for(admin_user)
    page = client.get(reverse("admin:service_ticket_change", args=[ticket.pk])).content.decode()
    assert 'name="visits-0-DELETE"' not in page and 'name="visits-0-status"' not in page
    response = _post_ticket(client, ticket, [_planned(visit, DELETE="on")], 1)
    assert response.status_code == 302
    assert ticket.visits.filter(pk=visit.pk).exists()
