"""The automation pages: who may open and edit rules, the rule form (a bad threshold is
a form error, not a 500), enable/disable, a dry run from the rule's page, a run's page,
notifications, and every page in Chinese."""

from __future__ import annotations

import re

import pytest

from kehu.crm.automation.actions import create_rule, notify, run_rule
from kehu.crm.automation.models import Notification, Rule, RuleRun

pytestmark = pytest.mark.django_db

CALL = [{"kind": "activity", "activity_kind": "call", "due_days": 2}]
FORM = {
    "name": "Silent customers",
    "trigger": "no_order",
    "days": "60",
    "tier": ["Gold", "Platinum"],
    "min_churn": "30",
    "do_activity": "on",
    "activity_kind": "call",
    "due_days": "5",
}


@pytest.fixture
def marketer(make_user):
    return make_user("marketing", username="mia")


def test_administrators_and_marketing_edit_rules_analysts_read_sales_and_service_not(
    make_user, admin_user, marketer, analyst_user, sales_user, service_user, client_for
):
    rule = Rule.objects.get(key="win-back-high-value")
    for user in (admin_user, marketer):
        client = client_for(user)
        assert client.get("/automation/").status_code == 200
        assert client.get(f"/automation/{rule.pk}/edit/").status_code == 200
    reader = client_for(analyst_user)
    assert reader.get(f"/automation/{rule.pk}/").status_code == 200
    assert reader.get("/automation/new/").status_code == 403
    assert reader.post(f"/automation/{rule.pk}/enabled/", {"enabled": "1"}).status_code == 403
    for user in (sales_user, service_user):
        client = client_for(user)
        assert client.get("/automation/").status_code == 403
        assert client.post("/automation/new/", FORM).status_code == 403
        assert client.post(f"/automation/{rule.pk}/dry-run/").status_code == 403
    rule.refresh_from_db()
    assert rule.enabled is False and not RuleRun.objects.exists()


def test_the_rule_list_shows_the_ready_made_rules_off(admin_user, client_for):
    page = client_for(admin_user).get("/automation/").content.decode()
    for name in (
        "Win back a high-value customer whose churn risk rose",
        "Care call to a new Platinum customer",
        "Escalate a complaint from a Gold or Platinum customer",
        "Satisfaction survey after a resolved ticket",
    ):
        assert name in page
    assert page.count(">off<") == 4


def test_a_rule_is_created_from_the_form_with_its_json(marketer, client_for):
    response = client_for(marketer).post("/automation/new/", FORM)
    rule = Rule.objects.get(name="Silent customers")
    assert response.status_code == 302 and response["Location"] == f"/automation/{rule.pk}/"
    assert rule.trigger_params == {"days": 60}
    assert rule.conditions == {"tier": ["Gold", "Platinum"], "min_churn": "0.3"}
    assert rule.actions == [
        {
            "kind": "activity",
            "activity_kind": "call",
            "due_days": 5,
            "subject": "",
            "fallback_user": None,
        }
    ]
    assert rule.created_by == marketer and rule.enabled is False
    # the form shows it back as it was entered
    page = client_for(marketer).get(f"/automation/{rule.pk}/edit/").content.decode()
    assert 'name="min_churn" value="30"' in page and 'name="days" value="60"' in page


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        ({"threshold": "150", "trigger": "churn_rose"}, "threshold", "less than or equal to 99"),
        ({"days": "-3"}, "days", "greater than or equal to 1"),
        ({"days": "many"}, "days", "Enter a whole number"),
        ({"trigger": "sometimes"}, "trigger", "Select a valid choice"),
        ({"tier": ["Diamond"]}, "tier", "Select a valid choice"),
        ({"do_activity": ""}, None, "Choose at least one action."),
        ({"do_tag": "on"}, "add_tag", "add_tag is required"),
        ({"do_notify": "on", "user": "999"}, "user", "Select a valid choice"),
    ],
)
def test_bad_input_is_a_form_error_saying_what_to_fix(marketer, client_for, change, field, says):
    response = client_for(marketer).post("/automation/new/", {**FORM, **change})
    assert response.status_code == 400
    page = response.content.decode()
    if field:
        errors = re.search(rf'data-field="{field}">(.*?)</ul>', page, re.S)
        assert errors and says in errors.group(1)
    else:
        assert says in page
    assert not Rule.objects.filter(name="Silent customers").exists()


def test_enable_disable_and_a_dry_run_from_the_rules_page(
    admin_user, client_for, make_customer, make_ticket, owner
):
    ticket = make_ticket(make_customer(name="Lotus Tea", owner=owner), type="complaint")
    rule = create_rule(name="Complaint call", trigger="ticket_opened", actions=CALL)
    client = client_for(admin_user)
    client.post(f"/automation/{rule.pk}/enabled/", {"enabled": "1"})
    rule.refresh_from_db()
    assert rule.enabled is True
    response = client.post(f"/automation/{rule.pk}/dry-run/")
    log = RuleRun.objects.get()
    assert response["Location"] == f"/automation/runs/{log.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "Lotus Tea" in page and f"New ticket {ticket.number}" in page
    assert "Nothing was done" in page
    assert not rule.hits.exists()
    client.post(f"/automation/{rule.pk}/enabled/", {"enabled": "0"})
    rule.refresh_from_db()
    assert rule.enabled is False
    detail = client.get(f"/automation/{rule.pk}/").content.decode()
    assert "dry run" in detail


def test_a_real_runs_page_lists_who_was_acted_on(
    admin_user, client_for, make_customer, make_ticket, owner
):
    make_ticket(make_customer(name="Lotus Tea", owner=owner), type="complaint")
    rule = create_rule(name="Complaint call", trigger="ticket_opened", actions=CALL)
    log = run_rule(rule)
    page = client_for(admin_user).get(f"/automation/runs/{log.pk}/").content.decode()
    assert "Lotus Tea" in page and "Nothing was done" not in page
    assert "Lotus Tea" in client_for(admin_user).get(f"/automation/{rule.pk}/").content.decode()


def test_a_user_sees_their_own_notifications_and_marks_them_read(
    sales_user, service_user, client_for
):
    notify(sales_user, text="Complaint from Lotus Tea", link="/service/tickets/1/")
    notify(service_user, text="Someone else's")
    client = client_for(sales_user)
    home = client.get("/").content.decode()
    assert re.search(r'id="home-notifications"><strong>1</strong>', home)
    page = client.get("/automation/notifications/").content.decode()
    assert "Complaint from Lotus Tea" in page and "Someone else" not in page
    client.post("/automation/notifications/read/")
    assert not Notification.objects.filter(user=sales_user, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=service_user, read_at__isnull=True).exists()


def test_the_pages_render_in_chinese(make_user, client_for, make_customer, make_ticket):
    admin = make_user("admin", language="zh-hans")
    owner = make_user("sales", language="zh-hans")
    make_ticket(make_customer(owner=owner), type="complaint")
    rule = Rule.objects.get(key="escalate-top-tier-complaint")
    log = run_rule(rule, dry_run=True)
    notify(admin, text="你好")
    client = client_for(admin)
    pages = {
        "/automation/": ["自动化规则", "升级黄金或铂金客户的投诉", "关"],
        f"/automation/{rule.pk}/": ["执行日志", "试运行", "启用"],
        f"/automation/{rule.pk}/edit/": ["触发条件", "条件：仅限符合以下条件的客户", "动作"],
        "/automation/new/": ["新建规则", "流失风险阈值（%）"],
        f"/automation/runs/{log.pk}/": ["未执行任何操作"],
        "/automation/notifications/": ["通知", "全部标为已读"],
    }
    for url, texts in pages.items():
        page = client.get(url).content.decode()
        for text in texts:
            assert text in page, (url, text)
        for english in ("Execution log", "Dry run", "Trigger", "Notifications", "Enabled"):
            assert f">{english}<" not in page, (url, english)


def test_the_rule_list_costs_the_same_queries_however_many_rules(
    admin_user, client_for, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(admin_user)
    client.get("/automation/")
    with CaptureQueriesContext(connection) as few:
        client.get("/automation/")
    for i in range(15):
        rule = create_rule(name=f"Rule {i}", trigger="daily", actions=CALL)
        run_rule(rule, dry_run=True)
    with django_assert_max_num_queries(len(few)):
        assert client.get("/automation/").content.decode().count("/automation/") >= 19


@pytest.mark.parametrize(
    ("trigger", "fields", "params"),
    [
        ("tier_changed", {"to_tiers": ["Platinum"]}, {"to_tiers": ["Platinum"], "from_tiers": []}),
        ("p_alive_fell", {"drop": "25"}, {"drop": 0.25}),
        ("flag_raised", {}, {"min_new_flags": 1}),
        ("segment_changed", {"to_segments": ["At risk"]}, {"to_segments": ["At risk"]}),
        ("ticket_sla", {"sla_flag": "at_risk"}, {"sla_flag": "at_risk", "ticket_types": []}),
        ("ticket_unanswered", {"hours": "4"}, {"hours": 4, "ticket_types": []}),
        ("ticket_resolved", {}, {"ticket_types": [], "within_days": 7}),
        ("order_shipped", {"within_days": "3"}, {"within_days": 3}),
        ("first_purchase", {}, {"within_days": 7}),
        ("anniversary", {}, {}),
        ("daily", {"hour": "7"}, {"hour": 7}),
        ("weekly", {"hour": "7", "weekday": "4"}, {"hour": 7, "weekday": 4}),
    ],
)
def test_every_trigger_is_made_from_the_form(marketer, client_for, trigger, fields, params):
    form = {k: v for k, v in FORM.items() if k != "days"}
    response = client_for(marketer).post("/automation/new/", {**form, "trigger": trigger, **fields})
    assert response.status_code == 302, response.content.decode()[-2000:]
    rule = Rule.objects.get(name="Silent customers")
    assert (rule.trigger, rule.trigger_params) == (trigger, params)


def test_a_rules_page_says_its_parameters_conditions_and_actions_in_words(admin_user, client_for):
    rule = Rule.objects.get(key="win-back-high-value")
    page = client_for(admin_user).get(f"/automation/{rule.pk}/").content.decode()
    assert re.search(r"Churn risk threshold \(%\)</span> 50<", page)
    assert re.search(r'id="rule-conditions"><span class="muted">Tier</span> Gold, Platinum<', page)
    assert "Create an activity for the owner <span" in page
    assert "Activity: Call; Due in (days): 3" in page
