"""The door: the check-in page (works without JavaScript: a plain form) and the API."""

from __future__ import annotations

import pytest
from django.urls import reverse
from tests.crm.api.client import error_fields

from kehu.crm.attendance import actions


def test_a_badge_typed_at_the_door_checks_in_and_counts(event, make_user, client_for):
    p = actions.add_participant(event, name="Wang Fang", company="Lotus")
    actions.add_participant(event, name="Other")
    client = client_for(make_user("marketing"))
    url = reverse("events:checkin", args=[event.pk])
    page = client.get(url).content.decode()
    assert 'name="code"' in page and "csrfmiddlewaretoken" in page
    response = client.post(url, {"code": p.badge_code.lower()})
    page = response.content.decode()
    assert response.status_code == 200 and "Welcome, Wang Fang: checked in." in page
    counts = response.context["counts"]
    assert (counts.checked_in, counts.registered) == (1, 2)
    again = client.post(url, {"code": p.badge_code}).content.decode()
    p.refresh_from_db()
    assert f"Wang Fang was already checked in at {actions.checked_in_time(p)}." in again


def test_the_door_says_why_a_badge_is_refused(event, make_event, make_user, client_for):
    other = actions.add_participant(make_event("Spring Conference"), name="Chen Jie")
    cancelled = actions.add_participant(event, name="Li Lei")
    actions.cancel_participant(cancelled)
    client = client_for(make_user("marketing"))
    url = reverse("events:checkin", args=[event.pk])
    for code, message in [
        ("QQQQQQQQQQ", "No badge has the code QQQQQQQQQQ."),
        (other.badge_code, "Chen Jie&#x27;s badge is for another event: Spring Conference."),
        (cancelled.badge_code, "Li Lei&#x27;s registration was cancelled."),
        ("", "Type or scan a badge code."),
    ]:
        response = client.post(url, {"code": code})
        assert response.status_code == 422 and message in response.content.decode()


def test_the_api_checks_in_and_refuses_with_a_code(event, make_event, make_user, api_for):
    api = api_for(make_user("marketing"))
    p = actions.add_participant(event, name="Wang Fang")
    response = api.post(f"/events/{event.pk}/check-in", {"code": p.badge_code})
    assert response.status_code == 200 and response.json()["already"] is False
    assert response.json()["participant"]["status"] == "checked_in"
    assert api.post(f"/events/{event.pk}/check-in", {"code": p.badge_code}).json()["already"]
    other = actions.add_participant(make_event("Other"), name="Chen")
    response = api.post(f"/events/{event.pk}/check-in", {"code": other.badge_code})
    assert response.status_code == 422 and error_fields(response) == {"code": "other_event"}
    assert api.post(f"/events/{event.pk}/check-in", {}).status_code == 422
    assert api.post("/events/999999/check-in", {"code": p.badge_code}).status_code == 404


def test_the_api_lists_and_adds_participants(event, make_user, make_customer, api_for):
    user = make_user("sales")
    customer = make_customer("Lotus Tea Co", owner=user, email="buy@lotus.example")
    api = api_for(user)
    response = api.post(
        f"/events/{event.pk}/participants", {"customer_id": customer.pk, "kind": "trade_buyer"}
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["name"], body["email"], body["customer_id"]) == (
        "Lotus Tea Co",
        "buy@lotus.example",
        customer.pk,
    )
    listed = api.get(f"/events/{event.pk}/participants", {"kind": "trade_buyer"}).json()
    assert [r["id"] for r in listed["items"]] == [body["id"]]
    again = api.post(f"/events/{event.pk}/participants", {"customer_id": customer.pk})
    assert again.status_code == 422 and error_fields(again) == {"name": "duplicate"}
    bad = api.post(f"/events/{event.pk}/participants", {"name": "X", "kind": "vip"})
    assert bad.status_code == 422
    bad = api.post(f"/events/{event.pk}/participants", {"name": "X", "email": "nope"})
    assert bad.status_code == 422 and "email" in error_fields(bad)
    # a sales user cannot check in (the door is marketing's)
    assert api.post(f"/events/{event.pk}/check-in", {"code": body["badge_code"]}).status_code == 403


def test_the_api_hides_customers_a_seller_does_not_see(event, make_user, make_customer, api_for):
    other = make_customer("Not Mine", owner=make_user("sales"))
    response = api_for(make_user("sales")).post(
        f"/events/{event.pk}/participants", {"customer_id": other.pk}
    )
    assert response.status_code == 422 and error_fields(response) == {
        "customer_id": "does_not_exist"
    }


@pytest.mark.parametrize("status", ["checked_in", "cancelled", "no_show"])
def test_the_api_adds_a_participant_only_as_invited_registered_or_confirmed(
    event, make_user, api_for, status
):
    api = api_for(make_user("marketing"))
    response = api.post(f"/events/{event.pk}/participants", {"name": "X", "status": status})
    assert response.status_code == 422 and error_fields(response) == {"status": "literal_error"}
    assert not event.participants.exists()
