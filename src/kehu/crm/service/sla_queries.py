"""Service-level attainment: of the tickets opened in a period, the share whose first
response and whose resolution met their due time, by customer tier, ticket type and
agent (the assignee). Counted in SQL, one grouped query per table.

A target counts once it is decided: met (done by its due time), or missed (done late, or
not done and past due at ``now``); a ticket still inside its target is not counted yet.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from kehu.crm.service.models import Ticket
from kehu.crm.service.queries import visible_tickets
from kehu.crm.service.sla import at_risk_q, breached_q

PERIODS = ("7", "30", "90", "365")  # days, as the page offers them
DEFAULT_PERIOD = "30"


@dataclass(frozen=True)
class Row:
    """One group's counts: ``n`` tickets opened, and per target those decided and met."""

    key: Any
    label: str
    n: int
    n_response: int
    n_response_met: int
    n_resolution: int
    n_resolution_met: int

    @property
    def response_rate(self) -> float | None:
        return self.n_response_met / self.n_response if self.n_response else None

    @property
    def resolution_rate(self) -> float | None:
        return self.n_resolution_met / self.n_resolution if self.n_resolution else None


@dataclass(frozen=True)
class Attainment:
    since: datetime
    until: datetime
    total: Row
    by_tier: list[Row] = field(default_factory=list)
    by_type: list[Row] = field(default_factory=list)
    by_agent: list[Row] = field(default_factory=list)


def _counts(now: datetime) -> dict[str, Count]:
    response_met = Q(first_response_at__lte=F("first_response_due"))
    response_missed = Q(first_response_at__gt=F("first_response_due")) | Q(
        first_response_at__isnull=True, first_response_due__lte=now
    )
    resolution_met = Q(resolved_at__lte=F("resolution_due"))
    resolution_missed = Q(resolved_at__gt=F("resolution_due")) | Q(
        resolved_at__isnull=True, resolution_due__lte=now
    )
    return {
        "n": Count("id"),
        "n_response": Count("id", filter=response_met | response_missed),
        "n_response_met": Count("id", filter=response_met),
        "n_resolution": Count("id", filter=resolution_met | resolution_missed),
        "n_resolution_met": Count("id", filter=resolution_met),
    }


def _rows(
    tickets: QuerySet[Ticket], group: str, now: datetime, labels: dict[Any, str]
) -> list[Row]:
    rows = []
    for counts in tickets.values(group).annotate(**_counts(now)).order_by(group):
        key = counts.pop(group)
        rows.append(Row(key=key, label=labels.get(key, str(key or "")), **counts))
    return sorted(rows, key=lambda row: (-row.n, row.label))


def attainment(
    user: AbstractBaseUser | AnonymousUser,
    *,
    days: int = int(DEFAULT_PERIOD),
    now: datetime | None = None,
    tier_labels: dict[str, str] | None = None,
    unassigned: str = "",
) -> Attainment:
    """SLA attainment of the tickets ``user`` may see that were opened in the ``days``
    before ``now``, in total and by tier (``tier_labels`` names them; the empty tier is
    customers without one), type and agent (``unassigned`` names the empty one): four
    grouped queries and one for the agents' names."""
    now = now or timezone.now()
    since = now - timedelta(days=days)
    tickets = visible_tickets(user).filter(opened_at__gte=since, opened_at__lt=now)
    tickets = tickets.filter(first_response_due__isnull=False)
    total = tickets.aggregate(**_counts(now))
    by_agent = _rows(tickets, "assignee", now, {None: unassigned})
    names = dict(
        get_user_model()
        .objects.filter(pk__in=[r.key for r in by_agent if r.key is not None])
        .values_list("pk", "username")
    )
    by_agent = [replace(row, label=names.get(row.key, row.label)) for row in by_agent]
    return Attainment(
        since=since,
        until=now,
        total=Row(key=None, label="", **total),
        by_tier=_rows(tickets, "sla_tier", now, tier_labels or {}),
        by_type=_rows(tickets, "type", now, dict(Ticket.Type.choices)),
        by_agent=by_agent,
    )


def flag_counts(
    user: AbstractBaseUser | AnonymousUser, now: datetime | None = None
) -> dict[str, int]:
    """How many of the tickets ``user`` may see are ``breached`` and ``at_risk`` now:
    one query."""
    now = now or timezone.now()
    return visible_tickets(user).aggregate(
        breached=Count("id", filter=breached_q(now)), at_risk=Count("id", filter=at_risk_q(now))
    )
