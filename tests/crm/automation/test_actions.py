"""The automation actions: a rule's JSON is checked when saved (errors keyed by what is
wrong), a dry run writes its log row and nothing else, each kind of action goes through
the owning app's actions (an activity in the owner's language, a tag, an escalation
logged on the ticket, a notification), and a customer whose actions fail leaves no hit,
so that the next run tries again."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from kehu.crm.automation.actions import (
    create_rule,
    mark_read,
    run_rule,
    set_enabled,
    update_rule,
)
from kehu.crm.automation.models import Notification, Rule, RuleHit, RuleRun
from kehu.crm.sales.models import Activity
from kehu.crm.service.models import TicketEvent

pytestmark = pytest.mark.django_db

CALL = [{"kind": "activity", "activity_kind": "call", "due_days": 2}]


def _errors(call) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict


def test_a_rule_is_saved_with_its_defaults_filled_in():
    rule = create_rule(name=" Churn ", trigger="churn_rose", actions=CALL)
    assert rule.name == "Churn" and rule.enabled is False
    assert rule.trigger_params == {"threshold": 0.5}
    assert rule.actions == [
        {
            "kind": "activity",
            "activity_kind": "call",
            "due_days": 2,
            "subject": "",
            "fallback_user": None,
        }
    ]


@pytest.mark.parametrize(
    ("fields", "key", "says"),
    [
        ({"trigger": "sometimes"}, "trigger", "trigger must be one of"),
        ({"trigger_params": {"threshold": 1.5}}, "threshold", "from 0.01 to 0.99, got 1.5"),
        ({"trigger_params": {"threshold": "high"}}, "threshold", "must be a number"),
        ({"trigger_params": {"colour": 1}}, "trigger_params", "unknown trigger_params"),
        ({"conditions": {"tier": "Diamond"}}, "tier", "tier must be one of"),
        ({"conditions": {"min_churn": "2"}}, "min_churn", "share from 0 to 1"),
        ({"conditions": {"owner": "me"}}, "owner", "whole number"),
        ({"conditions": {"shoe_size": "9"}}, "conditions", "unknown filters"),
        ({"actions": []}, "actions", "at least one action"),
        ({"actions": [{"kind": "teleport"}]}, "actions", "kind must be one of"),
        ({"actions": [{"kind": "notify", "user": 999}]}, "user", "no active user has id 999"),
        ({"actions": [{"kind": "tag"}]}, "add_tag", "add_tag is required"),
        ({"actions": [{"kind": "escalate"}]}, "priority", "raises the priority or assigns"),
        ({"actions": [{"kind": "activity", "due_days": -1}]}, "due_days", "from 0 to 365"),
    ],
)
def test_a_bad_rule_is_refused_saying_what_to_fix(fields, key, says):
    given = {"name": "R", "trigger": "churn_rose", "actions": CALL, **fields}
    errors = _errors(lambda: create_rule(**given))
    assert key in errors and says in " ".join(errors[key])
    assert not Rule.objects.exclude(key__gt="").exists()  # only the ready-made ones


def test_an_update_checks_the_whole_rule_and_keeps_it_when_refused():
    rule = create_rule(name="R", trigger="churn_rose", actions=CALL)
    errors = _errors(lambda: update_rule(rule, trigger_params={"threshold": 0}))
    assert "threshold" in errors
    rule.refresh_from_db()
    assert rule.trigger_params == {"threshold": 0.5}
    update_rule(rule, trigger="no_order", trigger_params={"days": 30})
    assert (rule.trigger, rule.trigger_params) == ("no_order", {"days": 30})


def test_a_dry_run_writes_its_log_row_and_nothing_else(make_customer, make_ticket, owner):
    ticket = make_ticket(make_customer(owner=owner), type="complaint", subject="Late")
    rule = create_rule(
        name="Complaints",
        trigger="ticket_opened",
        actions=[
            *CALL,
            {"kind": "tag", "add_tag": "complained"},
            {"kind": "escalate", "priority": "urgent"},
            {"kind": "notify"},
        ],
    )
    log = run_rule(rule, dry_run=True)
    assert (log.dry_run, log.n_matched, log.n_acted) == (True, 1, 1)
    assert [p["customer"] for p in log.preview] == [ticket.customer_id]
    assert log.preview[0]["reason"]["params"]["number"] == ticket.number
    assert RuleRun.objects.count() == 1
    assert not RuleHit.objects.exists() and not Activity.objects.exists()
    assert not Notification.objects.exists()
    ticket.refresh_from_db()
    assert ticket.priority == "normal" and not ticket.customer.tags.exists()


def test_the_activity_is_written_in_the_owners_language(make_user, make_customer, two_runs):
    chinese_owner = make_user("sales", language="zh-hans")
    customer = make_customer(owner=chinese_owner)
    _first, second = two_runs({customer: ({"churn_risk": 0.2}, {"churn_risk": 0.64})})
    rule = create_rule(name="Win back", trigger="churn_rose", actions=CALL)
    run_rule(rule, value_run=second)
    [activity] = Activity.objects.all()
    assert activity.owner == chinese_owner and activity.kind == "call"
    assert activity.subject.startswith("Win back: ")
    assert "20%" in activity.subject and "64%" in activity.subject
    assert "Churn risk" not in activity.subject  # the reason is in Chinese
    assert "Win back" in activity.notes


def test_a_complaint_from_a_top_tier_customer_is_escalated_and_the_owner_told(
    make_customer, make_ticket, owner, two_runs
):
    gold, iron = make_customer(name="Gold Co", owner=owner), make_customer(name="Iron Co")
    two_runs(
        {gold: ({"tier": "Gold"}, {"tier": "Gold"}), iron: ({"tier": "Iron"}, {"tier": "Iron"})}
    )
    complaint = make_ticket(gold, type="complaint", subject="Rude driver")
    make_ticket(iron, type="complaint")
    rule = Rule.objects.get(key="escalate-top-tier-complaint")
    set_enabled(rule, True)
    log = run_rule(rule)
    assert (log.n_matched, log.n_acted, log.n_failed) == (1, 1, 0)
    complaint.refresh_from_db()
    assert complaint.priority == "high"
    note = complaint.events.filter(kind=TicketEvent.Kind.COMMENT).get()
    assert "priority Normal → High" in note.message
    [told] = Notification.objects.all()
    assert told.user == owner and told.link == complaint.get_absolute_url()
    assert "Gold Co" in told.text and complaint.number in told.text
    assert mark_read(owner) == 1 and mark_read(owner) == 0


def test_the_tag_action_adds_to_the_customers_tags(make_customer):
    customer = make_customer(tags=["vip"])
    from kehu.crm.sales.actions import create_order  # noqa: F401 (the order below)

    rule = create_rule(name="Tag", trigger="daily", actions=[{"kind": "tag", "add_tag": "daily"}])
    run_rule(rule)
    assert sorted(customer.tags.values_list("name", flat=True)) == ["daily", "vip"]


def test_a_customer_whose_action_fails_leaves_no_hit_and_is_tried_again(
    make_customer, make_ticket, owner
):
    orphan = make_customer(name="No owner")
    make_ticket(orphan, type="complaint")
    rule = create_rule(name="Call", trigger="ticket_opened", actions=CALL)
    log = run_rule(rule)
    assert (log.n_acted, log.n_failed) == (0, 1)
    assert "no owner" in log.error
    assert not RuleHit.objects.exists()
    update_rule(rule, actions=[{**CALL[0], "fallback_user": owner.pk}])
    again = run_rule(rule)
    assert (again.n_acted, again.n_failed) == (1, 0)
    assert Activity.objects.get().owner == owner


def test_the_ready_made_rules_exist_off_and_are_created_once():
    from kehu.crm.automation.actions import ensure_ready_made_rules

    ready = Rule.objects.exclude(key="")
    assert sorted(ready.values_list("key", flat=True)) == [
        "care-call-new-platinum",
        "escalate-top-tier-complaint",
        "survey-after-resolved-ticket",
        "win-back-high-value",
    ]
    assert not ready.filter(enabled=True).exists()
    win_back = ready.get(key="win-back-high-value")
    update_rule(win_back, trigger_params={"threshold": 0.6}, enabled=True)
    assert ensure_ready_made_rules() == 0  # after another migrate: nothing new, nothing reset
    win_back.refresh_from_db()
    assert win_back.enabled and win_back.trigger_params == {"threshold": 0.6}
    ready.filter(key="care-call-new-platinum").delete()
    assert ensure_ready_made_rules() == 1


def test_a_hit_another_runner_wrote_meanwhile_counts_as_done_and_undoes_nothing(
    make_customer, make_ticket, owner, monkeypatch
):
    """Two runners on one event: the second looked before the first wrote its hit, so it
    finds the customer fresh; its own hit then breaks the unique constraint, and the
    activity it would have created is rolled back with it."""
    from kehu.crm.automation import queries

    make_ticket(make_customer(owner=owner), type="complaint")
    rule = create_rule(name="Call", trigger="ticket_opened", actions=CALL)
    assert run_rule(rule).n_acted == 1
    monkeypatch.setattr(queries, "done_keys", lambda rule, keys: set())  # looked too early
    late = run_rule(rule)
    assert (late.n_acted, late.n_skipped, late.n_failed) == (0, 1, 0)
    assert Activity.objects.count() == 1 and RuleHit.objects.count() == 1
