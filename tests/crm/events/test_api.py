"""The events API: the list with filters, one event, and the plan with each item's
schedule figures, the critical path and the delays; 4xx on bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests.crm.api.client import error_fields
from tests.crm.events.conftest import TODAY

from kehu.crm.events import actions

pytestmark = pytest.mark.django_db


def test_list_and_get_events(fair, api_for, service_user):
    api = api_for(service_user)
    actions.create_event(
        name="Tea Summit",
        kind="conference",
        starts_on=TODAY + timedelta(90),
        ends_on=TODAY + timedelta(90),
    )
    with CaptureQueriesContext(connection) as queries:
        listed = api.get("/events", {"kind": "fair"})
    assert listed.status_code == 200
    assert [e["name"] for e in listed.json()["items"]] == ["Canton Fair"]
    assert len(queries) <= 6  # token, user, count, page (+ owners joined)
    one = api.get(f"/events/{fair.pk}").json()
    assert one["id"] == fair.pk and one["owner"] == "mia" and one["slug"].startswith("canton")


def test_the_plan_gives_the_schedule_figures_and_the_delays(fair, api_for, service_user):
    build = fair.items["Build booth"]
    actions.update_work_item(build, actual_start=TODAY, expected_finish=fair.starts_on)
    plan = api_for(service_user).get(f"/events/{fair.pk}/plan", {"today": str(TODAY)}).json()
    items = {i["name"]: i for i in plan["items"]}
    assert items["Print flyers"]["slack_days"] > 0 and not items["Print flyers"]["critical"]
    assert items["Build booth"]["critical"] and items["Build booth"]["days_late"] == 15
    assert items["Staff the booth"]["depends_on"] == [
        {"predecessor_id": fair.items["Set up booth"].pk, "kind": "space", "lag_days": 0},
        {"predecessor_id": fair.items["Print flyers"].pk, "kind": "time", "lag_days": 0},
    ]
    assert plan["critical_path"][0] == fair.items["Book space"].pk
    [delay] = plan["delays"]
    assert delay["item_id"] == build.pk and delay["delays_event"]
    assert {p["name"]: p["days"] for p in delay["pushed"]} == {
        "Set up booth": 2,
        "Staff the booth": 2,
        "Follow up": 2,
    }


def test_bad_input_is_a_4xx_naming_it(fair, api_for, service_user):
    api = api_for(service_user)
    assert error_fields(api.get("/events", {"kind": "party"})) == {"kind": "literal_error"}
    response = api.get(f"/events/{fair.pk}/plan", {"today": "yesterday"})
    assert response.status_code == 422 and "today" in error_fields(response)
    assert api.get("/events/987654321").status_code == 404


def test_the_api_needs_a_token(anonymous_api):
    assert anonymous_api.get("/events").status_code == 401
