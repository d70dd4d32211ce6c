from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from kehu.crm.customers.actions import add_contact
from kehu.crm.service import actions
from kehu.crm.service.models import TechnicianVisit, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def grant(user, codename: str) -> None:
    """Give a (sales) user one service permission on top of their role."""
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="service", codename=codename)
    )


def detail_url(ticket: Ticket) -> str:
    return reverse("service:ticket_detail", args=[ticket.pk])


def listed(response) -> list[str]:
    return [t.subject for t in response.context["page"].object_list]


# ---- list, filters, export --------------------------------------------------------------


def test_ticket_list_is_only_for_signed_in_users(client):
    response = client.get(reverse("service:ticket_list"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_sales_user_sees_only_tickets_of_owned_customers(
    make_user, make_customer, make_ticket, client_for
):
    sally = make_user("sales", username="sally")
    steve = make_user("sales", username="steve")
    make_ticket(make_customer("Mine Co", owner=sally), subject="mine")
    theirs = make_ticket(make_customer("Theirs Co", owner=steve), subject="theirs")
    c = client_for(sally)

    assert listed(c.get(reverse("service:ticket_list"))) == ["mine"]
    assert c.get(detail_url(theirs)).status_code == 404
    export = c.get(reverse("service:ticket_export"))
    body = b"".join(export.streaming_content).decode("utf-8-sig")
    assert "mine" in body and "theirs" not in body


def test_sales_manager_and_service_see_every_ticket(
    make_user, make_customer, make_ticket, client_for, service_user
):
    make_ticket(make_customer("A Co", owner=make_user("sales")), subject="a")
    make_ticket(make_customer("B Co"), subject="b")
    manager = make_user("sales", manager=True)
    for user in (manager, service_user):
        response = client_for(user).get(reverse("service:ticket_list"))
        assert response.context["page"].paginator.count == 2


def test_filters_narrow_the_list(make_customer, make_ticket, client_for, service_user):
    acme = make_customer("Acme Trading")
    make_ticket(acme, subject="broken screen", type="defect", priority="urgent")
    make_ticket(acme, subject="where is my order", type="order_issue", channel="email")
    done = make_ticket(make_customer("Beta Ltd"), subject="thanks", assignee=service_user)
    actions.change_status(done, "resolved")
    c = client_for(service_user)

    def subjects(**params: str) -> list[str]:
        return sorted(listed(c.get(reverse("service:ticket_list"), params)))

    assert subjects(type="defect") == ["broken screen"]
    assert subjects(priority="urgent") == ["broken screen"]
    assert subjects(channel="email") == ["where is my order"]
    assert subjects(status="resolved") == ["thanks"]
    assert subjects(open="1") == ["broken screen", "where is my order"]
    assert subjects(assignee="me") == ["thanks"]
    assert subjects(assignee="unassigned") == ["broken screen", "where is my order"]
    assert subjects(q="acme") == ["broken screen", "where is my order"]
    assert subjects(q="screen") == ["broken screen"]
    assert subjects(q=done.number) == ["thanks"]
    assert subjects(q="nothing like it") == []


def test_sort_by_priority_and_an_unknown_sort_is_a_400(
    make_customer, make_ticket, client_for, service_user
):
    customer = make_customer()
    make_ticket(customer, subject="low one", priority="low")
    make_ticket(customer, subject="high one", priority="high")
    c = client_for(service_user)
    assert listed(c.get(reverse("service:ticket_list"), {"sort": "priority"})) == [
        "high one",
        "low one",
    ]
    assert c.get(reverse("service:ticket_list"), {"sort": "drop table"}).status_code == 400


def test_htmx_refresh_returns_only_the_rows(make_ticket, client_for, service_user):
    make_ticket(subject="row")
    response = client_for(service_user).get(
        reverse("service:ticket_list"), {"q": "row"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "service/partials/ticket_rows.html"
    assert b"<html" not in response.content


def test_history_restore_gets_the_whole_page(make_ticket, client_for, service_user):
    response = client_for(service_user).get(
        reverse("service:ticket_list"),
        HTTP_HX_REQUEST="true",
        HTTP_HX_HISTORY_RESTORE_REQUEST="true",
    )
    assert b"<html" in response.content
    assert "HX-Request" in response["Vary"]


def test_list_query_count_does_not_grow_with_rows(
    make_customer, make_ticket, client_for, service_user, django_assert_max_num_queries
):
    for i in range(30):
        make_ticket(make_customer(f"Customer {i:02d}"), subject=f"t{i}", assignee=service_user)
    c = client_for(service_user)
    with django_assert_max_num_queries(11):  # session, user, roles; count, rows; dashboard
        response = c.get(reverse("service:ticket_list"))
    assert len(response.context["page"].object_list) == 25
    with django_assert_max_num_queries(8):  # no dashboard on an htmx refresh
        c.get(reverse("service:ticket_list"), {"open": "1"}, HTTP_HX_REQUEST="true")


def test_csv_export_has_every_filtered_row(make_customer, make_ticket, client_for, service_user):
    customer = make_customer()
    for i in range(30):
        make_ticket(customer, subject=f"export {i}", priority="high" if i % 2 else "low")
    response = client_for(service_user).get(reverse("service:ticket_export"), {"priority": "high"})
    lines = b"".join(response.streaming_content).decode("utf-8-sig").strip().splitlines()
    assert lines[0].startswith("number,opened_at,customer_code,customer")
    assert len(lines) == 1 + 15


def test_dashboard_counts_open_tickets_and_average_times(
    make_customer, make_ticket, client_for, service_user
):
    customer = make_customer()
    now = timezone.now()
    make_ticket(customer, priority="urgent", type="complaint")
    make_ticket(customer, priority="urgent", type="defect")
    quick = make_ticket(customer, priority="low", opened_at=now - timedelta(hours=4))
    actions.change_status(quick, "resolved")  # responded and resolved after 4 hours
    slow = make_ticket(customer, opened_at=now - timedelta(hours=2))
    actions.add_comment(slow, "on it", to_customer=True)  # first response after 2 hours

    response = client_for(service_user).get(reverse("service:ticket_list"))

    board = response.context["dashboard"]
    by_priority = {value: n for value, _label, n in board.open_by_priority}
    by_type = {value: n for value, _label, n in board.open_by_type}
    assert board.n_open == 3
    assert by_priority == {"urgent": 2, "high": 0, "normal": 1, "low": 0}
    assert by_type["complaint"] == 1 and by_type["defect"] == 1 and by_type["inquiry"] == 1
    assert abs(board.avg_first_response - timedelta(hours=3)) < timedelta(minutes=1)
    assert abs(board.avg_resolution - timedelta(hours=4)) < timedelta(minutes=1)
    assert b"3 h 0 min" in response.content and b"4 h 0 min" in response.content


# ---- create and edit --------------------------------------------------------------------


def test_create_form_limits_customers_contacts_and_orders(make_user, make_customer, client_for):
    sally = make_user("sales", username="sally")
    grant(sally, "add_ticket")
    mine = make_customer("Mine Co", owner=sally)
    make_customer("Theirs Co", owner=make_user("sales"))
    add_contact(mine, name="Wang Fang")
    other = make_customer("Other Co", owner=sally)
    add_contact(other, name="Not Me")

    response = client_for(sally).get(reverse("service:ticket_create"), {"customer": mine.pk})

    form = response.context["form"]
    assert [c.name for c in form.fields["customer"].queryset] == ["Mine Co", "Other Co"]
    assert [c.name for c in form.fields["contact"].queryset] == ["Wang Fang"]
    assert form.initial["customer"] == mine.pk


def test_create_with_invisible_customer_preset_is_404(make_user, make_customer, client_for):
    theirs = make_customer("Theirs Co", owner=make_user("sales"))
    sally = make_user("sales")
    grant(sally, "add_ticket")
    response = client_for(sally).get(reverse("service:ticket_create"), {"customer": theirs.pk})
    assert response.status_code == 404


def test_create_for_an_invisible_customer_is_refused(make_user, make_customer, client_for):
    theirs = make_customer("Theirs Co", owner=make_user("sales"))
    sally = make_user("sales")
    grant(sally, "add_ticket")
    response = client_for(sally).post(
        reverse("service:ticket_create"),
        {
            "customer": theirs.pk,
            "type": "inquiry",
            "priority": "normal",
            "channel": "phone",
            "subject": "Sneaky",
        },
    )
    assert response.status_code == 422
    assert "customer" in response.context["form"].errors
    assert Ticket.objects.count() == 0


def test_create_ticket_opens_it_and_logs_the_event(
    make_customer, make_order, client_for, service_user
):
    customer = make_customer("Acme")
    contact = add_contact(customer, name="Li Lei")
    order = make_order(customer)

    response = client_for(service_user).post(
        reverse("service:ticket_create"),
        {
            "customer": customer.pk,
            "contact": contact.pk,
            "order": order.pk,
            "type": "complaint",
            "priority": "high",
            "channel": "phone",
            "subject": "  Late delivery ",
            "description": "Three weeks late",
        },
    )

    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == detail_url(ticket)
    assert ticket.number == "T00000001" and ticket.subject == "Late delivery"
    assert (ticket.contact, ticket.order, ticket.status) == (contact, order, "new")
    assert list(ticket.events.values_list("kind", flat=True)) == ["created"]


def test_create_rejects_a_contact_of_another_customer(make_customer, client_for, service_user):
    customer = make_customer("Acme")
    stranger = add_contact(make_customer("Other"), name="Stranger")
    response = client_for(service_user).post(
        reverse("service:ticket_create"),
        {
            "customer": customer.pk,
            "contact": stranger.pk,
            "type": "inquiry",
            "priority": "normal",
            "channel": "phone",
            "subject": "Hello",
        },
    )
    assert response.status_code == 422
    assert "contact" in response.context["form"].errors
    assert Ticket.objects.count() == 0


def test_create_form_refreshes_its_fields_for_another_customer(
    make_customer, client_for, service_user
):
    customer = make_customer("Acme")
    add_contact(customer, name="Li Lei")
    response = client_for(service_user).get(
        reverse("service:ticket_create"),
        {"customer": customer.pk, "subject": "typed already"},
        HTTP_HX_REQUEST="true",
    )
    assert b"<html" not in response.content
    assert b"Li Lei" in response.content and b"typed already" in response.content


def test_edit_changes_fields_and_records_history(make_ticket, client_for, service_user):
    ticket = make_ticket(subject="Old subject")
    c = client_for(service_user)
    response = c.post(
        reverse("service:ticket_edit", args=[ticket.pk]),
        {"type": "defect", "priority": "urgent", "channel": "email", "subject": "New subject"},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.subject, ticket.priority) == ("New subject", "urgent")
    history = c.get(detail_url(ticket)).context["history"]
    assert history[0].by == "sam"
    assert ("subject", "Old subject", "New subject") in history[0].fields


def test_viewers_cannot_write(make_ticket, client_for, analyst_user, make_user):
    ticket = make_ticket()
    manager = make_user("sales", manager=True)
    posts = {
        "service:ticket_transition": {"status": "open"},
        "service:ticket_comment": {"message": "hi"},
        "service:ticket_assign": {"assignee": ""},
        "service:ticket_rate": {"score": "5"},
        "service:visit_schedule": {"scheduled_at": "2030-01-01T10:00"},
    }
    for user in (analyst_user, manager):
        c = client_for(user)
        assert c.get(detail_url(ticket)).status_code == 200
        assert c.get(reverse("service:ticket_create")).status_code == 403
        assert c.get(reverse("service:ticket_edit", args=[ticket.pk])).status_code == 403
        for name, data in posts.items():
            assert c.post(reverse(name, args=[ticket.pk]), data).status_code == 403, name
    ticket.refresh_from_db()
    assert ticket.status == "new" and ticket.events.count() == 1


def test_writes_to_invisible_tickets_are_404(make_user, make_customer, make_ticket, client_for):
    ticket = make_ticket(make_customer("Theirs", owner=make_user("sales")))
    sally = make_user("sales")
    grant(sally, "change_ticket")
    response = client_for(sally).post(
        reverse("service:ticket_transition", args=[ticket.pk]), {"status": "open"}
    )
    assert response.status_code == 404
    ticket.refresh_from_db()
    assert ticket.status == "new"


# ---- the ticket page and its actions ----------------------------------------------------


def test_detail_shows_only_allowed_transitions_and_times(make_ticket, client_for, service_user):
    ticket = make_ticket(opened_at=timezone.now() - timedelta(hours=5))
    actions.change_status(ticket, "resolved")
    response = client_for(service_user).get(detail_url(ticket))
    assert [s for s, _label in response.context["transitions"]] == ["open", "closed"]
    assert b'value="pending"' not in response.content
    assert response.context["first_response_time"] == "5 h 0 min"
    assert response.context["resolution_time"] == "5 h 0 min"


def test_transition_moves_the_ticket_and_logs_it(make_ticket, client_for, service_user):
    ticket = make_ticket()
    response = client_for(service_user).post(
        reverse("service:ticket_transition", args=[ticket.pk]),
        {"status": "open", "message": "looking"},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == "open" and ticket.first_response_at is not None
    event = ticket.events.last()
    assert (event.kind, event.from_status, event.to_status, event.message) == (
        "status",
        "new",
        "open",
        "looking",
    )


def test_disallowed_transition_is_refused_with_a_message(make_ticket, client_for, service_user):
    ticket = make_ticket()
    actions.change_status(ticket, "closed")
    n_events = ticket.events.count()
    c = client_for(service_user)

    response = c.post(
        reverse("service:ticket_transition", args=[ticket.pk]), {"status": "resolved"}
    )

    assert response.status_code == 422
    assert "cannot move to “Resolved”" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == "closed" and ticket.events.count() == n_events


def test_disallowed_transition_over_htmx_swaps_the_work_area(make_ticket, client_for, service_user):
    ticket = make_ticket()
    actions.change_status(ticket, "closed")
    response = client_for(service_user).post(
        reverse("service:ticket_transition", args=[ticket.pk]),
        {"status": "pending"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422
    assert b"<html" not in response.content
    assert b'id="ticket-error"' in response.content


def test_unknown_status_is_refused(make_ticket, client_for, service_user):
    ticket = make_ticket()
    response = client_for(service_user).post(
        reverse("service:ticket_transition", args=[ticket.pk]), {"status": "exploded"}
    )
    assert response.status_code == 422
    ticket.refresh_from_db()
    assert ticket.status == "new"


def test_transition_needs_post(make_ticket, client_for, service_user):
    ticket = make_ticket()
    url = reverse("service:ticket_transition", args=[ticket.pk])
    assert client_for(service_user).get(url).status_code == 405


def test_htmx_transition_returns_the_refreshed_work_area(make_ticket, client_for, service_user):
    ticket = make_ticket()
    response = client_for(service_user).post(
        reverse("service:ticket_transition", args=[ticket.pk]),
        {"status": "pending"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "service/partials/ticket_work.html"
    assert response.context["ticket"].status == "pending"
    assert "Waiting for customer" in response.content.decode()


def test_reply_to_customer_counts_as_first_response(make_ticket, client_for, service_user):
    ticket = make_ticket()
    c = client_for(service_user)
    c.post(reverse("service:ticket_comment", args=[ticket.pk]), {"message": "internal"})
    ticket.refresh_from_db()
    assert ticket.first_response_at is None
    c.post(
        reverse("service:ticket_comment", args=[ticket.pk]),
        {"message": "We are on it", "to_customer": "on"},
    )
    ticket.refresh_from_db()
    assert ticket.first_response_at is not None
    assert list(ticket.events.values_list("kind", flat=True)) == ["created", "comment", "response"]


def test_empty_comment_is_refused(make_ticket, client_for, service_user):
    ticket = make_ticket()
    response = client_for(service_user).post(
        reverse("service:ticket_comment", args=[ticket.pk]), {"message": "   "}
    )
    assert response.status_code == 422
    assert ticket.events.count() == 1


def test_assign_and_unassign(make_ticket, client_for, service_user, make_user):
    ticket = make_ticket()
    colleague = make_user("service", username="wang")
    c = client_for(service_user)
    c.post(reverse("service:ticket_assign", args=[ticket.pk]), {"assignee": colleague.pk})
    ticket.refresh_from_db()
    assert ticket.assignee == colleague
    c.post(reverse("service:ticket_assign", args=[ticket.pk]), {"assignee": ""})
    ticket.refresh_from_db()
    assert ticket.assignee is None
    assert ticket.events.filter(kind="assigned").count() == 2


def test_cannot_assign_to_someone_outside_the_service_desk(
    make_ticket, client_for, service_user, analyst_user
):
    ticket = make_ticket()
    response = client_for(service_user).post(
        reverse("service:ticket_assign", args=[ticket.pk]), {"assignee": analyst_user.pk}
    )
    assert response.status_code == 422
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_rating_needs_a_resolved_ticket(make_ticket, client_for, service_user):
    ticket = make_ticket()
    c = client_for(service_user)
    url = reverse("service:ticket_rate", args=[ticket.pk])

    refused = c.post(url, {"score": "5"})
    assert refused.status_code == 422
    assert "Only a resolved or closed ticket can be rated." in refused.content.decode()

    actions.change_status(ticket, "resolved")
    assert c.post(url, {"score": "4"}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.satisfaction_score == 4


@pytest.mark.parametrize("score", ["0", "6", "five", ""])
def test_bad_scores_are_refused(score, make_ticket, client_for, service_user):
    ticket = make_ticket()
    actions.change_status(ticket, "resolved")
    response = client_for(service_user).post(
        reverse("service:ticket_rate", args=[ticket.pk]), {"score": score}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 422
    assert b"from 1 to 5" in response.content
    ticket.refresh_from_db()
    assert ticket.satisfaction_score is None
    assert not ticket.events.filter(kind="rated").exists()


def test_schedule_and_record_a_visit(make_customer, make_ticket, client_for, service_user):
    ticket = make_ticket(make_customer("Acme", address="1 Harbour Road"))
    c = client_for(service_user)

    response = c.post(
        reverse("service:visit_schedule", args=[ticket.pk]),
        {"technician": service_user.pk, "scheduled_at": "2030-03-01T09:30"},
    )
    assert response.status_code == 302
    visit = TechnicianVisit.objects.get()
    assert visit.address == "1 Harbour Road" and visit.status == "scheduled"

    response = c.post(
        reverse("service:visit_record", args=[visit.pk]),
        {f"visit-{visit.pk}-outcome": "Replaced the drum", f"visit-{visit.pk}-visited_at": ""},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    visit.refresh_from_db()
    assert visit.status == "done" and visit.outcome == "Replaced the drum"
    assert visit.visited_at is not None
    assert ticket.events.filter(kind=TicketEvent.Kind.VISIT).count() == 2


def test_visit_needs_a_time_and_cancelled_visits_cannot_be_recorded(
    make_ticket, client_for, service_user
):
    ticket = make_ticket()
    c = client_for(service_user)
    response = c.post(reverse("service:visit_schedule", args=[ticket.pk]), {"scheduled_at": ""})
    assert response.status_code == 422 and TechnicianVisit.objects.count() == 0

    visit = actions.schedule_visit(ticket, scheduled_at=timezone.now())
    visit.status = TechnicianVisit.Status.CANCELLED
    visit.save()
    response = c.post(
        reverse("service:visit_record", args=[visit.pk]), {f"visit-{visit.pk}-outcome": "x"}
    )
    assert response.status_code == 422
    assert "A cancelled visit cannot be recorded." in response.content.decode()
    visit.refresh_from_db()
    assert visit.status == "cancelled" and visit.outcome == ""


def test_visit_of_an_invisible_ticket_is_404(make_user, make_customer, make_ticket, client_for):
    ticket = make_ticket(make_customer("Theirs", owner=make_user("sales")))
    visit = actions.schedule_visit(ticket, scheduled_at=timezone.now())
    sally = make_user("sales")
    grant(sally, "change_technicianvisit")
    response = client_for(sally).post(
        reverse("service:visit_record", args=[visit.pk]), {f"visit-{visit.pk}-outcome": "x"}
    )
    assert response.status_code == 404


def test_detail_page_query_count_is_bounded(
    make_ticket, client_for, service_user, django_assert_max_num_queries
):
    ticket = make_ticket()
    for i in range(20):
        actions.add_comment(ticket, f"note {i}", by=service_user)
    for _ in range(5):
        actions.schedule_visit(ticket, scheduled_at=timezone.now(), technician=service_user)
    c = client_for(service_user)
    with django_assert_max_num_queries(18):
        response = c.get(detail_url(ticket))
    assert response.status_code == 200


def test_pages_render_in_chinese(make_user, make_ticket, client_for):
    user = make_user("service", language="zh-hans")
    ticket = make_ticket()
    c = client_for(user)
    assert c.get(reverse("service:ticket_list")).status_code == 200
    assert c.get(detail_url(ticket)).status_code == 200
