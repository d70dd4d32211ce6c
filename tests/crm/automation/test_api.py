"""Rules over the REST API: administrators and marketing users write them (sales users
get 403), a bad rule is a 422 naming the field, a dry run answers who would be hit and
why and writes nothing else, the caller reads and clears their own notifications; the
lists cost the same queries however many rows they hold."""

from __future__ import annotations

import pytest
from tests.crm.api.client import error_fields

from kehu.crm.automation.actions import create_rule, notify, run_rule
from kehu.crm.automation.models import Rule, RuleHit
from kehu.crm.sales.models import Activity

pytestmark = pytest.mark.django_db

CALL = [{"kind": "activity", "activity_kind": "call", "due_days": 2}]
RULE = {
    "name": "Complaint call",
    "trigger": "ticket_opened",
    "trigger_params": {"ticket_types": ["complaint"]},
    "conditions": {"country": "Finland"},
    "actions": CALL,
}


@pytest.fixture
def marketer(make_user):
    return make_user("marketing", username="mia")


def test_a_marketer_creates_enables_and_dry_runs_a_rule(
    api_for, marketer, make_customer, make_ticket, owner
):
    ticket = make_ticket(
        make_customer(name="Lotus Oy", owner=owner, country="Finland"), type="complaint"
    )
    make_ticket(make_customer(name="Elsewhere", owner=owner, country="China"), type="complaint")
    api = api_for(marketer)
    created = api.post("/automation/rules", RULE)
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["trigger_params"] == {"ticket_types": ["complaint"], "within_days": 2}
    assert body["enabled"] is False
    rule_id = body["id"]
    assert api.post(f"/automation/rules/{rule_id}/enabled", {"enabled": True}).json()["enabled"]

    dry = api.post(f"/automation/rules/{rule_id}/dry-run")
    assert dry.status_code == 201
    run = dry.json()
    assert (run["dry_run"], run["n_matched"], run["n_acted"]) == (True, 1, 1)
    [hit] = run["would_hit"]
    assert hit["name"] == "Lotus Oy"
    assert hit["reason"] == f"New ticket {ticket.number} (Complaint): {ticket.subject}"
    assert not RuleHit.objects.exists() and not Activity.objects.exists()
    assert [r["dry_run"] for r in api.get(f"/automation/rules/{rule_id}/runs").json()] == [True]


def test_a_bad_rule_is_a_422_naming_the_field(api_for, marketer):
    api = api_for(marketer)
    bad = api.post("/automation/rules", {**RULE, "trigger_params": {"within_days": 0}})
    assert bad.status_code == 422
    assert "within_days" in error_fields(bad)
    unknown = api.post("/automation/rules", {**RULE, "actions": [{"kind": "teleport"}]})
    assert unknown.status_code == 422 and "actions" in error_fields(unknown)
    nan = api.post(
        "/automation/rules",
        {**RULE, "trigger": "churn_rose", "trigger_params": {"threshold": "NaN"}},
    )
    assert nan.status_code == 422 and "threshold" in error_fields(nan)
    assert api.post("/automation/rules/999/enabled", {"enabled": True}).status_code == 404
    assert not Rule.objects.filter(name="Complaint call").exists()


def test_sales_users_may_not_read_or_write_rules(api_for, sales_user, analyst_user):
    rule = Rule.objects.get(key="win-back-high-value")
    seller = api_for(sales_user)
    assert seller.get("/automation/rules").status_code == 403
    assert seller.post("/automation/rules", RULE).status_code == 403
    assert seller.post(f"/automation/rules/{rule.pk}/dry-run").status_code == 403
    reader = api_for(analyst_user)
    assert reader.get("/automation/rules").json()["count"] == 4
    assert reader.post(f"/automation/rules/{rule.pk}/enabled", {"enabled": True}).status_code == 403
    rule.refresh_from_db()
    assert rule.enabled is False


def test_the_caller_reads_and_clears_their_own_notifications(api_for, sales_user, service_user):
    notify(sales_user, text="Complaint from Lotus Oy", link="/service/tickets/1/")
    notify(service_user, text="Not yours")
    api = api_for(sales_user)
    assert [n["text"] for n in api.get("/automation/notifications").json()["items"]] == [
        "Complaint from Lotus Oy"
    ]
    assert api.post("/automation/notifications/read").json() == {"n_read": 1}
    assert api.get("/automation/notifications").json()["items"][0]["read_at"] is not None


def test_the_lists_cost_the_same_queries_however_many_rows(
    api_for, admin_user, make_customer, make_ticket, owner, django_assert_max_num_queries
):
    api = api_for(admin_user)
    api.get("/me")  # the token's first use stamps last_used_at
    rule = create_rule(name="Calls", trigger="ticket_opened", actions=CALL)

    def count(path: str) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert api.get(path).status_code == 200
        return len(queries)

    few = {p: count(p) for p in ("/automation/rules", f"/automation/rules/{rule.pk}/runs")}
    for i in range(10):
        create_rule(name=f"Rule {i}", trigger="daily", actions=CALL)
        make_ticket(make_customer(name=f"C{i}", owner=owner), type="complaint")
        run_rule(rule)
    for path, n in few.items():
        with django_assert_max_num_queries(n):
            api.get(path)
