"""Campaigns, target lists and the suppression list over the REST API: create, read,
change, enrol, results, and clear 4xx answers for what cannot be done."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from tests.crm.api.client import error_fields

from kehu.crm.marketing import actions
from kehu.crm.marketing.models import Campaign, CampaignMember, Suppression

pytestmark = pytest.mark.django_db
TODAY = date.today()


@pytest.fixture
def marketer(make_user):
    return make_user("marketing", username="mia")


def _body(**fields):
    return {
        "name": "Spring win-back",
        "goal": "win_back",
        "channels": ["sms", "email"],
        "starts_on": TODAY.isoformat(),
        "ends_on": (TODAY + timedelta(days=30)).isoformat(),
        **fields,
    }


def test_a_campaign_is_created_with_the_goal_s_messages_read_and_listed(api_for, marketer):
    api = api_for(marketer)
    response = api.post("/campaigns", _body(control_share=0.2, cost="150.00"))
    assert response.status_code == 201, response.json()
    campaign = response.json()
    assert campaign["channels"] == ["sms", "email"] and campaign["status"] == "draft"
    assert campaign["owner"] == "mia" and campaign["control_share"] == 0.2
    assert campaign["subject_en"] == "We miss you, {{ customer.greeting_name }}"
    assert campaign["n_members"] == 0
    assert api.get(f"/campaigns/{campaign['id']}").json() == campaign
    listed = api.get("/campaigns", {"goal": "win_back"}).json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == campaign["id"]
    assert api.get("/campaigns", {"goal": "survey"}).json()["count"] == 0


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"channels": []}, {"channels": "too_short"}),
        ({"channels": ["fax"]}, {"channels.0": "literal_error"}),
        ({"control_share": 0.9}, {"control_share": "less_than_equal"}),
        ({"ends_on": (TODAY - timedelta(days=1)).isoformat()}, {"ends_on": "invalid"}),
        ({"body_en": "{% if %}"}, {"body_en": "invalid"}),
        ({"target_list_id": 999}, {"target_list_id": "does_not_exist"}),
        ({"owner": "nobody"}, {"owner": "does_not_exist"}),
        ({"spam": 1}, {"spam": "extra_forbidden"}),
    ],
)
def test_a_bad_campaign_is_a_422_naming_the_field(api_for, marketer, fields, errors):
    response = api_for(marketer).post("/campaigns", _body(**fields))
    assert response.status_code == 422, response.json()
    assert error_fields(response) == errors
    assert not Campaign.objects.exists()


def test_patch_changes_the_message_but_not_the_audience_once_enrolled(
    api_for, marketer, make_reachable
):
    make_reachable(3)
    api = api_for(marketer)
    target = api.post("/target-lists", {"name": "All"}).json()
    campaign = api.post("/campaigns", _body(target_list_id=target["id"], channels=["email"]))
    pk = campaign.json()["id"]
    enrolled = api.post(f"/campaigns/{pk}/enrol")
    assert enrolled.status_code == 200 and enrolled.json() == {"enrolled": 3, "members": 3}
    response = api.patch(f"/campaigns/{pk}", {"body_en": "New text", "cost": "20"})
    assert response.status_code == 200
    assert response.json()["body_en"] == "New text" and response.json()["cost"] == "20.00"
    refused = api.patch(f"/campaigns/{pk}", {"control_share": 0.3})
    assert refused.status_code == 422 and error_fields(refused) == {"control_share": "invalid"}
    assert "cannot change once the campaign has members" in refused.content.decode()


def test_enrol_without_a_target_list_is_a_422(api_for, marketer):
    api = api_for(marketer)
    pk = api.post("/campaigns", _body()).json()["id"]
    response = api.post(f"/campaigns/{pk}/enrol")
    assert response.status_code == 422
    assert error_fields(response) == {"target_list_id": "invalid"}


def test_results_give_the_uplift_and_say_when_the_control_group_is_too_small(
    api_for, marketer, make_reachable, make_order
):
    customers = make_reachable(40)
    campaign = actions.create_campaign(
        name="Care",
        goal="retention",
        channels=["email"],
        starts_on=TODAY,
        ends_on=TODAY + timedelta(days=10),
        control_share=0.5,
        cost=Decimal("10"),
    )
    actions.enrol(campaign, customers)
    treated = CampaignMember.objects.filter(campaign=campaign, group="treated")
    for member in treated[:5]:
        make_order(member.customer, "100.00")
    api = api_for(marketer)
    body = api.get(f"/campaigns/{campaign.pk}/results", {"refresh": "true"}).json()
    n_treated = treated.count()
    assert body["overall"]["treated"]["n"] == n_treated
    assert body["overall"]["treated"]["converted"] == 5
    assert body["overall"]["control"]["converted"] == 0
    uplift = body["overall"]["conversion_uplift"]
    assert uplift["value"] == pytest.approx(5 / n_treated)
    assert uplift["low"] < uplift["value"] < uplift["high"]
    assert body["roi"]["value"] == pytest.approx((500 - 10) / 10)
    assert body["control_too_small"] is False

    alone = actions.create_campaign(
        name="No control",
        goal="retention",
        channels=["email"],
        starts_on=TODAY,
        ends_on=TODAY,
        control_share=0.0,
    )
    actions.enrol(alone, customers[:3])
    body = api.get(f"/campaigns/{alone.pk}/results").json()
    assert body["control_too_small"] is True and body["overall"]["conversion_uplift"] is None


def test_target_lists_are_created_from_filters_and_a_bad_one_is_a_422(
    api_for, marketer, make_customer
):
    for i in range(2):
        make_customer(f"Fjord {i}", country="Norway")
    make_customer("Elsewhere", country="Chile")
    api = api_for(marketer)
    response = api.post("/target-lists", {"name": "Norway", "filters": {"country": "Norway"}})
    assert response.status_code == 201
    body = response.json()
    assert body["size"] == 2 and body["filters"] == {"country": "Norway"}
    assert body["created_by"] == "mia"
    assert api.get(f"/target-lists/{body['id']}").json() == body
    bad = api.post("/target-lists", {"name": "x", "filters": {"tier": "Diamond"}})
    assert bad.status_code == 422 and error_fields(bad) == {"filters": "invalid"}
    assert "Platinum" in bad.content.decode()
    assert api.get("/target-lists/999").status_code == 404


def test_suppressions_are_listed_and_added(api_for, marketer):
    api = api_for(marketer)
    response = api.post("/suppressions", {"channel": "email", "address": "X@Example.com"})
    assert response.status_code == 201
    assert response.json()["address"] == "x@example.com"
    assert response.json()["reason"] == "manual"
    assert api.get("/suppressions", {"channel": "email"}).json()["count"] == 1
    assert api.get("/suppressions", {"channel": "sms"}).json()["count"] == 0
    blank = api.post("/suppressions", {"channel": "sms", "address": "call me"})
    assert blank.status_code == 422 and error_fields(blank) == {"address": "invalid"}
    assert Suppression.objects.count() == 1


def test_sales_may_read_campaigns_but_not_create_or_enrol(api_for, sales_user, marketer):
    pk = api_for(marketer).post("/campaigns", _body()).json()["id"]
    api = api_for(sales_user)
    assert api.get(f"/campaigns/{pk}").status_code == 200
    assert api.get(f"/campaigns/{pk}/results").status_code == 200
    assert api.post("/campaigns", _body()).status_code == 403
    assert api.post(f"/campaigns/{pk}/enrol").status_code == 403
    assert api.get(f"/campaigns/{pk}/results", {"refresh": "true"}).status_code == 403
    assert api.get("/suppressions").status_code == 403
    assert api.get("/campaigns/999").status_code == 404


def test_the_campaign_list_does_not_query_per_campaign(
    api_for, marketer, django_assert_max_num_queries
):
    api = api_for(marketer)
    for i in range(15):
        assert api.post("/campaigns", _body(name=f"C{i}")).status_code == 201
    with django_assert_max_num_queries(6):
        body = api.get("/campaigns", {"limit": 20}).json()
    assert body["count"] == 15 and len(body["items"]) == 15
