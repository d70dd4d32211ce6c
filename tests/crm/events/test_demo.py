"""The demo's events: dated against today, a past fair all confirmed, a conference whose
late catering pushes it back (the warning), a fair planned from the past one; loaded
once."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import translation
from django.utils.translation import gettext

from kehu.crm.demo.events import LANGUAGE, LATE_ITEM, add_events
from kehu.crm.events.models import Event
from kehu.crm.events.queries import event_plan

pytestmark = pytest.mark.django_db
TODAY = date.today()  # the pages compute the plan as of today


def test_demo_events_have_plans_and_one_late_item_delays_the_conference(make_user):
    make_user("marketing", username="jessica.wilson")
    counts = add_events(TODAY)
    assert counts["events"] == 4 and counts["work_items"] == 13 + 15 + 13
    past = Event.objects.get(name="中国进出口商品交易会")
    assert set(past.work_items.values_list("step", flat=True)) == {"confirmed"}
    assert event_plan(past).warnings == []
    conference = Event.objects.get(name="客户大会")
    plan = event_plan(conference)
    [warning] = plan.warnings
    with translation.override(LANGUAGE):  # the plans are written in Chinese
        assert warning.row.item.name == gettext(LATE_ITEM) == "安排餐饮、设备和标识"
        pushed = {p.row.item.name: p for p in warning.pushed}
        assert pushed[gettext("Run the conference")].past_event_start
    assert plan.finish > plan.planned_finish
    autumn = Event.objects.get(name="秋季贸易博览会")
    assert set(autumn.work_items.values_list("step", flat=True)) == {"planning"}
    assert event_plan(autumn).warnings == []
    assert add_events(TODAY) == {"events": 0, "work_items": 0}
