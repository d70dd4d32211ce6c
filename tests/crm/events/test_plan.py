"""An event's plan as the pages read it: the schedule figures, the critical path, and
the delay a late item causes (what it pushes back, past the event's start)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.crm.events.conftest import TODAY

from kehu.crm.events import actions
from kehu.crm.events.queries import event_plan

pytestmark = pytest.mark.django_db


def _critical(plan):
    return [r.item.name for r in plan.critical]


def test_the_plan_on_time_has_its_critical_path_and_no_warning(fair):
    # Book space 0-5, Build 5-15, Set up 28-30 (not before), Staff 30-33, Follow 33-40
    plan = event_plan(fair, today=TODAY)
    rows = {r.item.name: r for r in plan.rows.values()}
    assert rows["Build booth"].early_finish == TODAY + timedelta(15)
    assert rows["Build booth"].slack == 13
    assert rows["Print flyers"].slack == 22
    assert _critical(plan) == ["Set up booth", "Staff the booth", "Follow up"]
    assert plan.finish == TODAY + timedelta(40)
    assert plan.warnings == []


def test_a_late_item_moves_the_critical_path_and_warns_what_it_pushes_back(fair):
    build = fair.items["Build booth"]
    actions.advance_step(fair.items["Book space"], today=TODAY)
    fair.items["Book space"].refresh_from_db()
    actions.update_work_item(fair.items["Book space"], actual_finish=TODAY + timedelta(5))
    actions.update_work_item(
        build, actual_start=TODAY + timedelta(5), expected_finish=TODAY + timedelta(34)
    )
    plan = event_plan(fair, today=TODAY + timedelta(10))
    assert _critical(plan) == ["Build booth", "Set up booth", "Staff the booth", "Follow up"]
    assert plan.finish == TODAY + timedelta(46)
    [warning] = plan.warnings
    assert warning.row.item == build and warning.days == 19
    pushed = {
        p.row.item.name: (p.days, p.past_event_start, p.past_deadline) for p in warning.pushed
    }
    assert pushed == {
        "Set up booth": (6, True, False),
        "Staff the booth": (6, True, False),
        "Follow up": (6, False, True),  # its deadline is day 45
    }


def test_an_unfinished_item_past_its_finish_is_forecast_to_finish_today(fair):
    plan = event_plan(fair, today=TODAY + timedelta(20))
    rows = {r.item.name: r for r in plan.rows.values()}
    # Book space (0-5) and Build booth (5-15) are not done on day 20
    assert rows["Book space"].early_finish == TODAY + timedelta(20)
    assert rows["Build booth"].early_finish == TODAY + timedelta(30)
    assert rows["Set up booth"].early_start == TODAY + timedelta(30)
    warned = {w.row.item.name for w in plan.warnings}
    assert warned == {"Book space"}  # Build booth is pushed by it, not late on its own


def test_a_late_item_past_a_deadline_warns_even_after_the_event(fair):
    actions.update_work_item(fair.items["Follow up"], expected_finish=TODAY + timedelta(50))
    plan = event_plan(fair, today=TODAY)
    [warning] = plan.warnings
    assert warning.row.item.name == "Follow up" and warning.row.past_deadline
