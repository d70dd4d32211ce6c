"""The service dashboard: open tickets by status and priority, the tickets past or near
their service level now, tickets opened against resolved per week, and the customers'
satisfaction by month. Counts run on the ticket list's own query
(``service.queries.filtered_tickets``) with the filters of each link.

Queries: six aggregates (open tickets by status and priority with the assignment
counts; service levels by priority; opened per week; resolved per week; satisfaction by
month), whatever the number of tickets."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Avg, Count, Q
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from kehu.crm.screens.dashboards.base import (
    Dashboard,
    Figure,
    Panel,
    Point,
    Series,
    list_url,
    week_start,
)
from kehu.crm.service.models import Ticket
from kehu.crm.service.queries import filtered_tickets
from kehu.crm.service.sla import at_risk_q, breached_q

OPEN_STATUSES = (Ticket.Status.NEW, Ticket.Status.OPEN, Ticket.Status.PENDING)
#: most urgent first, as the stacks read from the bottom
PRIORITIES = (
    Ticket.Priority.URGENT,
    Ticket.Priority.HIGH,
    Ticket.Priority.NORMAL,
    Ticket.Priority.LOW,
)
WEEKS = 12
MONTHS = 12


def _tickets_url(**params: object) -> str:
    return list_url("service:ticket_list", params)


def open_tickets_panel(user: AbstractBaseUser) -> tuple[Panel, dict[str, int]]:
    """Open tickets by status, stacked by priority; and the open, mine and unassigned
    totals (one query)."""
    rows = list(
        filtered_tickets(user, open="1")
        .order_by()
        .values("status", "priority")
        .annotate(
            n=Count("id"),
            mine=Count("id", filter=Q(assignee_id=user.pk)),
            unassigned=Count("id", filter=Q(assignee__isnull=True)),
        )
    )
    counts = {(row["status"], row["priority"]): row["n"] for row in rows}
    labels = dict(Ticket.Status.choices)
    series = [
        Series(
            Ticket.Priority(priority).label,
            [
                Point(
                    labels[status],
                    counts.get((status, priority), 0),
                    _tickets_url(status=status, priority=priority),
                )
                for status in OPEN_STATUSES
            ],
        )
        for priority in PRIORITIES
    ]
    totals = {key: sum(row[key] for row in rows) for key in ("n", "mine", "unassigned")}
    panel = Panel(
        key="service-open",
        title=_("Open tickets by status and priority"),
        kind="stack",
        series=series,
        x_title=_("Status"),
        y_title=_("Tickets"),
        link=_tickets_url(open=1),
        link_label=_("Open the open tickets"),
    )
    return panel, totals


def sla_panel(user: AbstractBaseUser, now: datetime) -> tuple[Panel, int, int]:
    """Tickets past their service level (breached) and near it (at risk) now, by
    priority (one query); the list's ``sla`` filter shows the same tickets."""
    rows = (
        filtered_tickets(user)
        .order_by()
        .values("priority")
        .annotate(
            breached=Count("id", filter=breached_q(now)),
            at_risk=Count("id", filter=at_risk_q(now)),
        )
    )
    by_priority = {row["priority"]: row for row in rows}
    series = [
        Series(
            name,
            [
                Point(
                    Ticket.Priority(priority).label,
                    by_priority.get(priority, {}).get(flag, 0),
                    _tickets_url(sla=flag, priority=priority),
                )
                for priority in PRIORITIES
            ],
        )
        for flag, name in (
            ("breached", pgettext("service level", "Breached")),
            ("at_risk", pgettext("service level", "At risk")),
        )
    ]
    panel = Panel(
        key="service-sla",
        title=_("Service levels breached and at risk now"),
        kind="stack",
        series=series,
        x_title=_("Priority"),
        y_title=_("Tickets"),
        link=_tickets_url(sla="breached"),
        link_label=_("Open the breached tickets"),
    )
    return panel, sum(r["breached"] for r in rows), sum(r["at_risk"] for r in rows)


def _weekly(user: AbstractBaseUser, field: str, since: datetime) -> dict[date, int]:
    rows = (
        filtered_tickets(user)
        .filter(**{f"{field}__gte": since})
        .order_by()
        .annotate(week=TruncWeek(field))
        .values("week")
        .annotate(n=Count("id"))
    )
    return {row["week"].date(): row["n"] for row in rows}


def flow_panel(user: AbstractBaseUser, today: date) -> Panel:
    """Tickets opened and resolved per week over the last twelve weeks."""
    weeks = [week_start(today) - timedelta(weeks=n) for n in range(WEEKS - 1, -1, -1)]
    since = timezone.make_aware(datetime.combine(weeks[0], time()))
    opened = _weekly(user, "opened_at", since)
    resolved = _weekly(user, "resolved_at", since)
    pairs = [(week.strftime("%m-%d"), week) for week in weeks]  # short in every language
    return Panel(
        key="service-flow",
        title=_("Tickets opened and resolved per week"),
        kind="line",
        series=[
            Series(pgettext("tickets", "Opened"), [Point(lb, opened.get(w, 0)) for lb, w in pairs]),
            Series(
                pgettext("tickets", "Resolved"), [Point(lb, resolved.get(w, 0)) for lb, w in pairs]
            ),
        ],
        x_title=_("Week starting"),
        y_title=_("Tickets"),
        link=_tickets_url(),
        link_label=_("Open the tickets"),
        summary=_("A backlog grows while the opened line runs above the resolved one."),
    )


def satisfaction_panel(user: AbstractBaseUser, today: date) -> Panel:
    """The mean satisfaction rating (1-5) of the tickets resolved each month."""
    first = (today.replace(day=1) - timedelta(days=366)).replace(day=1)
    months: list[date] = []
    month = first
    while month <= today:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    rows = (
        filtered_tickets(user)
        .filter(
            satisfaction_score__isnull=False,
            resolved_at__gte=timezone.make_aware(datetime.combine(first, time())),
        )
        .order_by()
        .annotate(month=TruncMonth("resolved_at"))
        .values("month")
        .annotate(mean=Avg("satisfaction_score"), n=Count("id"))
    )
    by_month = {row["month"].date(): row for row in rows}
    points = [
        Point(
            m.strftime("%Y-%m"),
            round(by_month[m]["mean"], 2) if m in by_month else None,  # type: ignore[arg-type]
            count=by_month[m]["n"] if m in by_month else 0,
        )
        for m in months[-MONTHS:]
    ]
    return Panel(
        key="service-satisfaction",
        title=_("Satisfaction by month"),
        kind="line",
        series=[Series(_("Mean rating (1-5)"), points)],
        x_title=_("Month resolved"),
        y_title=_("Mean rating (1-5)"),
        value_range=(1, 5.2),
        summary=_("The mean satisfaction rating of the tickets resolved each month."),
    )


def service_dashboard(user: AbstractBaseUser, today: date | None = None) -> Dashboard:
    now = timezone.now()
    today = today or timezone.localdate(now)
    open_panel, totals = open_tickets_panel(user)
    sla, n_breached, n_at_risk = sla_panel(user, now)
    return Dashboard(
        role="service",
        title=pgettext("dashboard", "Service"),
        figures=[
            Figure("open-tickets", _("Open tickets"), totals["n"], _tickets_url(open=1)),
            Figure(
                "my-open-tickets",
                _("Open tickets assigned to me"),
                totals["mine"],
                _tickets_url(assignee="me", open=1),
            ),
            Figure(
                "unassigned-tickets",
                _("Open tickets nobody is assigned to"),
                totals["unassigned"],
                _tickets_url(assignee="unassigned", open=1),
                alert=totals["unassigned"] > 0,
            ),
            Figure(
                "sla-breached",
                _("Service level breached"),
                n_breached,
                _tickets_url(sla="breached"),
                alert=n_breached > 0,
            ),
            Figure(
                "sla-at-risk",
                _("Service level at risk"),
                n_at_risk,
                _tickets_url(sla="at_risk"),
                alert=n_at_risk > 0,
            ),
        ],
        panels=[open_panel, sla, flow_panel(user, today), satisfaction_panel(user, today)],
    )
