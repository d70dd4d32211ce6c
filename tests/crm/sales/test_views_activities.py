from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kehu.crm.sales.actions import complete_activity, create_activity
from kehu.crm.sales.models import Activity

pytestmark = pytest.mark.django_db


def subjects(response):
    return [a.subject for a in response.context["page"].object_list]


def due_in(days: float):
    return timezone.now() + timedelta(days=days)


def test_default_list_is_my_open_activities_soonest_first(make_user, client_for):
    sally, steve = make_user("sales"), make_user("sales")
    create_activity(owner=sally, subject="Later", due_at=due_in(3))
    create_activity(owner=sally, subject="Sooner", due_at=due_in(1))
    complete_activity(create_activity(owner=sally, subject="Done", due_at=due_in(-1)))
    create_activity(owner=steve, subject="Steve's", due_at=due_in(1))
    c = client_for(sally)

    assert subjects(c.get(reverse("sales:activity_list"))) == ["Sooner", "Later"]
    assert subjects(c.get(reverse("sales:activity_list"), {"state": "done"})) == ["Done"]
    assert subjects(c.get(reverse("sales:activity_list"), {"sort": "-due"})) == ["Later", "Sooner"]


def test_all_shows_others_activities_only_of_visible_customers(
    make_user, make_customer, client_for
):
    sally, steve = make_user("sales"), make_user("sales")
    mine = make_customer("Mine Co", owner=sally)
    theirs = make_customer("Theirs Co", owner=steve)
    create_activity(owner=steve, subject="On my customer", customer=mine, due_at=due_in(1))
    create_activity(owner=steve, subject="On theirs", customer=theirs, due_at=due_in(1))
    create_activity(owner=steve, subject="Private", due_at=due_in(1))

    response = client_for(sally).get(reverse("sales:activity_list"), {"who": "all"})

    assert subjects(response) == ["On my customer"]
    manager = client_for(make_user("sales", manager=True))
    assert len(subjects(manager.get(reverse("sales:activity_list"), {"who": "all"}))) == 3


def test_overdue_filter_and_highlight(sales_user, client_for):
    create_activity(owner=sales_user, subject="Late call", due_at=due_in(-2))
    create_activity(owner=sales_user, subject="Future call", due_at=due_in(2))
    c = client_for(sales_user)

    response = c.get(reverse("sales:activity_list"), {"overdue": "1"})

    assert subjects(response) == ["Late call"]
    assert b'class="overdue"' in response.content
    both = c.get(reverse("sales:activity_list")).content
    assert b"Future call" in both and both.count(b'class="overdue"') == 1


def test_activity_list_query_count_does_not_grow_with_rows(
    sales_user, make_customer, client_for, django_assert_max_num_queries
):
    customer = make_customer(owner=sales_user)
    for i in range(30):
        create_activity(owner=sales_user, subject=f"Call {i}", customer=customer, due_at=due_in(i))
    c = client_for(sales_user)
    with django_assert_max_num_queries(10):
        response = c.get(reverse("sales:activity_list"))
    assert len(response.context["page"].object_list) == 25


def test_create_activity_for_an_opportunity_fills_in_its_customer(
    sales_user, make_customer, make_opportunity, client_for
):
    customer = make_customer(owner=sales_user)
    opportunity = make_opportunity(customer, name="Canteen tea")
    c = client_for(sales_user)
    form = c.get(reverse("sales:activity_create"), {"opportunity": opportunity.pk}).context["form"]
    assert str(form["customer"].value()) == str(customer.pk)

    response = c.post(
        reverse("sales:activity_create"),
        {
            "kind": "call",
            "subject": "Call the buyer",
            "due_at": "2026-05-04T09:00",
            "customer": customer.pk,
            "opportunity": opportunity.pk,
        },
    )
    activity = Activity.objects.get()
    assert response.status_code == 302 and response["Location"] == opportunity.get_absolute_url()
    assert activity.owner == sales_user and activity.opportunity == opportunity
    page = client_for(sales_user).get(opportunity.get_absolute_url())
    assert list(page.context["activities"]) == [activity]


def test_activity_opportunity_must_belong_to_its_customer(
    admin_user, make_customer, make_opportunity, client_for
):
    acme, zeta = make_customer("Acme"), make_customer("Zeta")
    opportunity = make_opportunity(zeta)
    response = client_for(admin_user).post(
        reverse("sales:activity_create"),
        {
            "kind": "task",
            "subject": "Mixed up",
            "due_at": "2026-05-04T09:00",
            "customer": acme.pk,
            "opportunity": opportunity.pk,
        },
    )
    assert response.status_code == 200
    assert "opportunity" in response.context["form"].errors
    assert Activity.objects.count() == 0


def test_sales_user_cannot_attach_activity_to_another_owners_customer(
    make_user, make_customer, client_for
):
    sally = make_user("sales")
    theirs = make_customer(owner=make_user("sales"))
    response = client_for(sally).post(
        reverse("sales:activity_create"),
        {"kind": "task", "subject": "Sneaky", "due_at": "2026-05-04T09:00", "customer": theirs.pk},
    )
    assert "customer" in response.context["form"].errors
    assert Activity.objects.count() == 0


def test_complete_toggles_with_htmx_and_returns_the_row(sales_user, client_for):
    activity = create_activity(owner=sales_user, subject="Send offer", due_at=due_in(-1))
    c = client_for(sales_user)
    url = reverse("sales:activity_complete", args=[activity.pk])

    response = c.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response.content.lstrip().startswith(f'<tr id="activity-{activity.pk}"'.encode())
    activity.refresh_from_db()
    assert activity.is_done

    assert c.post(url).status_code == 302
    activity.refresh_from_db()
    assert not activity.is_done
    assert c.get(url).status_code == 405


def test_others_activities_cannot_be_completed_and_analyst_cannot_create(
    make_user, make_customer, analyst_user, client_for
):
    theirs = make_customer(owner=make_user("sales"))
    activity = create_activity(
        owner=theirs.owner, subject="Theirs", customer=theirs, due_at=due_in(1)
    )
    sally = client_for(make_user("sales"))
    assert sally.post(reverse("sales:activity_complete", args=[activity.pk])).status_code == 404
    analyst = client_for(analyst_user)
    assert analyst.get(reverse("sales:activity_create")).status_code == 403
    assert analyst.post(reverse("sales:activity_complete", args=[activity.pk])).status_code == 403


def test_activity_export_has_every_filtered_row(sales_user, client_for):
    for i in range(8):
        create_activity(owner=sales_user, subject=f"Task {i}", due_at=due_in(i - 3.5))
    response = client_for(sales_user).get(reverse("sales:activity_export"), {"overdue": "1"})
    lines = b"".join(response.streaming_content).decode("utf-8-sig").strip().splitlines()
    assert lines[0].startswith("due_at,kind,subject")
    assert len(lines) == 1 + 4
