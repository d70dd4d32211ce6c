"""Correcting and deleting an interaction over the API: its author or an administrator."""

from __future__ import annotations

import pytest

from kehu.crm.engagement.actions import log_interaction
from kehu.crm.engagement.models import Interaction

pytestmark = pytest.mark.django_db


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
