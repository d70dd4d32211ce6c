"""The writes of event plans: dependencies (same event, not on itself, no cycle, the
cycle named), the control steps, copying a plan to a new event, the built-in templates."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from tests.crm.events.conftest import TODAY

from kehu.crm.events import actions
from kehu.crm.events.models import Dependency, WorkItem
from kehu.crm.events.plan_templates import TEMPLATES
from kehu.crm.events.queries import event_plan

pytestmark = pytest.mark.django_db


def test_a_dependency_closing_a_cycle_is_refused_naming_the_cycle(fair):
    items = fair.items
    with pytest.raises(ValidationError) as caught:
        actions.add_dependency(items["Set up booth"], items["Book space"])
    message = caught.value.message_dict["predecessor"][0]
    assert "Book space → Build booth → Set up booth → Book space" in message
    assert not Dependency.objects.filter(successor=items["Book space"]).exists()


def test_an_item_cannot_depend_on_itself_nor_on_another_events_item(fair):
    items = fair.items
    with pytest.raises(ValidationError, match="cannot depend on itself"):
        actions.add_dependency(items["Build booth"], items["Build booth"])
    other = actions.create_event(
        name="Expo", kind="fair", starts_on=TODAY, ends_on=TODAY, slug="expo"
    )
    phase = actions.add_phase(other, name="Before")
    stranger = actions.add_work_item(other, phase=phase, name="Elsewhere")
    with pytest.raises(ValidationError, match="same event"):
        actions.add_dependency(stranger, items["Build booth"])


def test_a_dependency_twice_is_refused(fair):
    with pytest.raises(ValidationError, match="exists already"):
        actions.add_dependency(fair.items["Book space"], fair.items["Build booth"])


def test_an_item_in_another_events_phase_is_refused(fair):
    other = actions.create_event(name="Expo", kind="fair", starts_on=TODAY, ends_on=TODAY)
    phase = actions.add_phase(other, name="Before")
    with pytest.raises(ValidationError) as caught:
        actions.add_work_item(fair, phase=phase, name="Lost")
    assert "phase" in caught.value.message_dict


def test_control_steps_run_from_planning_to_confirmed_recording_start_and_finish(fair):
    item = fair.items["Book space"]
    day = TODAY + timedelta(2)
    steps = []
    for _ in range(4):
        item = actions.advance_step(item, today=day)
        steps.append(item.step)
    assert steps == ["carrying_out", "supervising", "checking", "confirmed"]
    assert (item.actual_start, item.actual_finish) == (day, day)
    with pytest.raises(ValidationError, match="confirmed already"):
        actions.advance_step(item, today=day)


def test_an_event_gets_a_unique_web_address_from_its_name():
    a = actions.create_event(name="Tea Expo", kind="fair", starts_on=TODAY, ends_on=TODAY)
    b = actions.create_event(name="Tea Expo", kind="fair", starts_on=TODAY, ends_on=TODAY)
    year = TODAY.year
    assert (a.slug, b.slug) == (f"tea-expo-{year}", f"tea-expo-{year}-2")


def test_an_event_ending_before_it_starts_is_refused():
    with pytest.raises(ValidationError):
        actions.create_event(
            name="Backwards", kind="fair", starts_on=TODAY, ends_on=TODAY - timedelta(1)
        )


def test_new_event_from_an_earlier_one_copies_and_shifts_the_plan(fair, sales_user):
    item = actions.advance_step(fair.items["Book space"], today=TODAY)
    assert item.actual_start == TODAY
    later = actions.create_event(
        name="Canton Fair 2027",
        kind="fair",
        starts_on=fair.starts_on + timedelta(365),
        ends_on=fair.ends_on + timedelta(365),
    )
    assert actions.copy_plan(fair, later) == 6
    copies = {i.name: i for i in later.work_items.select_related("phase")}
    assert [p.name for p in later.phases.all()] == ["Before", "During", "After"]
    flyers = copies["Print flyers"]
    assert flyers.planned_start == fair.items["Print flyers"].planned_start + timedelta(365)
    assert flyers.owner == sales_user and flyers.phase.name == "Before"
    assert copies["Follow up"].deadline == TODAY + timedelta(45 + 365)
    assert {i.step for i in copies.values()} == {"planning"}
    assert all(i.actual_start is None and i.actual_finish is None for i in copies.values())
    links = {
        (d.predecessor.name, d.successor.name, d.kind)
        for d in Dependency.objects.filter(successor__event=later)
    }
    assert ("Build booth", "Set up booth", "space") in links and len(links) == 5
    # the copy schedules as the original, a year later
    assert event_plan(later, today=TODAY).finish == event_plan(fair, today=TODAY).finish + (
        timedelta(365)
    )


@pytest.mark.parametrize("key", ["conference", "fair"])
def test_built_in_templates_make_a_plan_without_cycles_ending_after_the_event(key, admin_user):
    event = actions.create_event(
        name="From a template",
        kind=key,
        starts_on=TODAY + timedelta(200),
        ends_on=TODAY + timedelta(202),
    )
    n = actions.apply_template(TEMPLATES[key], event, owner=admin_user)
    assert n == WorkItem.objects.filter(event=event).count() > 5
    plan = event_plan(event, today=TODAY)
    assert plan.finish > event.starts_on
    assert plan.critical and not plan.warnings
    phases = [p.name for p, _rows in plan.phases]
    expected = {
        "conference": ["Planning", "Reception", "The event", "Closing", "Recess"],
        "fair": ["Before the fair", "During the fair", "After the fair"],
    }
    assert phases == expected[key]
    # every item planned before the event finishes by its start
    event_day = [r for r in plan.rows.values() if r.item.planned_start == event.starts_on]
    assert event_day and all(r.early_start == event.starts_on for r in event_day)


def test_dates_and_durations_a_schedule_cannot_hold_are_refused(fair):
    item = fair.items["Print flyers"]
    with pytest.raises(ValidationError) as caught:
        actions.update_work_item(item, duration_days=100_000)
    assert "at most 3650 days" in caught.value.message_dict["duration_days"][0]
    item.refresh_from_db()
    with pytest.raises(ValidationError) as caught:
        actions.update_work_item(item, planned_start=TODAY + timedelta(days=365 * 30))
    assert "within 10 years of the event" in caught.value.message_dict["planned_start"][0]
    with pytest.raises(ValidationError) as caught:
        actions.update_dependency(Dependency.objects.first(), lag_days=400)
    assert "from -365 to 365 days, got 400" in caught.value.message_dict["lag_days"][0]
    with pytest.raises(ValidationError) as caught:
        actions.create_event(
            name="Far", kind="fair", starts_on=date(9999, 1, 1), ends_on=date(9999, 1, 2)
        )
    assert "from 1900 to 2200" in caught.value.message_dict["starts_on"][0]
