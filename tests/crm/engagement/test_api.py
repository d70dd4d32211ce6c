"""Interactions over the API: logging them (time zones, dates far ahead, validation),
filtering them, and correcting or deleting one (its author or an administrator)."""

from __future__ import annotations

import pytest
from tests.crm.api.client import error_fields

from kehu.crm.engagement.actions import log_interaction
from kehu.crm.engagement.models import Interaction

pytestmark = pytest.mark.django_db


def test_log_interaction_with_timezone(api_for, sales_user, make_customer):
    customer = make_customer("Acme", owner=sales_user)
    response = api_for(sales_user).post(
        "/interactions",
        {
            "customer_id": customer.pk,
            "channel": "visit",
            "direction": "inbound",
            "subject": "Walk-in",
            "occurred_at": "2025-05-05T10:00:00+08:00",
            "duration_minutes": 30,
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert body["occurred_at"] == "2025-05-05T02:00:00Z"
    assert body["user"] == "sally"


def test_an_interaction_dated_after_tomorrow_needs_confirm_dates(
    api_for, sales_user, make_customer
):
    customer = make_customer("Acme", owner=sales_user)
    api = api_for(sales_user)
    body = {
        "customer_id": customer.pk,
        "channel": "phone",
        "subject": "Typo year",
        "occurred_at": "2099-05-05T10:00:00Z",
    }
    assert error_fields(api.post("/interactions", body)) == {"occurred_at": "far_future"}
    assert not Interaction.objects.exists()
    created = api.post("/interactions", body | {"confirm_dates": True}).json()
    fixed = api.patch(f"/interactions/{created['id']}", {"occurred_at": "2025-05-05T10:00:00Z"})
    assert fixed.status_code == 200
    again = api.patch(f"/interactions/{created['id']}", {"occurred_at": "2199-05-05T10:00:00Z"})
    assert error_fields(again) == {"occurred_at": "far_future"}


def test_interaction_validation(api_for, sales_user, make_customer):
    from kehu.crm.customers.actions import add_contact

    customer = make_customer("Acme", owner=sales_user)
    stranger = add_contact(make_customer("Other"), name="Stranger")
    api = api_for(sales_user)
    response = api.post(
        "/interactions",
        {
            "customer_id": customer.pk,
            "channel": "telepathy",
            "subject": "s" * 201,
            "duration_minutes": -1,
            "occurred_at": "0001-01-01T00:00:00+05:00",
        },
    )
    assert error_fields(response) == {
        "channel": "literal_error",
        "subject": "string_too_long",
        "duration_minutes": "greater_than_equal",
        "occurred_at": "datetime_out_of_range",
    }
    response = api.post(
        "/interactions",
        {"customer_id": customer.pk, "channel": "sms", "subject": "x", "contact_id": stranger.pk},
    )
    assert error_fields(response) == {"contact_id": "does_not_exist"}
    assert not Interaction.objects.exists()


def test_interaction_filters(api_for, admin_user, make_customer):
    from datetime import timedelta

    from django.utils import timezone

    from kehu.crm.engagement.actions import log_interaction

    acme, other = make_customer("Acme"), make_customer("Other")
    log_interaction(
        acme, channel="email", subject="Old", occurred_at=timezone.now() - timedelta(days=9)
    )
    log_interaction(acme, channel="phone", subject="New", direction="inbound")
    log_interaction(other, channel="email", subject="Theirs")
    api = api_for(admin_user)

    def subjects(**params: object) -> list[str]:
        return [i["subject"] for i in api.get("/interactions", params).json()["items"]]

    assert subjects(customer_id=acme.pk) == ["New", "Old"]
    assert subjects(channel="email", customer_id=acme.pk) == ["Old"]
    assert subjects(direction="inbound") == ["New"]
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert sorted(subjects(since=since)) == ["New", "Theirs"]
    assert api.get("/interactions", {"since": "yesterday"}).status_code == 422


def test_the_author_patches_and_deletes_over_the_api(api_for, sales_user, make_customer):
    customer = make_customer(owner=sales_user)
    interaction = log_interaction(customer, by=sales_user, channel="email", subject="Offer")
    api = api_for(sales_user)
    response = api.patch(f"/interactions/{interaction.pk}", {"subject": "Sent the offer"})
    assert response.status_code == 200 and response.json()["subject"] == "Sent the offer"
    assert api.patch(f"/interactions/{interaction.pk}", {"duration_minutes": -3}).status_code == 422
    deleted = api.client.delete(f"/api/interactions/{interaction.pk}")
    assert deleted.status_code == 204 and not Interaction.objects.exists()


def test_others_get_403_and_an_administrator_may(
    api_for, sales_user, service_user, admin_user, make_customer
):
    customer = make_customer(owner=sales_user)
    interaction = log_interaction(customer, by=sales_user, channel="email", subject="Offer")
    service = api_for(service_user)
    refused = service.patch(f"/interactions/{interaction.pk}", {"subject": "Mine now"})
    assert refused.status_code == 403 and "author" in refused.json()["detail"]
    assert service.client.delete(f"/api/interactions/{interaction.pk}").status_code == 403
    assert (
        api_for(admin_user)
        .patch(f"/interactions/{interaction.pk}", {"subject": "Fixed"})
        .status_code
        == 200
    )
    interaction.refresh_from_db()
    assert interaction.subject == "Fixed"
