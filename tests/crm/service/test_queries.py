"""The ticket reads the service pages and the export share (kehu.crm.service.queries):
whose tickets a user sees, the search and list filters, the dashboard's counts and
average times, a ticket's event log and who may work on tickets."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from kehu.crm.service import queries
from kehu.crm.service.actions import add_comment, assign, change_status, open_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(make_user, make_customer, service_user):
    """Sally's customer with two tickets, Steve's with one; one resolved, one assigned."""
    sally, steve = make_user("sales", username="sally"), make_user("sales", username="steve")
    hers = make_customer("Hangzhou Tea House", owner=sally)
    his = make_customer("Berlin Traders", owner=steve)
    tickets = {
        "leak": open_ticket(hers, subject="Leaking kettle", type="defect", priority="urgent"),
        "bill": open_ticket(hers, subject="Invoice twice", type="dispute", priority="low"),
        "late": open_ticket(his, subject="Late delivery", type="complaint", channel="email"),
    }
    assign(tickets["leak"], service_user)
    change_status(tickets["bill"], "resolved")
    return sally, steve, tickets


def _subjects(found) -> list[str]:
    return sorted(t.subject for t in found)


def test_a_seller_sees_the_tickets_of_own_customers_service_sees_all(desk, service_user):
    sally, steve, _ = desk
    assert _subjects(queries.visible_tickets(sally)) == ["Invoice twice", "Leaking kettle"]
    assert _subjects(queries.visible_tickets(steve)) == ["Late delivery"]
    assert queries.visible_tickets(service_user).count() == 3
    assert not queries.visible_tickets(AnonymousUser()).exists()


def test_search_by_number_subject_or_customer(desk, service_user):
    _, _, tickets = desk
    mine = queries.visible_tickets(service_user)
    assert _subjects(queries.search(mine, tickets["late"].number.lower())) == ["Late delivery"]
    assert _subjects(queries.search(mine, "KETTLE")) == ["Leaking kettle"]
    assert _subjects(queries.search(mine, "hangzhou")) == ["Invoice twice", "Leaking kettle"]
    assert _subjects(queries.search(mine, "nothing like it")) == []


def test_list_filters(desk, service_user):
    sally, _, tickets = desk

    def subjects(user=service_user, **filters):
        return _subjects(queries.filtered_tickets(user, **filters))

    assert subjects(open="1") == ["Late delivery", "Leaking kettle"]
    assert subjects(open="no") == ["Invoice twice", "Late delivery", "Leaking kettle"]
    assert subjects(type="defect") == ["Leaking kettle"]
    assert subjects(priority="low", status="resolved") == ["Invoice twice"]
    assert subjects(channel="email") == ["Late delivery"]
    assert subjects(assignee="me") == ["Leaking kettle"]
    assert subjects(assignee="unassigned") == ["Invoice twice", "Late delivery"]
    assert subjects(assignee=str(service_user.pk)) == ["Leaking kettle"]
    assert subjects(sally, q="late") == []  # Steve's customer's
    newest_first = [t.subject for t in queries.filtered_tickets(service_user)]
    assert newest_first == ["Late delivery", "Invoice twice", "Leaking kettle"]
    by_number = [t.number for t in queries.filtered_tickets(service_user, sort="number")]
    assert by_number == sorted(t.number for t in tickets.values())
    unknown = [t.subject for t in queries.filtered_tickets(service_user, sort="password")]
    assert unknown == newest_first  # the default sort


def test_the_dashboard_counts_open_tickets_and_averages_recent_times(make_customer, admin_user):
    now = timezone.now()
    customer = make_customer()
    answered = open_ticket(
        customer, subject="A", priority="high", opened_at=now - timedelta(hours=2)
    )
    add_comment(answered, "On it", to_customer=True)
    solved = open_ticket(customer, subject="B", type="defect", opened_at=now - timedelta(hours=6))
    change_status(solved, "resolved")  # a first response too
    open_ticket(customer, subject="C", priority="high")

    board = queries.dashboard(admin_user)
    assert board.n_open == 2
    assert [(v, n) for v, _label, n in board.open_by_priority] == [
        ("urgent", 0),
        ("high", 2),
        ("normal", 0),
        ("low", 0),
    ]
    assert dict((v, n) for v, _label, n in board.open_by_type)["inquiry"] == 2
    assert timedelta(hours=3, minutes=59) < board.avg_first_response < timedelta(hours=4, minutes=1)
    assert timedelta(hours=5, minutes=59) < board.avg_resolution < timedelta(hours=6, minutes=1)


def test_the_dashboard_of_an_empty_desk_has_no_averages(admin_user):
    board = queries.dashboard(admin_user)
    assert board.n_open == 0 and board.avg_first_response is None and board.avg_resolution is None


def test_the_event_log_is_oldest_first(desk):
    _, _, tickets = desk
    leak = tickets["leak"]
    add_comment(leak, "Asked for a photo")
    change_status(leak, "pending")
    kinds = [e.kind for e in queries.ticket_events(leak)]
    assert kinds == ["created", "assigned", "comment", "status"]


def test_service_staff_are_the_active_users_who_may_change_tickets(make_user, service_user):
    admin = make_user("admin", username="zadmin")
    make_user("analyst", username="ana")
    gone = make_user("service", username="gone")
    gone.is_active = False
    gone.save()  # accounts has no action that deactivates a user: the admin sets the flag
    staff = [u.username for u in queries.service_staff()]
    assert staff == sorted(["sam", admin.username])  # by name; no viewer, no inactive user
