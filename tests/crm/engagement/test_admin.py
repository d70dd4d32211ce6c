"""Interactions in the admin."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kehu.crm.engagement.actions import log_interaction

pytestmark = pytest.mark.django_db


def test_interactions_are_in_the_admin(admin_user, make_customer, client_for):
    customer = make_customer()
    interaction = log_interaction(customer, by=admin_user, channel="chat", subject="Hello")
    c = client_for(admin_user)
    listing = c.get(reverse("admin:engagement_interaction_changelist"), {"channel__exact": "chat"})
    assert listing.status_code == 200 and "Hello" in listing.text
    change = c.get(reverse("admin:engagement_interaction_change", args=[interaction.pk]))
    assert change.status_code == 200
