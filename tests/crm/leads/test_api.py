"""The leads REST API: capture (201 new, 200 when an open lead was updated), list with
filters, get, qualify, disqualify and convert, with 4xx bodies that say what to fix."""

from __future__ import annotations

import pytest
from tests.crm.api.client import error_fields

from kehu.crm.leads.models import Lead

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(api_for, sales_user):
    return api_for(sales_user)


def _capture(api, **body):
    body.setdefault("name", "Li Na")
    body.setdefault("email", "li@acme.example")
    return api.post("/leads", body)


def test_capture_new_then_the_same_email_updates_it(api, make_customer):
    acme = make_customer("Acme Ltd", email="li@acme.example")
    first = _capture(api, company="Acme")
    assert first.status_code == 201
    body = first.json()
    assert body["created"] and body["matching_customer_id"] == acme.pk
    assert body["lead"]["source"] == "api" and body["lead"]["owner"] is None
    again = _capture(api, email="LI@ACME.example", title="CTO")
    assert again.status_code == 200 and not again.json()["created"]
    assert again.json()["lead"]["id"] == body["lead"]["id"]
    assert Lead.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "", "phone": ""}, "email"),
        ({"email": "not-mail"}, "email"),
        ({"source": "pigeon"}, "source"),
        ({"campaign_id": 999_999}, "campaign_id"),
        ({"owner": "mallory"}, "owner"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_capture_is_a_422_naming_the_field(api, body, field):
    response = _capture(api, **body)
    assert response.status_code == 422, response.content
    assert field in error_fields(response)


def test_list_filters_get_and_the_flow(api, make_customer):
    lead_id = _capture(api).json()["lead"]["id"]
    _capture(api, name="Other", email="o@example.com", source="event")
    assert [r["name"] for r in api.get("/leads", {"source": "event"}).json()["items"]] == ["Other"]
    assert api.get(f"/leads/{lead_id}").json()["status"] == "new"
    assert api.post(f"/leads/{lead_id}/qualify").json()["status"] == "qualified"
    converted = api.post(f"/leads/{lead_id}/convert", {"amount": "500"})
    assert converted.status_code == 200, converted.content
    body = converted.json()
    assert body["status"] == "converted" and body["customer_id"] and body["opportunity_id"]
    refused = api.post(f"/leads/{lead_id}/disqualify", {"reason": "spam"})
    assert refused.status_code == 422
    assert "cannot be marked" in refused.json()["errors"][0]["message"]
    again = api.post(f"/leads/{lead_id}/convert", {})
    assert again.status_code == 422 and "already converted" in again.content.decode()


def test_disqualify_needs_a_reason_of_the_list(api):
    lead_id = _capture(api).json()["lead"]["id"]
    assert api.post(f"/leads/{lead_id}/disqualify", {"reason": "bored"}).status_code == 422
    ok = api.post(f"/leads/{lead_id}/disqualify", {"reason": "no_need", "note": "has one"})
    assert ok.json()["disqualify_reason"] == "no_need"


def test_unknown_lead_is_404_and_roles_are_checked(api, api_for, service_user):
    assert api.get("/leads/999999").status_code == 404
    lead_id = _capture(api).json()["lead"]["id"]
    service = api_for(service_user)
    assert service.get(f"/leads/{lead_id}").status_code == 200
    assert service.post(f"/leads/{lead_id}/qualify").status_code == 403
    assert _capture(service, email="x@example.com").status_code == 403


def test_reopen_assign_and_log_an_activity(api, sales_user):
    lead_id = _capture(api).json()["lead"]["id"]
    api.post(f"/leads/{lead_id}/disqualify", {"reason": "unreachable"})
    assert api.post(f"/leads/{lead_id}/reopen").json()["status"] == "working"
    assert api.post(f"/leads/{lead_id}/reopen").status_code == 422
    assert api.post(f"/leads/{lead_id}/assign", {"owner": "sally"}).json()["owner"] == "sally"
    assert "owner" in error_fields(api.post(f"/leads/{lead_id}/assign", {"owner": "mallory"}))
    logged = api.post(f"/leads/{lead_id}/activities", {"kind": "call", "note": "Left a message"})
    assert logged.status_code == 201
    bad = api.post(f"/leads/{lead_id}/activities", {"kind": "fax", "note": "x"})
    assert bad.status_code == 422 and "kind" in error_fields(bad)
    assert Lead.objects.get(pk=lead_id).events.filter(kind="call").count() == 1
