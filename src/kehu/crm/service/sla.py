"""Service levels: which policy a ticket falls under, when its first response and its
resolution are due in working hours of the business calendar, and whether it is on track,
at risk, breached, met or missed.

Due times are computed once, when a ticket is opened (and again when its priority
changes), and stored on the ticket, so that lists, filters and rules compare them with
now in SQL: :func:`breached_tickets` and :func:`at_risk_tickets` are what the automation
rules and the home worklist use.

A target is *at risk* from the moment the time left to it is the last quarter of the
target or the last two working hours, whichever is longer (never longer than the target).
The ticket's tier is the customer's tier when it was opened (``Ticket.sla_tier``), read
through the customer's score relation: service does not import the analysis.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from kehu.crm.customers.models import Customer
from kehu.crm.service.models import BusinessCalendar, Holiday, SlaPolicy, Ticket
from kehu.crm.service.sla_calendar import (
    WorkingCalendar,
    add_working_hours,
    calendar_from,
    subtract_working_hours,
    working_hours_between,
)

RISK_SHARE = 0.25  # the last quarter of a target is at risk ...
RISK_MIN_HOURS = 2.0  # ... or its last two working hours, whichever is longer
FLAGS = ("breached", "at_risk")  # the list filter's values
# the tiers the analysis gives (kehu.crm.intelligence.labels.TIERS; service sits below the
# analysis, so it names them by value), best first; a policy's empty tier is any tier
TIERS = ("Platinum", "Gold", "Iron", "Lead")


@dataclass(frozen=True)
class Targets:
    """A policy's targets, in working hours."""

    first_response_hours: float
    resolution_hours: float


@dataclass(frozen=True)
class Clock:
    """One target of one ticket as a page shows it: when it is due and its state, one of
    ``met``, ``missed`` (done), ``breached``, ``at_risk``, ``on_track`` (not done yet);
    ``hours_left`` are working hours to the due time (negative once past)."""

    due: datetime | None
    done_at: datetime | None
    state: str
    hours_left: float | None = None


def load_calendar() -> WorkingCalendar:
    """The business calendar as saved (Monday to Friday, 9 to 17 in the site's time
    zone until an administrator changes it), with every holiday."""
    row = BusinessCalendar.objects.order_by("pk").first() or BusinessCalendar()
    return calendar_from(
        row.weekdays(),
        row.start_hour,
        row.end_hour,
        row.time_zone or settings.TIME_ZONE,
        frozenset(Holiday.objects.values_list("date", flat=True)),
    )


def risk_hours(target_hours: float) -> float:
    """How many working hours before its due time a target becomes at risk."""
    return min(target_hours, max(RISK_SHARE * target_hours, RISK_MIN_HOURS))


def policy_for(tier: str, priority: str) -> Targets | None:
    """The targets for a ``priority`` ticket of a ``tier`` customer: the tier's own
    policy, else the any-tier policy of that priority, else None (no service level)."""
    policies = SlaPolicy.objects.filter(priority=priority, tier__in={tier, ""})
    best = policies.order_by("-tier").first()  # a tier sorts after the empty any-tier
    if best is None:
        return None
    return Targets(float(best.first_response_hours), float(best.resolution_hours))


def all_targets() -> dict[tuple[str, str], Targets]:
    """Every policy's targets by ``(tier, priority)``: one query, for work in bulk."""
    return {
        (p.tier, p.priority): Targets(float(p.first_response_hours), float(p.resolution_hours))
        for p in SlaPolicy.objects.all()
    }


def targets_in(
    policies: dict[tuple[str, str], Targets], tier: str, priority: str
) -> Targets | None:
    """:func:`policy_for` on the policies of :func:`all_targets`."""
    return policies.get((tier, priority)) or policies.get(("", priority))


def due_columns(rows: Sequence[Mapping[str, Any]]) -> dict[str, list[Any]]:
    """The tier and due-time columns of tickets about to be written in bulk (an import),
    each row with the ``customer`` id, ``opened_at`` and ``priority`` (None: normal):
    what opening each would stamp, in three queries for all of them."""
    ids = {row["customer"] for row in rows}
    tiers = dict(Customer.objects.filter(pk__in=ids).values_list("pk", "score__tier"))
    calendar, policies = load_calendar(), all_targets()
    columns: dict[str, list[Any]] = {name: [] for name in ["sla_tier", *DUE_FIELDS]}
    for row in rows:
        ticket = Ticket(
            opened_at=row["opened_at"],
            priority=row.get("priority") or Ticket.Priority.NORMAL,
            sla_tier=tiers.get(row["customer"]) or "",
        )
        targets = targets_in(policies, ticket.sla_tier, ticket.priority)
        set_due_times(ticket, calendar=calendar, targets=targets, look_up=False)
        for name, column in columns.items():
            column.append(getattr(ticket, name))
    return columns


def customer_tier(customer_id: int) -> str:
    """The customer's current tier (empty before any analysis), through its score."""
    tiers = Customer.objects.filter(pk=customer_id).values_list("score__tier", flat=True)
    return tiers.first() or ""


def set_due_times(
    ticket: Ticket,
    *,
    calendar: WorkingCalendar | None = None,
    targets: Targets | None = None,
    look_up: bool = True,
) -> Ticket:
    """Set (not save) ``ticket``'s due and at-risk times from its opening time, by the
    policy for its ``sla_tier`` and priority, or by ``targets`` (a caller that looked
    the policy up itself passes ``look_up=False``); all four are None when no policy
    applies."""
    if targets is None and look_up:
        targets = policy_for(ticket.sla_tier, ticket.priority)
    if targets is None:
        ticket.first_response_due = ticket.first_response_risk_at = None
        ticket.resolution_due = ticket.resolution_risk_at = None
        return ticket
    calendar = calendar or load_calendar()
    start = ticket.opened_at
    for name, hours in (
        ("first_response", targets.first_response_hours),
        ("resolution", targets.resolution_hours),
    ):
        due = add_working_hours(calendar, start, hours)
        setattr(ticket, f"{name}_due", due)
        setattr(ticket, f"{name}_risk_at", subtract_working_hours(calendar, due, risk_hours(hours)))
    return ticket


def start_clock(ticket: Ticket) -> Ticket:
    """Set a new ticket's tier (the customer's now) and its due times (not saved)."""
    ticket.sla_tier = customer_tier(ticket.customer_id)
    return set_due_times(ticket)


DUE_FIELDS = [
    "first_response_due",
    "first_response_risk_at",
    "resolution_due",
    "resolution_risk_at",
]


# ---- one ticket --------------------------------------------------------------------------


def _clock(
    due: datetime | None,
    risk_at: datetime | None,
    done_at: datetime | None,
    now: datetime,
    calendar: WorkingCalendar | None,
) -> Clock | None:
    if due is None:
        return None
    if done_at is not None:
        return Clock(due, done_at, "met" if done_at <= due else "missed")
    if due <= now:
        state = "breached"
    elif risk_at is not None and risk_at <= now:
        state = "at_risk"
    else:
        state = "on_track"
    left = working_hours_between(calendar, now, due) if calendar is not None else None
    return Clock(due, None, state, left)


def clocks(
    ticket: Ticket, now: datetime | None = None, calendar: WorkingCalendar | None = None
) -> dict[str, Clock | None]:
    """The ticket's ``first_response`` and ``resolution`` clocks (None without a policy);
    the working hours left are counted only when a ``calendar`` is given (a list does
    without them)."""
    now = now or timezone.now()
    return {
        "first_response": _clock(
            ticket.first_response_due,
            ticket.first_response_risk_at,
            ticket.first_response_at,
            now,
            calendar,
        ),
        "resolution": _clock(
            ticket.resolution_due, ticket.resolution_risk_at, ticket.resolved_at, now, calendar
        ),
    }


# ---- many tickets, in SQL ----------------------------------------------------------------


def breached_q(now: datetime) -> Q:
    """Tickets past a due time whose target is not met yet."""
    return Q(first_response_at__isnull=True, first_response_due__lte=now) | Q(
        resolved_at__isnull=True, resolution_due__lte=now
    )


def at_risk_q(now: datetime) -> Q:
    """Tickets at risk on a target not met yet and not breached (see the module)."""
    return (
        Q(first_response_at__isnull=True, first_response_risk_at__lte=now)
        & Q(first_response_due__gt=now)
        | Q(resolved_at__isnull=True, resolution_risk_at__lte=now, resolution_due__gt=now)
    ) & ~breached_q(now)


def filter_by_flag(
    queryset: QuerySet[Ticket], flag: str, now: datetime | None = None
) -> QuerySet[Ticket]:
    """The list filter: ``breached`` or ``at_risk`` tickets; any other value, all."""
    now = now or timezone.now()
    if flag == "breached":
        return queryset.filter(breached_q(now))
    if flag == "at_risk":
        return queryset.filter(at_risk_q(now))
    return queryset


def breached_tickets(
    now: datetime | None = None, queryset: QuerySet[Ticket] | None = None
) -> QuerySet[Ticket]:
    """Tickets (of ``queryset``, all by default) past their first-response or
    resolution due time without it being met, at ``now`` (now by default)."""
    tickets = Ticket.objects.all() if queryset is None else queryset
    return tickets.filter(breached_q(now or timezone.now()))


def at_risk_tickets(
    now: datetime | None = None,
    within_hours: float | None = None,
    queryset: QuerySet[Ticket] | None = None,
) -> QuerySet[Ticket]:
    """Tickets not breached whose first response or resolution is due soon and not met:
    within ``within_hours`` working hours of ``now`` when given, else at risk by the
    stored at-risk times (the last quarter of the target or two working hours)."""
    now = now or timezone.now()
    tickets = Ticket.objects.all() if queryset is None else queryset
    if within_hours is None:
        return tickets.filter(at_risk_q(now))
    horizon = add_working_hours(load_calendar(), now, within_hours)
    soon = Q(first_response_at__isnull=True, first_response_due__gt=now) & Q(
        first_response_due__lte=horizon
    ) | Q(resolved_at__isnull=True, resolution_due__gt=now, resolution_due__lte=horizon)
    return tickets.filter(soon).exclude(breached_q(now))
