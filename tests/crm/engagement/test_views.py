"""The interaction pages: the list and its CSV export (scope, filters, a bad filter a
400), and correcting or deleting an interaction: its author or an administrator."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from kehu.crm.engagement.actions import log_interaction
from kehu.crm.engagement.models import Interaction

pytestmark = pytest.mark.django_db


def test_the_author_edits_and_deletes_own_interaction(make_user, make_customer, client_for):
    sally = make_user("sales")
    customer = make_customer(owner=sally)
    interaction = log_interaction(customer, by=sally, channel="email", subject="Sent offer")
    c = client_for(sally)
    page = c.get(customer.get_absolute_url()).text
    assert reverse("engagement:edit", args=[interaction.pk]) in page

    response = c.post(
        reverse("engagement:edit", args=[interaction.pk]),
        {
            "channel": "phone",
            "direction": "outbound",
            "subject": "Called about the offer",
            "occurred_at": "2026-01-10T09:30",
            "duration_minutes": "5",
        },
    )
    assert response.status_code == 302
    interaction.refresh_from_db()
    assert (interaction.channel, interaction.subject) == ("phone", "Called about the offer")

    assert c.get(reverse("engagement:delete", args=[interaction.pk])).status_code == 200
    assert c.post(reverse("engagement:delete", args=[interaction.pk])).status_code == 302
    assert not Interaction.objects.exists()


def test_others_cannot_change_an_entry_but_an_administrator_can(
    make_user, make_customer, admin_user, service_user, client_for
):
    sally = make_user("sales")
    customer = make_customer(owner=sally)
    interaction = log_interaction(customer, by=sally, channel="email", subject="Sent offer")
    edit = reverse("engagement:edit", args=[interaction.pk])
    delete = reverse("engagement:delete", args=[interaction.pk])

    service = client_for(service_user)  # sees every customer, but is not the author
    assert service.get(edit).status_code == 403
    assert service.post(delete).status_code == 403
    assert (
        reverse("engagement:edit", args=[interaction.pk])
        not in service.get(customer.get_absolute_url()).text
    )
    other_sales = client_for(make_user("sales"))  # cannot even see the customer
    assert other_sales.get(edit).status_code == 404
    assert client_for(make_user("analyst")).get(edit).status_code == 403

    assert client_for(admin_user).post(delete).status_code == 302
    assert not Interaction.objects.exists()


@pytest.fixture
def logged(make_user, make_customer):
    """Sally's customer with a phone call in and an email out, Steve's with a call."""
    sally, steve = make_user("sales", username="sally"), make_user("sales", username="steve")
    hers = make_customer("Hers Co", owner=sally)
    his = make_customer("His Co", owner=steve)

    def log(customer, user, channel, direction, subject, day):
        when = datetime(2025, 4, day, 9, 0, tzinfo=UTC)
        return log_interaction(
            customer,
            by=user,
            channel=channel,
            direction=direction,
            subject=subject,
            occurred_at=when,
        )

    log(hers, sally, "phone", "inbound", "Asked for prices", 1)
    log(hers, sally, "email", "outbound", "Sent the offer", 2)
    log(his, steve, "phone", "outbound", "Followed up", 3)
    return sally, steve


def test_the_list_shows_visible_interactions_newest_first_and_filters(logged, client_for):
    sally, _ = logged
    c = client_for(sally)

    def subjects(**params):
        response = c.get(reverse("engagement:interaction_list"), params)
        assert response.status_code == 200
        return [i.subject for i in response.context["page"].object_list]

    assert subjects() == ["Sent the offer", "Asked for prices"]  # not Steve's customer's
    assert subjects(channel="phone") == ["Asked for prices"]
    assert subjects(direction="outbound") == ["Sent the offer"]
    bad = c.get(reverse("engagement:interaction_list"), {"channel": "pigeon"})
    assert bad.status_code == 400


def test_the_export_has_the_filtered_rows_a_user_may_see(logged, client_for, admin_user):
    sally, _ = logged

    def rows(user, **params):
        response = client_for(user).get(reverse("engagement:interaction_export"), params)
        body = b"".join(response.streaming_content).decode("utf-8-sig")
        return list(csv.DictReader(io.StringIO(body)))

    mine = rows(sally, channel="phone")
    assert [(r["customer"], r["subject"], r["user"]) for r in mine] == [
        ("Hers Co", "Asked for prices", "sally")
    ]
    assert [r["subject"] for r in rows(admin_user, channel="phone")] == [
        "Followed up",
        "Asked for prices",
    ]


def test_the_list_opens_for_every_role_and_sends_a_stranger_to_sign_in(
    make_user, client_for, client
):
    assert client.get(reverse("engagement:interaction_list")).status_code == 302  # sign in
    for role in ("sales", "service", "marketing", "analyst"):
        user = make_user(role)
        assert client_for(user).get(reverse("engagement:interaction_list")).status_code == 200
