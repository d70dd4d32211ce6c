"""Writes of events and their plans: the event, its phases, work items and
dependencies, the control steps, and a new event's plan copied from an earlier event or
a built-in template (:mod:`kehu.crm.events.plan_templates`).

Every write checks what it saves (:func:`kehu.crm.validation.validate`) and raises a
field-keyed ``ValidationError`` a form can show; a dependency that would close a cycle is
refused with a message naming the items of the cycle.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from kehu.crm.events.models import Dependency, Event, Phase, WorkItem
from kehu.crm.events.plan_templates import PlanTemplate
from kehu.crm.unset import UNSET, Unset
from kehu.crm.validation import validate
from kehu.insight.errors import InputError
from kehu.insight.schedule import critical_path

STEPS = list(WorkItem.Step.values)
# bounds that keep every schedule date a real date (the schedule adds durations and lags)
EARLIEST, LATEST = date(1900, 1, 1), date(2200, 12, 31)
MAX_DURATION_DAYS = 3650
MAX_LAG_DAYS = 365
PLAN_YEARS = 10  # a plan's dates lie within this many years of its event's start
ITEM_DATES = ("planned_start", "deadline", "actual_start", "actual_finish", "expected_finish")


def _error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def _unique_slug(name: str, starts_on: date | None, exclude: int | None = None) -> str:
    base = slugify(f"{name} {starts_on.year if starts_on else ''}", allow_unicode=True)[:70]
    base = base or "event"
    taken = set(
        Event.objects.filter(slug__startswith=base)
        .exclude(pk=exclude)
        .values_list("slug", flat=True)
    )
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _check_event_name(event: Event) -> None:
    # the name goes into email subjects (the badge, the survey, the invitations)
    if isinstance(event.name, str) and ("\n" in event.name or "\r" in event.name):
        raise _error("name", _("The name must fit on one line."), "multi_line")


def _check_event_dates(event: Event) -> None:
    for field in ("starts_on", "ends_on"):
        day = getattr(event, field)
        if isinstance(day, date) and not EARLIEST <= day <= LATEST:
            raise _error(
                field,
                _("Enter a date from %(first)s to %(last)s.")
                % {"first": EARLIEST.year, "last": LATEST.year},
                "out_of_range",
            )


@transaction.atomic
def create_event(*, name: str, kind: str, starts_on: date, ends_on: date, **fields: Any) -> Event:
    """A new event (its web address made from its name and year unless ``slug`` is given)."""
    event = Event(name=name, kind=kind, starts_on=starts_on, ends_on=ends_on, **fields)
    if not event.slug:
        event.slug = _unique_slug(name, starts_on if isinstance(starts_on, date) else None)
    _check_event_name(event)
    _check_event_dates(event)
    validate(event)
    event.save()
    return event


@transaction.atomic
def update_event(event: Event, **fields: Any) -> Event:
    for name, value in fields.items():
        if value is not UNSET:
            setattr(event, name, value)
    if not event.slug:
        event.slug = _unique_slug(event.name, event.starts_on, exclude=event.pk)
    _check_event_name(event)
    _check_event_dates(event)
    validate(event)
    event.save()
    return event


@transaction.atomic
def add_phase(event: Event, *, name: str, position: int | None = None) -> Phase:
    if position is None:
        last = event.phases.aggregate(m=Max("position"))["m"]
        position = 0 if last is None else last + 1
    phase = Phase(event=event, name=name, position=position)
    validate(phase)
    phase.save()
    return phase


def _check_item_bounds(item: WorkItem) -> None:
    """Durations and dates a schedule can hold: at most ten years, around the event."""
    if isinstance(item.duration_days, int) and item.duration_days > MAX_DURATION_DAYS:
        raise _error(
            "duration_days",
            _("A work item lasts at most %(days)s days.") % {"days": MAX_DURATION_DAYS},
            "too_long",
        )
    start = item.event.starts_on
    first, last = start - timedelta(days=365 * PLAN_YEARS), start + timedelta(days=365 * PLAN_YEARS)
    for field in ITEM_DATES:
        day = getattr(item, field)
        if isinstance(day, date) and not first <= day <= last:
            raise _error(
                field,
                _("Enter a date within %(years)s years of the event's start (%(start)s).")
                % {"years": PLAN_YEARS, "start": start.isoformat()},
                "out_of_range",
            )


def _check_item(item: WorkItem) -> None:
    if item.phase_id is not None and item.phase.event_id != item.event_id:
        raise _error("phase", _("Choose a phase of this event."), "other_event")
    _check_item_bounds(item)
    if item.actual_finish is not None and item.actual_start is None:
        item.actual_start = (
            item.actual_finish
            if item.planned_start is None
            else min(item.planned_start, item.actual_finish)
        )
    validate(item)


@transaction.atomic
def add_work_item(event: Event, *, phase: Phase, name: str, **fields: Any) -> WorkItem:
    """A new work item at the end of its phase."""
    last = WorkItem.objects.filter(phase=phase).aggregate(m=Max("position"))["m"]
    item = WorkItem(
        event=event, phase=phase, name=name, position=0 if last is None else last + 1, **fields
    )
    _check_item(item)
    item.save()
    return item


@transaction.atomic
def update_work_item(item: WorkItem, **fields: Any) -> WorkItem:
    for name, value in fields.items():
        if value is not UNSET:
            setattr(item, name, value)
    _check_item(item)
    item.save()
    return item


@transaction.atomic
def delete_work_item(item: WorkItem) -> None:
    item.delete()


@transaction.atomic
def advance_step(item: WorkItem, *, today: date | None = None) -> WorkItem:
    """Take the item to its next control step. Leaving planning starts it (actual start
    today, unless recorded); confirming finishes it (actual finish today, unless
    recorded)."""
    at = STEPS.index(item.step)
    if at == len(STEPS) - 1:
        raise _error("step", _("This item is confirmed already."), "confirmed")
    today = today or timezone.localdate()
    item.step = STEPS[at + 1]
    if item.actual_start is None:
        item.actual_start = today
    if item.step == WorkItem.Step.CONFIRMED and item.actual_finish is None:
        item.actual_finish = max(today, item.actual_start)
    _check_item(item)
    item.save()
    return item


def _names(ids: list[int]) -> str:
    names = dict(WorkItem.objects.filter(pk__in=ids).values_list("pk", "name"))
    return " → ".join(names.get(i, str(i)) for i in ids)


def _check_acyclic(event: Event, predecessor: WorkItem, successor: WorkItem) -> None:
    """Refuse the dependency if the event's dependencies with it form a cycle."""
    items = list(event.work_items.values_list("pk", "duration_days"))
    links = list(
        Dependency.objects.filter(successor__event=event).values_list("predecessor", "successor")
    )
    links.append((predecessor.pk, successor.pk))
    try:
        critical_path(
            [pk for pk, _d in items],
            [d for _pk, d in items],
            [p for p, _s in links],
            [s for _p, s in links],
            start=event.starts_on,
        )
    except InputError as e:
        if e.code != "cycle":
            raise
        ids = list(e.params["ids"])  # type: ignore[call-overload]
        raise _error(
            "predecessor",
            _("This dependency would make a cycle: %(cycle)s. Remove one of its links first.")
            % {"cycle": _names(ids)},
            "cycle",
        ) from e


def _check_lag(dependency: Dependency) -> None:
    lag = dependency.lag_days
    if isinstance(lag, int) and not -MAX_LAG_DAYS <= lag <= MAX_LAG_DAYS:
        raise _error(
            "lag_days",
            _("The lag must be from %(least)s to %(most)s days, got %(lag)s.")
            % {"least": -MAX_LAG_DAYS, "most": MAX_LAG_DAYS, "lag": lag},
            "out_of_range",
        )


@transaction.atomic
def add_dependency(
    predecessor: WorkItem, successor: WorkItem, *, kind: str = "time", lag_days: int = 0
) -> Dependency:
    """``successor`` cannot start before ``predecessor`` has finished (plus the lag)."""
    if predecessor.event_id != successor.event_id:
        raise _error("predecessor", _("Both items must belong to the same event."), "other_event")
    if predecessor.pk == successor.pk:
        raise _error("predecessor", _("An item cannot depend on itself."), "itself")
    if Dependency.objects.filter(predecessor=predecessor, successor=successor).exists():
        raise _error("predecessor", _("This dependency exists already."), "exists")
    _check_acyclic(successor.event, predecessor, successor)
    dependency = Dependency(
        predecessor=predecessor, successor=successor, kind=kind, lag_days=lag_days
    )
    _check_lag(dependency)
    validate(dependency)
    dependency.save()
    return dependency


@transaction.atomic
def update_dependency(
    dependency: Dependency, *, kind: str | Unset = UNSET, lag_days: int | Unset = UNSET
) -> Dependency:
    """Change how the successor waits: the kind (time or space) or the lag in days."""
    if not isinstance(kind, Unset):
        dependency.kind = kind
    if not isinstance(lag_days, Unset):
        dependency.lag_days = lag_days
    _check_lag(dependency)
    validate(dependency)
    dependency.save()
    return dependency


@transaction.atomic
def remove_dependency(dependency: Dependency) -> None:
    dependency.delete()


# --- a new event's plan from an earlier one ------------------------------------------


def _shifted(day: date | None, by: timedelta) -> date | None:
    return None if day is None else day + by


@transaction.atomic
def copy_plan(source: Event, target: Event) -> int:
    """Copy the phases, work items and dependencies of ``source`` into ``target``,
    dates shifted by the difference of their start dates, owners kept, control steps
    and progress reset. Returns the number of items copied."""
    by = target.starts_on - source.starts_on
    phases = {
        p.pk: add_phase(target, name=p.name, position=p.position) for p in source.phases.all()
    }
    new_items: dict[int, WorkItem] = {}
    for item in source.work_items.order_by("phase__position", "position", "id"):
        copy = WorkItem(
            event=target,
            phase=phases[item.phase_id],
            name=item.name,
            goal=item.goal,
            target=item.target,
            owner_id=item.owner_id,
            planned_start=_shifted(item.planned_start, by),
            duration_days=item.duration_days,
            deadline=_shifted(item.deadline, by),
            position=item.position,
        )
        new_items[item.pk] = copy
    WorkItem.objects.bulk_create(new_items.values())
    Dependency.objects.bulk_create(
        Dependency(
            predecessor=new_items[d.predecessor_id],
            successor=new_items[d.successor_id],
            kind=d.kind,
            lag_days=d.lag_days,
        )
        for d in Dependency.objects.filter(successor__event=source)
    )
    return len(new_items)


@transaction.atomic
def apply_template(template: PlanTemplate, target: Event, *, owner: Any = None) -> int:
    """Build ``target``'s plan from a built-in template: its phases and items, each
    planned ``offset_days`` from the event's start, owned by ``owner``."""
    items: dict[str, WorkItem] = {}
    for position, phase_template in enumerate(template.phases):
        phase = add_phase(target, name=str(phase_template.name), position=position)
        for n, t in enumerate(phase_template.items):
            items[t.key] = WorkItem(
                event=target,
                phase=phase,
                name=str(t.name),
                goal=str(t.goal),
                target=str(t.target),
                owner=owner,
                planned_start=target.starts_on + timedelta(days=t.offset_days)
                if t.offset_days is not None
                else None,
                duration_days=t.duration_days,
                deadline=target.starts_on + timedelta(days=t.deadline_days)
                if t.deadline_days is not None
                else None,
                position=n,
            )
    WorkItem.objects.bulk_create(items.values())
    Dependency.objects.bulk_create(
        Dependency(predecessor=items[p], successor=items[s], kind=kind)
        for p, s, kind in template.dependencies
    )
    return len(items)
