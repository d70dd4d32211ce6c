"""Reads of events and their plans: the filtered event list, and an event's plan with
the schedule figures (kehu.insight.schedule) and the delays late items cause."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from kehu.crm.events.models import Dependency, Event, Phase, WorkItem
from kehu.insight.schedule import Schedule, critical_path, pushed_back

EVENT_SORTS = {"starts": "starts_on", "-starts": "-starts_on", "name": "name", "-name": "-name"}


def filtered_events(
    *,
    q: str = "",
    kind: str = "",
    status: str = "",
    when: str = "",
    since: str = "",
    until: str = "",
    sort: str = "",
    today: date | None = None,
) -> QuerySet[Event]:
    """Events matching the list's filters: ``q`` in the name, venue or city, ``kind``,
    ``status``, ``when`` (``upcoming``: not ended yet; ``past``: ended), and a date
    range the event overlaps (``since``, ``until``, ISO dates)."""
    events = Event.objects.select_related("owner").annotate(n_items=Count("work_items"))
    if q:
        events = events.filter(Q(name__icontains=q) | Q(venue__icontains=q) | Q(city__icontains=q))
    if kind:
        events = events.filter(kind=kind)
    if status:
        events = events.filter(status=status)
    today = today or timezone.localdate()
    if when == "upcoming":
        events = events.filter(ends_on__gte=today)
    elif when == "past":
        events = events.filter(ends_on__lt=today)
    if since:
        events = events.filter(ends_on__gte=since)
    if until:
        events = events.filter(starts_on__lte=until)
    return events.order_by(EVENT_SORTS.get(sort, "-starts_on"), "name", "pk")


@dataclass
class ItemRow:
    """A work item with its schedule figures (forecast, with progress and today)."""

    item: WorkItem
    early_start: date
    early_finish: date
    late_start: date
    late_finish: date
    slack: int
    critical: bool
    planned_finish: date  # the early finish as planned, without progress
    predecessors: list[Dependency] = field(default_factory=list)

    @property
    def days_late(self) -> int:
        return max((self.early_finish - self.planned_finish).days, 0)

    @property
    def past_deadline(self) -> bool:
        return self.item.deadline is not None and self.early_finish > self.item.deadline

    @property
    def finished(self) -> bool:
        return self.item.actual_finish is not None


@dataclass
class Pushed:
    row: ItemRow
    days: int
    past_event_start: bool
    past_deadline: bool


@dataclass
class Delay:
    """A late item and what it pushes back; ``delays_event`` when something it pushes
    now passes the event's start or its deadline."""

    row: ItemRow
    days: int
    pushed: list[Pushed]

    @property
    def delays_event(self) -> bool:
        return any(p.past_event_start or p.past_deadline for p in self.pushed) or (
            self.row.past_deadline
        )

    @property
    def past_event_start(self) -> bool:
        return any(p.past_event_start for p in self.pushed)


@dataclass
class Plan:
    event: Event
    today: date
    phases: list[tuple[Phase, list[ItemRow]]]
    rows: dict[int, ItemRow]
    start: date
    finish: date
    planned_finish: date
    delays: list[Delay]

    @property
    def warnings(self) -> list[Delay]:
        return [d for d in self.delays if d.delays_event]

    @property
    def critical(self) -> list[ItemRow]:
        return [r for r in self.rows.values() if r.critical]


def _as_date(value: np.datetime64) -> date:
    result: date = value.astype("datetime64[D]").item()
    return result


def _schedules(
    items: list[WorkItem], links: list[Dependency], start: date, today: date
) -> tuple[Schedule, Schedule]:
    """The plan as forecast (progress and today) and as planned (neither)."""
    network = (
        [i.pk for i in items],
        [i.duration_days for i in items],
        [d.predecessor_id for d in links],
        [d.successor_id for d in links],
        [d.lag_days for d in links],
    )
    not_before = [i.planned_start for i in items]
    planned = critical_path(*network, start=start, not_before=not_before)
    forecast = critical_path(
        *network,
        start=start,
        not_before=not_before,
        actual_start=[i.actual_start for i in items],
        actual_finish=[i.actual_finish for i in items],
        expected_finish=[None if i.actual_finish else i.expected_finish for i in items],
        today=today,
    )
    return forecast, planned


def _is_late(row: ItemRow, planned_start: date) -> bool:
    """Late on its own account: it overran its duration, or started after the plan."""
    item = row.item
    overran = (row.early_finish - row.early_start).days > item.duration_days
    started_late = item.actual_start is not None and item.actual_start > planned_start
    return (overran or started_late) and row.early_finish > row.planned_finish


def event_plan(event: Event, today: date | None = None) -> Plan:
    """The event's phases with their items and schedule figures, and the delays."""
    today = today or timezone.localdate()
    items = list(
        WorkItem.objects.filter(event=event)
        .select_related("owner", "phase")
        .order_by("phase__position", "phase_id", "position", "id")
    )
    links = list(Dependency.objects.filter(successor__event=event).select_related("predecessor"))
    planned_starts = [i.planned_start for i in items if i.planned_start]
    start = min([*planned_starts, event.starts_on])
    forecast, planned = _schedules(items, links, start, today)
    rows: dict[int, ItemRow] = {}
    for k, item in enumerate(items):
        rows[item.pk] = ItemRow(
            item=item,
            early_start=_as_date(forecast.early_start[k]),
            early_finish=_as_date(forecast.early_finish[k]),
            late_start=_as_date(forecast.late_start[k]),
            late_finish=_as_date(forecast.late_finish[k]),
            slack=int(forecast.slack[k]),
            critical=bool(forecast.critical[k]) and item.actual_finish is None,
            planned_finish=_as_date(planned.early_finish[k]),
        )
    for link in links:
        rows[link.successor_id].predecessors.append(link)
    delays = _delays(event, rows, forecast, planned)
    phases = list(event.phases.all())
    by_phase = {p.pk: [r for r in rows.values() if r.item.phase_id == p.pk] for p in phases}
    return Plan(
        event=event,
        today=today,
        phases=[(p, by_phase[p.pk]) for p in phases],
        rows=rows,
        start=start,
        finish=_as_date(forecast.finish),
        planned_finish=_as_date(planned.finish),
        delays=delays,
    )


def _delays(
    event: Event, rows: dict[int, ItemRow], forecast: Schedule, planned: Schedule
) -> list[Delay]:
    delays = []
    for k, (pk, row) in enumerate(rows.items()):
        if not _is_late(row, _as_date(planned.early_start[k])):
            continue
        shifts = pushed_back(forecast, planned, pk)
        pushed = []
        for other_pk, days in shifts.items():
            if other_pk == pk:
                continue
            other = rows[other_pk]
            at = forecast.position(other_pk)
            planned_start = _as_date(planned.early_start[at])
            pushed.append(
                Pushed(
                    row=other,
                    days=days,
                    past_event_start=(
                        other.planned_finish <= event.starts_on < other.early_finish
                        or planned_start <= event.starts_on < other.early_start
                    ),
                    past_deadline=other.past_deadline,
                )
            )
        pushed.sort(key=lambda p: (p.row.early_start, p.row.item.pk))
        delays.append(Delay(row=row, days=shifts.get(pk, row.days_late), pushed=pushed))
    return delays


def plan_counts(event: Event) -> dict[str, int]:
    """How many items the event's plan has, and how many are confirmed."""
    return event.work_items.aggregate(
        n=Count("pk"), confirmed=Count("pk", filter=Q(step=WorkItem.Step.CONFIRMED))
    )
