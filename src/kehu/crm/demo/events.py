"""Events with their plans for the demo, dated against ``today``: a fair held two months
ago (every item confirmed), a customer conference in six weeks whose catering is late
and pushes the conference back (the Plan tab warns), a trade fair in half a year planned
from the past fair's plan, and a seminar not planned yet.

A handful of events of some forty work items: written through the events actions (the
plans come from the built-in templates and from copying an event), and only when there
are no events yet. The company is Chinese: its events, and the phases and work items
the templates give them, are written in Chinese, as its planners would enter them.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone, translation
from django.utils.translation import gettext

from kehu.crm.events import actions
from kehu.crm.events.models import Event, WorkItem
from kehu.crm.events.plan_templates import CONFERENCE, FAIR
from kehu.crm.events.queries import event_plan

PLANNER = "jessica.wilson"  # the demo's marketing user (demo/load.py STAFF)
SELLER = "emily.johnson"
LANGUAGE = "zh-hans"  # the language the plans are written in
LATE_ITEM = "Arrange catering, equipment and signage"  # its template name, in English
LEADS_ITEM = "Hand the leads to sales"


def _user(username: str) -> Any:
    return get_user_model().objects.filter(username=username).first()


def _progress(event: Event, today: date, *, late: str | None = None) -> None:
    """Record progress as the plan had it up to ``today``: items planned to finish by
    then confirmed on their dates, the one running today carried out; ``late`` has
    started on time but is not done, its owner expecting it two days before the event."""
    plan = event_plan(event, today=today)
    late = None if late is None else gettext(late)
    for row in plan.rows.values():
        item: WorkItem = row.item
        planned_start = row.planned_finish - timedelta(days=item.duration_days)
        if item.name == late:
            actions.update_work_item(
                item,
                step=WorkItem.Step.CARRYING_OUT,
                actual_start=planned_start,
                expected_finish=event.starts_on - timedelta(days=2),
            )
        elif row.planned_finish <= today:
            actions.update_work_item(
                item,
                step=WorkItem.Step.CONFIRMED,
                actual_start=planned_start,
                actual_finish=row.planned_finish,
            )
        elif planned_start <= today:
            actions.update_work_item(
                item, step=WorkItem.Step.CARRYING_OUT, actual_start=planned_start
            )


def add_events(today: date | None = None) -> dict[str, int]:
    """The demo's events and their plans; nothing when there are events already."""
    if Event.objects.exists():
        return {"events": 0, "work_items": 0}
    today = today or timezone.localdate()
    planner, seller = _user(PLANNER), _user(SELLER)
    with translation.override(LANGUAGE):
        past = actions.create_event(
            name="中国进出口商品交易会",
            kind=Event.Kind.FAIR,
            status=Event.Status.CLOSED,
            starts_on=today - timedelta(days=60),
            ends_on=today - timedelta(days=58),
            venue="琶洲展馆",
            city="广州",
            owner=planner,
            budget=Decimal("180000"),
        )
        n_items = actions.apply_template(FAIR, past, owner=planner)
        _progress(past, today)
        conference = actions.create_event(
            name="客户大会",
            kind=Event.Kind.CONFERENCE,
            status=Event.Status.OPEN,
            starts_on=today + timedelta(days=45),
            ends_on=today + timedelta(days=46),
            venue="国际博览中心",
            city="杭州",
            owner=planner,
            budget=Decimal("95000"),
            capacity=400,
        )
        n_items += actions.apply_template(CONFERENCE, conference, owner=planner)
        leads = conference.work_items.get(name=gettext(LEADS_ITEM))
        actions.update_work_item(leads, owner=seller)
        _progress(conference, today, late=LATE_ITEM)
        autumn = actions.create_event(
            name="秋季贸易博览会",
            kind=Event.Kind.FAIR,
            starts_on=today + timedelta(days=200),
            ends_on=today + timedelta(days=202),
            venue="国家会展中心",
            city="上海",
            owner=planner,
            budget=Decimal("150000"),
        )
        n_items += actions.copy_plan(past, autumn)
        actions.create_event(
            name="品茶研讨会",
            kind=Event.Kind.SEMINAR,
            starts_on=today + timedelta(days=20),
            ends_on=today + timedelta(days=20),
            city="杭州",
            owner=planner,
            capacity=40,
        )
    return {"events": 4, "work_items": n_items}
