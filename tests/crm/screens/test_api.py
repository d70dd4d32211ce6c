"""The screens' API: a customer's timeline, merged and paged."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_timeline_merges_interactions_orders_and_tickets(api_for, two_sellers):
    sally = two_sellers["sally"]
    body = api_for(sally["user"]).get(f"/customers/{sally['customer'].pk}/timeline").json()
    assert body["count"] == 3
    assert sorted(e["kind"] for e in body["items"]) == ["interaction", "order", "ticket"]
    paged = api_for(sally["user"]).get(
        f"/customers/{sally['customer'].pk}/timeline", {"limit": 1, "offset": 1}
    )
    assert paged.json()["items"] == body["items"][1:2]
