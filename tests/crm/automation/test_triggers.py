"""Each trigger finds the customers it names, set-based, with the event key that keeps
a rule from acting twice and the reason in words; a run of a rule on them acts once."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from kehu.crm.automation import triggers
from kehu.crm.automation.actions import create_rule, run_due, run_rule
from kehu.crm.automation.reasons import reason_text
from kehu.crm.service.actions import add_comment, change_status

pytestmark = pytest.mark.django_db

CALL = [{"kind": "activity", "activity_kind": "call", "due_days": 2}]


def _found(kind, params, *, now=None, value_run=None):
    from kehu.crm.automation.params import clean_params

    cleaned = clean_params(triggers.TRIGGERS[kind].params, params, where="trigger_params")
    context = triggers.Context(now=now or timezone.now(), value_run=value_run)
    return {c.customer_id: c for c in triggers.find(kind, cleaned, context)}


# --- after an analysis run ------------------------------------------------------------


def test_churn_risk_crossing_the_threshold_upward_is_found_once_per_run(make_customer, two_runs):
    rose, stayed_high, fell, below = (make_customer(name=n) for n in "ABCD")
    first, second = two_runs(
        {
            rose: ({"churn_risk": 0.2}, {"churn_risk": 0.64}),
            stayed_high: ({"churn_risk": 0.6}, {"churn_risk": 0.7}),
            fell: ({"churn_risk": 0.7}, {"churn_risk": 0.3}),
            below: ({"churn_risk": 0.1}, {"churn_risk": 0.49}),
        }
    )
    found = _found("churn_rose", {"threshold": 0.5}, value_run=second)
    assert list(found) == [rose.pk]
    assert found[rose.pk].event_key == f"run:{second.pk}"
    assert reason_text(found[rose.pk].reason) == "Churn risk rose from 20% to 64%"
    # the first run has nothing before it to compare with
    assert _found("churn_rose", {"threshold": 0.5}, value_run=first) == {}


def test_tier_changes_are_found_with_the_tiers_named(make_customer, two_runs):
    up, down, same = (make_customer(name=n) for n in "ABC")
    _first, second = two_runs(
        {
            up: ({"tier": "Gold"}, {"tier": "Platinum"}),
            down: ({"tier": "Gold"}, {"tier": "Iron"}),
            same: ({"tier": "Platinum"}, {"tier": "Platinum"}),
        }
    )
    assert set(_found("tier_changed", {}, value_run=second)) == {up.pk, down.pk}
    to_platinum = _found("tier_changed", {"to_tiers": ["Platinum"]}, value_run=second)
    assert list(to_platinum) == [up.pk]
    assert reason_text(to_platinum[up.pk].reason) == "Tier changed from Gold to Platinum"
    assert list(
        _found("tier_changed", {"from_tiers": ["Gold"], "to_tiers": ["Iron"]}, value_run=second)
    ) == [down.pk]


def test_p_alive_falls_flags_and_segment_changes(make_customer, two_runs):
    a, b, c = (make_customer(name=n) for n in "ABC")
    _first, second = two_runs(
        {
            a: (
                {"p_alive": 0.9, "n_flags": 0, "rfm_segment": "Champions"},
                {"p_alive": 0.5, "n_flags": 2, "rfm_segment": "At risk"},
            ),
            b: (
                {"p_alive": 0.9, "n_flags": 1, "rfm_segment": "Loyal"},
                {"p_alive": 0.8, "n_flags": 1, "rfm_segment": "Loyal"},
            ),
            c: (
                {"p_alive": None, "n_flags": None, "rfm_segment": "New"},
                {"p_alive": 0.1, "n_flags": 1, "rfm_segment": "Promising"},
            ),
        }
    )
    fell = _found("p_alive_fell", {"drop": 0.3}, value_run=second)
    assert list(fell) == [a.pk]
    assert reason_text(fell[a.pk].reason) == "P(alive) fell from 90% to 50%"
    flagged = _found("flag_raised", {"min_new_flags": 1}, value_run=second)
    assert set(flagged) == {a.pk, c.pk}
    assert reason_text(flagged[a.pk].reason) == "Deviation flags rose from 0 to 2"
    assert list(_found("flag_raised", {"min_new_flags": 2}, value_run=second)) == [a.pk]
    moved = _found("segment_changed", {"to_segments": ["At risk"]}, value_run=second)
    assert list(moved) == [a.pk]
    assert reason_text(moved[a.pk].reason) == "Segment changed from Champions to At risk"


def test_an_analysis_rule_in_chinese_names_the_tiers_in_chinese(make_customer, two_runs):
    from django.utils import translation

    up = make_customer(name="A")
    _first, second = two_runs({up: ({"tier": "Gold"}, {"tier": "Platinum"})})
    found = _found("tier_changed", {}, value_run=second)
    with translation.override("zh-hans"):
        text = reason_text(found[up.pk].reason)
    assert "黄金" in text and "铂金" in text and "Gold" not in text


# --- on records -----------------------------------------------------------------------


def test_working_hours_skip_nights_and_weekends():
    tz = timezone.get_current_timezone()
    monday_10 = timezone.make_aware(datetime(2026, 11, 30, 10, 0), tz)
    assert triggers.working_hours_before(monday_10, 1) == monday_10 - timedelta(hours=1)
    # 2 working hours before Monday 10:00: 1 on Monday, 1 on Friday (16:00-17:00)
    assert triggers.working_hours_before(monday_10, 2) == timezone.make_aware(
        datetime(2026, 11, 27, 16, 0), tz
    )
    saturday = timezone.make_aware(datetime(2026, 11, 28, 12, 0), tz)
    assert triggers.working_hours_before(saturday, 8) == timezone.make_aware(
        datetime(2026, 11, 27, 9, 0), tz
    )


def test_an_open_ticket_without_a_reply_for_n_working_hours(make_customer, make_ticket):
    tz = timezone.get_current_timezone()
    now = timezone.make_aware(datetime(2026, 12, 2, 15, 0), tz)  # a Wednesday
    customer = make_customer()
    waiting = make_ticket(customer, opened_at=now - timedelta(days=1))
    answered = make_ticket(customer, opened_at=now - timedelta(days=1))
    add_comment(answered, "We are on it", to_customer=True)
    recent = make_ticket(make_customer(name="B"), opened_at=now - timedelta(hours=2))
    found = _found("ticket_unanswered", {"hours": 4}, now=now)
    assert [c.ticket_id for c in found.values()] == [waiting.pk]
    assert found[customer.pk].event_key == f"ticket:{waiting.pk}:unanswered:4h"
    assert reason_text(found[customer.pk].reason) == (
        f"Ticket {waiting.number} has had no reply for 4 working hours"
    )
    assert recent.customer_id not in found
    assert _found("ticket_unanswered", {"hours": 4, "ticket_types": ["complaint"]}, now=now) == {}


def test_new_and_resolved_tickets(make_customer, make_ticket):
    complaint = make_ticket(make_customer(name="A"), type="complaint", subject="Broken")
    inquiry = make_ticket(make_customer(name="B"))
    opened = _found("ticket_opened", {"ticket_types": ["complaint"]})
    assert [c.ticket_id for c in opened.values()] == [complaint.pk]
    assert reason_text(opened[complaint.customer_id].reason) == (
        f"New ticket {complaint.number} (Complaint): Broken"
    )
    assert _found("ticket_resolved", {}) == {}
    change_status(inquiry, "resolved")
    resolved = _found("ticket_resolved", {})
    assert list(resolved) == [inquiry.customer_id]
    assert resolved[inquiry.customer_id].event_key == f"ticket:{inquiry.pk}:resolved"


def test_orders_shipped_first_purchases_and_silence(make_customer, make_order):
    from kehu.crm.sales.actions import set_order_status

    now = timezone.now()
    new, old, quiet = (make_customer(name=n) for n in "ABC")
    shipped = make_order(new, ordered_at=now - timedelta(days=1))
    set_order_status(shipped, "shipped")
    make_order(old, ordered_at=now - timedelta(days=400))
    make_order(old, ordered_at=now - timedelta(days=3))
    last_quiet = make_order(quiet, ordered_at=now - timedelta(days=120))
    make_order(quiet, ordered_at=now - timedelta(days=200))

    assert list(_found("order_shipped", {})) == [new.pk]
    assert _found("order_shipped", {})[new.pk].event_key == f"order:{shipped.pk}:shipped"
    assert list(_found("first_purchase", {"within_days": 7})) == [new.pk]
    silent = _found("no_order", {"days": 90})
    assert list(silent) == [quiet.pk]
    day = timezone.localtime(last_quiet.ordered_at).date()
    assert silent[quiet.pk].event_key == f"no-order:{day}"
    assert reason_text(silent[quiet.pk].reason) == f"No order for 120 days (the last on {day})"


def test_the_anniversary_of_the_first_order(make_customer, make_order):
    now = timezone.now()
    a, b = make_customer(name="A"), make_customer(name="B")
    make_order(a, ordered_at=now.replace(year=now.year - 2))
    make_order(b, ordered_at=now - timedelta(days=40))
    found = _found("anniversary", {}, now=now)
    assert list(found) == [a.pk]
    assert found[a.pk].event_key == f"anniversary:{timezone.localdate(now).year}"
    assert reason_text(found[a.pk].reason).startswith("2 years since the first order")


# --- on a schedule --------------------------------------------------------------------


def test_a_daily_rule_acts_once_per_slot_on_every_matching_customer(make_customer, owner):
    from kehu.crm.sales.models import Activity

    make_customer(name="A", owner=owner, country="Finland")
    make_customer(name="B", owner=owner, country="China")
    create_rule(
        name="Daily check",
        trigger="daily",
        trigger_params={"hour": 8},
        conditions={"country": "Finland"},
        actions=CALL,
        enabled=True,
    )
    tz = timezone.get_current_timezone()
    morning = timezone.make_aware(datetime(2026, 12, 2, 9, 0), tz)
    [log] = run_due(now=morning)
    assert (log.event, log.n_acted) == ("schedule:2026-12-02T08:00", 1)
    assert run_due(now=morning + timedelta(hours=1)) == []  # the slot has run
    [next_day] = run_due(now=morning + timedelta(days=1))
    assert next_day.n_acted == 1
    assert Activity.objects.filter(subject__startswith="Daily check").count() == 2
    weekly = triggers.last_slot({"hour": 8, "weekday": 0}, "weekly", morning)
    assert weekly == timezone.make_aware(datetime(2026, 11, 30, 8, 0), tz)


def test_a_record_rule_run_twice_acts_once(make_customer, make_ticket, owner):
    from kehu.crm.sales.models import Activity

    make_ticket(make_customer(owner=owner), type="complaint")
    rule = create_rule(
        name="Complaint call",
        trigger="ticket_opened",
        trigger_params={"ticket_types": ["complaint"]},
        actions=CALL,
        enabled=True,
    )
    first, second = run_rule(rule), run_rule(rule)
    assert (first.n_matched, first.n_acted, first.n_skipped) == (1, 1, 0)
    assert (second.n_matched, second.n_acted, second.n_skipped) == (1, 0, 1)
    assert Activity.objects.filter(owner=owner).count() == 1


def test_an_idle_sweep_is_not_logged_but_a_manual_run_is(make_customer, owner):
    from kehu.crm.automation.models import RuleRun

    rule = create_rule(name="Shipped", trigger="order_shipped", actions=CALL, enabled=True)
    assert run_due(log_idle=False)[0].pk is None
    assert RuleRun.objects.count() == 0
    run_rule(rule)
    assert RuleRun.objects.count() == 1


def test_tickets_past_or_near_their_service_level(sla_defaults, make_customer, make_ticket):
    """By the service levels of the ticket's tier and priority (the default policies)."""
    now = timezone.now()
    late = make_ticket(make_customer(name="A"), opened_at=now - timedelta(days=20))
    make_ticket(make_customer(name="B"), opened_at=now - timedelta(minutes=5))
    answered = make_ticket(make_customer(name="C"), opened_at=now - timedelta(days=20))
    change_status(answered, "resolved")
    assert late.first_response_due is not None  # a policy applies
    breached = _found("ticket_sla", {"sla_flag": "breached"}, now=now)
    assert [c.ticket_id for c in breached.values()] == [late.pk]
    assert breached[late.customer_id].event_key == f"ticket:{late.pk}:sla:breached"
    assert reason_text(breached[late.customer_id].reason) == (
        f"Ticket {late.number} has breached its service level"
    )
    at_risk = _found("ticket_sla", {"sla_flag": "at_risk"}, now=late.first_response_risk_at)
    assert [c.ticket_id for c in at_risk.values()] == [late.pk]
