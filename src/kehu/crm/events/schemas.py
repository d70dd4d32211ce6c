"""Response bodies and filters of the events API: events, and an event's plan with the
schedule figures of each work item."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema

from kehu.crm.events.models import Event, WorkItem
from kehu.crm.rest import Day, choice, text, username_of

EventKind = choice(Event.Kind)
EventStatus = choice(Event.Status)
Step = choice(WorkItem.Step)


class EventFilters(Schema):
    q: text(200) | None = Field(None, description="In the name, venue or city")  # type: ignore[valid-type]
    kind: EventKind | None = None
    status: EventStatus | None = None
    when: Literal["upcoming", "past"] | None = Field(None, description="Not ended yet, or ended")


class EventOut(Schema):
    id: int
    name: str
    kind: str
    status: str
    slug: str
    starts_on: date
    ends_on: date
    venue: str
    city: str
    owner: str | None
    budget: Decimal
    capacity: int | None

    @staticmethod
    def resolve_owner(event: Event) -> str | None:
        return username_of(event.owner)


class PlanFilters(Schema):
    today: Day | None = Field(None, description="Forecast as of this day (default: today)")


class DependencyOut(Schema):
    predecessor_id: int
    kind: str
    lag_days: int


class WorkItemOut(Schema):
    id: int
    phase: str
    name: str
    goal: str
    target: str
    owner: str | None
    step: str
    duration_days: int
    planned_start: date | None
    deadline: date | None
    actual_start: date | None
    actual_finish: date | None
    expected_finish: date | None
    early_start: date
    early_finish: date
    late_start: date
    late_finish: date
    slack_days: int
    critical: bool
    days_late: int
    depends_on: list[DependencyOut]


class PushedOut(Schema):
    item_id: int
    name: str
    days: int
    past_event_start: bool
    past_deadline: bool


class DelayOut(Schema):
    item_id: int
    name: str
    days: int
    delays_event: bool
    pushed: list[PushedOut]


class PlanOut(Schema):
    event: EventOut
    today: date
    start: date
    finish: date
    planned_finish: date
    critical_path: list[int]
    items: list[WorkItemOut]
    delays: list[DelayOut]
