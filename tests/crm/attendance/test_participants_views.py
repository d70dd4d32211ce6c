"""The staff pages of an event's participants: the list (filters, search, export of
exactly the filtered rows), adding one linked to a customer and contact, a participant's
page (status, badge, a conversation, making them a customer), the invitations, and who
may do what."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from kehu.crm.attendance import actions
from kehu.crm.attendance.models import Participant


@pytest.fixture
def crowd(event, make_customer):
    """Two trade buyers (one checked in), an exhibitor and a cancelled visitor."""
    lotus = make_customer("Lotus Tea Co")
    a = actions.add_participant(event, customer=lotus, kind="trade_buyer")
    b = actions.add_participant(
        event, name="Wang Fang", email="wang@example.com", kind="trade_buyer"
    )
    actions.check_in(event, b.badge_code)
    c = actions.add_participant(event, name="Jade Imports", kind="exhibitor")
    d = actions.add_participant(event, name="Zhao Lei", kind="general")
    actions.cancel_participant(d)
    return {"lotus": a, "wang": b, "jade": c, "zhao": d}


def _export(client, event, **params):
    url = reverse("events:participant_export", args=[event.pk])
    response = client.get(url, params)
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


def test_the_list_filters_by_kind_and_status_and_exports_exactly_those(
    event, crowd, make_user, client_for
):
    client = client_for(make_user("marketing"))
    url = reverse("events:participants", args=[event.pk])
    page = client.get(url, {"kind": "trade_buyer"}).content.decode()
    assert "Lotus Tea Co" in page and "Wang Fang" in page and "Jade Imports" not in page
    page = client.get(url, {"kind": "trade_buyer", "status": "checked_in"}).content.decode()
    assert "Wang Fang" in page and "Lotus Tea Co" not in page
    rows = _export(client, event, kind="trade_buyer", status="checked_in")
    assert [(r["name"], r["status"], r["badge_code"]) for r in rows] == [
        ("Wang Fang", "checked_in", crowd["wang"].badge_code)
    ]
    assert {r["name"] for r in _export(client, event)} == {
        "Lotus Tea Co",
        "Wang Fang",
        "Jade Imports",
        "Zhao Lei",
    }


def test_search_finds_by_email_and_by_badge_code(event, crowd, make_user, client_for):
    client = client_for(make_user("marketing"))
    url = reverse("events:participants", args=[event.pk])
    assert "Wang Fang" in client.get(url, {"q": "wang@example"}).content.decode()
    page = client.get(url, {"q": crowd["jade"].badge_code.lower()}).content.decode()
    assert "Jade Imports" in page and "Wang Fang" not in page


def test_a_bad_filter_is_a_400_naming_it(event, make_user, client_for):
    client = client_for(make_user("marketing"))
    response = client.get(reverse("events:participants", args=[event.pk]), {"status": "vip"})
    assert response.status_code == 400


def test_the_list_counts_registered_and_checked_in(event, crowd, make_user, client_for):
    client = client_for(make_user("marketing"))
    response = client.get(reverse("events:participants", args=[event.pk]))
    counts = response.context["counts"]
    assert (counts.registered, counts.checked_in) == (3, 1)


def test_the_list_pages(event, make_user, client_for, settings):
    settings.KEHU_PAGE_SIZE = 2
    for i in range(5):
        actions.add_participant(event, name=f"Visitor {i}")
    client = client_for(make_user("marketing"))
    response = client.get(reverse("events:participants", args=[event.pk]), {"page": 3})
    assert [p.name for p in response.context["page"].object_list] == ["Visitor 4"]


def test_adding_a_participant_picked_from_a_customer_and_contact(
    event, make_user, make_customer, client_for
):
    from kehu.crm.customers.actions import add_contact

    customer = make_customer("Lotus Tea Co")
    add_contact(customer, name="Wang Wei")
    contact = add_contact(customer, name="Li Na", email="li@lotus.example", is_primary=True)
    url = reverse("events:participant_add", args=[event.pk])
    admin = client_for(make_user("admin"))
    response = admin.get(url, {"customer": customer.pk})  # the contacts follow the picker
    assert f'<option value="{contact.pk}" selected>Li Na' in response.content.decode()
    response = admin.post(
        url,
        {
            "customer": customer.pk,
            "contact": contact.pk,
            "kind": "trade_buyer",
            "status": "registered",
        },
    )
    p = Participant.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "events:participant", args=[event.pk, p.pk]
    )
    assert (p.customer, p.contact, p.name, p.email) == (
        customer,
        contact,
        "Li Na",
        "li@lotus.example",
    )


def test_adding_nobody_says_what_to_fill(event, make_user, client_for):
    response = client_for(make_user("admin")).post(
        reverse("events:participant_add", args=[event.pk]),
        {"kind": "general", "status": "registered"},
    )
    assert response.status_code == 422
    assert "Give the participant&#x27;s name, or pick a customer." in response.content.decode()


def test_a_sales_user_cannot_add_a_customer_they_do_not_see(
    event, make_user, make_customer, client_for
):
    other = make_customer("Not Mine", owner=make_user("sales"))
    response = client_for(make_user("sales")).post(
        reverse("events:participant_add", args=[event.pk]),
        {"customer": other.pk, "kind": "general", "status": "registered"},
    )
    assert response.status_code == 422 and not Participant.objects.exists()


def test_a_conversation_is_logged_from_the_participant_page(
    event, make_user, make_customer, client_for
):
    user = make_user("sales")
    customer = make_customer("Lotus Tea Co", owner=user)
    p = actions.add_participant(event, customer=customer, kind="trade_buyer")
    client = client_for(user)
    url = reverse("events:participant_conversation", args=[event.pk, p.pk])
    response = client.post(url, {"subject": "Wants oolong samples", "body": "Send by May"})
    assert response.status_code == 302
    interaction = customer.interactions.get()
    assert (interaction.channel, interaction.subject, interaction.user) == (
        "exhibition",
        "Wants oolong samples",
        user,
    )
    page = client.get(reverse("events:participant", args=[event.pk, p.pk])).content.decode()
    assert "Wants oolong samples" in page


def test_a_participant_without_customer_is_offered_to_become_one(event, make_user, client_for):
    p = actions.add_participant(event, name="Zhao Lei", company="Jade Imports")
    client = client_for(make_user("sales"))
    page = client.get(reverse("events:participant", args=[event.pk, p.pk])).content.decode()
    assert "Create the customer" in page
    client.post(reverse("events:participant_make_customer", args=[event.pk, p.pk]))
    p.refresh_from_db()
    assert p.customer.name == "Jade Imports" and p.contact.name == "Zhao Lei"


def test_status_changes_and_their_refusals_are_said(event, make_user, client_for):
    p = actions.add_participant(event, name="Zhao")
    actions.check_in(event, p.badge_code)
    client = client_for(make_user("marketing"))
    url = reverse("events:participant_status", args=[event.pk, p.pk])
    response = client.post(url, {"status": "cancelled"}, follow=True)
    assert "Zhao has already checked in and cannot be cancelled." in response.content.decode()
    response = client.post(url, {"status": "vip"}, follow=True)
    assert response.status_code == 200
    p.refresh_from_db()
    assert p.status == "checked_in"


def test_the_printable_badge_has_the_qr_code(event, make_user, client_for):
    p = actions.add_participant(event, name="Zhao Lei")
    page = client_for(make_user("service")).get(
        reverse("events:participant_badge", args=[event.pk, p.pk])
    )
    body = page.content.decode()
    assert page.status_code == 200 and "<svg" in body and p.badge_code in body


def test_a_participant_of_another_event_is_a_404(event, make_event, make_user, client_for):
    p = actions.add_participant(make_event("Other"), name="Zhao")
    response = client_for(make_user("admin")).get(
        reverse("events:participant", args=[event.pk, p.pk])
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("role", "view", "add", "change"),
    [
        ("marketing", 200, 200, 200),
        ("sales", 200, 200, 403),
        ("service", 200, 403, 403),
        ("analyst", 200, 403, 403),
    ],
)
def test_what_each_role_may_open(event, make_user, client_for, role, view, add, change):
    client = client_for(make_user(role))
    assert client.get(reverse("events:participants", args=[event.pk])).status_code == view
    assert client.get(reverse("events:participant_add", args=[event.pk])).status_code == add
    assert client.get(reverse("events:checkin", args=[event.pk])).status_code == change


def test_invitations_create_a_campaign_with_the_link_and_invited_participants(
    event, make_user, client_for, make_customer, settings
):
    from kehu.crm.marketing.actions import create_target_list
    from kehu.crm.marketing.models import Campaign

    settings.KEHU_SITE_URL = "https://crm.example.com"
    user = make_user("marketing")
    for i in range(4):
        make_customer(f"Guest {i}", email=f"guest{i}@example.com", consent_email=True)
    make_customer("No consent", email="no@example.com")
    target_list = create_target_list(name="All", filters={}, by=user)
    response = client_for(user).post(
        reverse("events:invitations", args=[event.pk]),
        {"target_list": target_list.pk, "channels": ["email"]},
    )
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and response.url == campaign.get_absolute_url()
    assert (campaign.goal, campaign.target_list, campaign.status) == ("event", target_list, "draft")
    link = f"https://crm.example.com/e/{event.slug}/"
    assert link in campaign.body_en and link in campaign.body_zh
    invited = event.participants.filter(status="invited", source="invitation")
    assert sorted(invited.values_list("name", flat=True)) == [f"Guest {i}" for i in range(4)]
    # invited again: nobody twice
    client_for(user).post(
        reverse("events:invitations", args=[event.pk]),
        {"target_list": target_list.pk, "channels": ["email"]},
    )
    assert invited.count() == 4


def test_invitations_need_a_target_list_or_a_segment(event, make_user, client_for):
    response = client_for(make_user("marketing")).post(
        reverse("events:invitations", args=[event.pk]), {"channels": ["email"]}
    )
    assert response.status_code == 422
    assert "Choose a target list or a segment (one of the two)." in response.content.decode()


def test_the_list_and_the_api_read_in_a_fixed_number_of_queries(
    event, make_user, make_customer, client_for, api_for
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = make_user("marketing")
    client, api = client_for(user), api_for(user)

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as page:
            assert client.get(reverse("events:participants", args=[event.pk])).status_code == 200
        with CaptureQueriesContext(connection) as rest:
            assert api.get(f"/events/{event.pk}/participants").status_code == 200
        return len(page), len(rest)

    actions.add_participant(event, customer=make_customer("First"))
    count()  # the first requests warm the caches (permissions, content types)
    few = count()
    for i in range(15):
        actions.add_participant(event, customer=make_customer(f"Customer {i}"))
    assert count() == few


def test_invitations_to_a_segment_make_its_target_list(event, make_user, make_customer, client_for):
    from kehu.crm.intelligence.models import CustomerScore, ValueRun
    from kehu.crm.marketing.models import Campaign

    run = ValueRun.objects.create(status=ValueRun.Status.DONE)
    for i, segment in enumerate(["Champions", "Champions", "At risk"]):
        customer = make_customer(f"Scored {i}", email=f"s{i}@example.com", consent_email=True)
        CustomerScore.objects.create(customer=customer, run=run, rfm_segment=segment)
    response = client_for(make_user("marketing")).post(
        reverse("events:invitations", args=[event.pk]),
        {"segment": "Champions", "channels": ["email"]},
    )
    assert response.status_code == 302
    campaign = Campaign.objects.get()
    assert campaign.target_list.filters == {"segment": "Champions"}
    assert campaign.target_list.name == "Tea Fair: Champions"
    invited = event.participants.filter(status="invited").values_list("name", flat=True)
    assert sorted(invited) == ["Scored 0", "Scored 1"]


@pytest.mark.parametrize("picked", ["²", "99999999999999999999999"])
def test_a_picked_customer_that_is_no_id_is_refused_not_a_500(event, make_user, client_for, picked):
    url = reverse("events:participant_add", args=[event.pk])
    admin = client_for(make_user("admin"))
    assert admin.get(url, {"customer": picked}).status_code == 200
    response = admin.post(
        url, {"customer": picked, "name": "Li Na", "kind": "general", "status": "registered"}
    )
    assert response.status_code == 422 and not Participant.objects.exists()
    response = admin.post(
        url, {"contact": picked, "name": "Li Na", "kind": "general", "status": "registered"}
    )
    assert response.status_code == 422 and not Participant.objects.exists()


def test_a_seller_neither_reads_nor_logs_conversations_of_another_sellers_customer(
    event, make_user, make_customer, client_for
):
    owner, other = make_user("sales"), make_user("sales")
    customer = make_customer("Lotus Tea Co", owner=owner)
    p = actions.add_participant(event, customer=customer, kind="trade_buyer")
    url = reverse("events:participant_conversation", args=[event.pk, p.pk])
    assert client_for(owner).post(url, {"subject": "Wants a discount of 30%"}).status_code == 302
    client = client_for(other)
    page = client.get(reverse("events:participant", args=[event.pk, p.pk])).content.decode()
    assert "Wants a discount of 30%" not in page and url not in page
    assert client.post(url, {"subject": "Mine now"}).status_code == 403
    assert customer.interactions.count() == 1


@pytest.mark.parametrize("status", ["no_show", "invited", "registered"])
def test_a_checked_in_participant_stays_checked_in(event, make_user, client_for, status):
    p = actions.add_participant(event, name="Zhao")
    actions.check_in(event, p.badge_code)
    client = client_for(make_user("marketing"))
    url = reverse("events:participant_status", args=[event.pk, p.pk])
    response = client.post(url, {"status": status}, follow=True)
    assert "Zhao has already checked in: the status stays Checked in." in response.content.decode()
    p.refresh_from_db()
    assert p.status == "checked_in" and p.checked_in_at is not None
