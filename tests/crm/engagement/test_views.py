"""Correcting and deleting an interaction on its pages: its author or an administrator."""

from __future__ import annotations

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
