"""Reads of tickets shared by the service screens and the CSV export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.utils import timezone

from kehu.crm.customers.models import Customer
from kehu.crm.customers.queries import customer_scope
from kehu.crm.customers.queries import search as search_customers
from kehu.crm.lists import where_given
from kehu.crm.service.models import TechnicianVisit, Ticket, TicketEvent
from kehu.crm.service.sla import filter_by_flag

CLOSED_STATUSES = (Ticket.Status.RESOLVED, Ticket.Status.CLOSED)
DASHBOARD_DAYS = 30
SORTABLE_FIELDS = {
    "opened": ("opened_at", "id"),
    "-opened": ("-opened_at", "-id"),
    "number": ("number",),
    "-number": ("-number",),
    "priority": ("priority", "-opened_at", "-id"),
    "status": ("status", "-opened_at", "-id"),
    "type": ("type", "-opened_at", "-id"),
    "customer": ("customer__name", "customer_id", "-opened_at", "-id"),
    "subject": ("subject", "id"),
}
DEFAULT_SORT = "-opened"

FIRST_RESPONSE_TIME = ExpressionWrapper(
    F("first_response_at") - F("opened_at"), output_field=DurationField()
)
RESOLUTION_TIME = ExpressionWrapper(F("resolved_at") - F("opened_at"), output_field=DurationField())


def visible_tickets(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Ticket]:
    """Tickets of the customers this user may see."""
    return Ticket.objects.filter(customer_scope(user))


def open_tickets(queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Tickets not yet resolved or closed."""
    return queryset.exclude(status__in=CLOSED_STATUSES)


def search(queryset: QuerySet[Ticket], query: str) -> QuerySet[Ticket]:
    """Tickets whose number starts with the query, whose subject contains it, or whose
    customer's name (or code) has words starting with the query's words."""
    query = query.strip()
    customers = search_customers(Customer.objects.all(), query).values("pk")
    return queryset.filter(
        Q(number__istartswith=query) | Q(subject__icontains=query) | Q(customer__in=customers)
    )


def filtered_tickets(
    user: AbstractBaseUser | AnonymousUser,
    *,
    q: str = "",
    type: str = "",
    status: str = "",
    priority: str = "",
    channel: str = "",
    assignee: str = "",
    open: str = "",
    sla: str = "",
    sort: str = DEFAULT_SORT,
) -> QuerySet[Ticket]:
    """The ticket list as the list page and the CSV export share it."""
    queryset = visible_tickets(user).select_related("customer", "assignee", "contact")
    if q.strip():
        queryset = search(queryset, q)
    queryset = where_given(queryset, type=type, status=status, priority=priority, channel=channel)
    if assignee == "me":
        queryset = queryset.filter(assignee_id=user.pk)
    elif assignee == "unassigned":
        queryset = queryset.filter(assignee__isnull=True)
    elif assignee.isdigit():
        queryset = queryset.filter(assignee_id=int(assignee))
    if open in ("1", "true", "yes", "on"):
        queryset = open_tickets(queryset)
    if sla:
        queryset = filter_by_flag(queryset, sla)  # breached or at risk
    return queryset.order_by(*SORTABLE_FIELDS.get(sort, SORTABLE_FIELDS[DEFAULT_SORT]))


@dataclass
class Dashboard:
    n_open: int
    open_by_priority: list[tuple[str, str, int]]  # (value, label, count)
    open_by_type: list[tuple[str, str, int]]
    avg_first_response: timedelta | None
    avg_resolution: timedelta | None
    days: int = DASHBOARD_DAYS


def _counts_by(queryset: QuerySet[Ticket], field: str, choices: Any) -> list[tuple[str, str, int]]:
    counts = dict(queryset.values_list(field).annotate(n=Count("id")).order_by())
    return [(value, label, counts.get(value, 0)) for value, label in choices]


def dashboard(user: AbstractBaseUser | AnonymousUser) -> Dashboard:
    """Open tickets by priority and type, and the average first-response and resolution
    times of tickets responded to / resolved in the last 30 days: four aggregate queries."""
    tickets = visible_tickets(user)
    still_open = open_tickets(tickets)
    since = timezone.now() - timedelta(days=DASHBOARD_DAYS)
    by_priority = _counts_by(still_open, "priority", reversed(Ticket.Priority.choices))
    times = tickets.aggregate(
        first_response=Avg(FIRST_RESPONSE_TIME, filter=Q(first_response_at__gte=since)),
        resolution=Avg(RESOLUTION_TIME, filter=Q(resolved_at__gte=since)),
    )
    return Dashboard(
        n_open=sum(n for _v, _l, n in by_priority),
        open_by_priority=by_priority,
        open_by_type=_counts_by(still_open, "type", Ticket.Type.choices),
        avg_first_response=times["first_response"],
        avg_resolution=times["resolution"],
    )


def ticket_events(ticket: Ticket) -> QuerySet[TicketEvent]:
    """The ticket's event log, oldest first, with who did what."""
    return ticket.events.select_related("user").order_by("occurred_at", "id")


def ticket_visits(ticket: Ticket) -> QuerySet[TechnicianVisit]:
    return ticket.visits.select_related("technician").order_by("scheduled_at", "id")


def service_staff() -> QuerySet[Any]:
    """Active users who may work on tickets: the ones a ticket can be assigned to."""
    can_work = Q(
        groups__permissions__content_type__app_label="service",
        groups__permissions__codename="change_ticket",
    ) | Q(
        user_permissions__content_type__app_label="service",
        user_permissions__codename="change_ticket",
    )
    users = get_user_model().objects.filter(is_active=True)
    ids = users.filter(can_work | Q(is_superuser=True)).values("pk")
    return users.filter(pk__in=ids).order_by("username")
