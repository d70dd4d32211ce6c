"""Writes of service levels in bulk: due times for tickets loaded around the open action
(demo data, imports, tickets older than the service levels) and again for open tickets
after an administrator changes a policy or the business calendar."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F, QuerySet

from kehu.crm.service.models import BusinessCalendar, Holiday, SlaPolicy, Ticket
from kehu.crm.service.queries import open_tickets
from kehu.crm.service.sla import (
    DUE_FIELDS,
    all_targets,
    load_calendar,
    set_due_times,
    targets_in,
)
from kehu.crm.validation import validate

BATCH = 1000


@transaction.atomic
def backfill_due_times(
    tickets: QuerySet[Ticket] | None = None, *, retier: bool = False, recompute: bool = False
) -> int:
    """Give ``tickets`` (all by default) their due times, counted from their opening;
    return how many were written. Only tickets without due times unless ``recompute``;
    ``retier`` first gives each the tier its customer has now (tickets loaded before the
    first analysis have none). One query for the policies, one for the calendar, one
    per batch of writes: the per-ticket work is the working-hours arithmetic."""
    tickets = Ticket.objects.all() if tickets is None else tickets
    if not recompute:
        tickets = tickets.filter(first_response_due__isnull=True)
    calendar, policies = load_calendar(), all_targets()
    fields = DUE_FIELDS + (["sla_tier"] if retier else [])
    queryset = tickets.only("pk", "opened_at", "priority", "sla_tier", *DUE_FIELDS)
    if retier:
        queryset = queryset.annotate(current_tier=F("customer__score__tier"))
    batch: list[Ticket] = []
    n_written = 0
    for ticket in queryset.iterator(chunk_size=BATCH):
        if retier:
            ticket.sla_tier = ticket.current_tier or ""
        targets = targets_in(policies, ticket.sla_tier, ticket.priority)
        set_due_times(ticket, calendar=calendar, targets=targets, look_up=False)
        batch.append(ticket)
        if len(batch) == BATCH:
            n_written += Ticket.objects.bulk_update(batch, fields)
            batch = []
    return n_written + (Ticket.objects.bulk_update(batch, fields) if batch else 0)


def recompute_open_tickets() -> int:
    """After a policy or the calendar changed: the open tickets' due times again, by
    their tier at opening and their priority."""
    return backfill_due_times(open_tickets(Ticket.objects.all()), recompute=True)


@transaction.atomic
def save_setting(setting: SlaPolicy | BusinessCalendar | Holiday) -> int:
    """Save a policy, the calendar or a holiday an administrator edited (checked first:
    a field-keyed error names what to fix) and give the open tickets the due times it
    makes; return how many open tickets were recomputed."""
    validate(setting)
    setting.save()
    return recompute_open_tickets()


@transaction.atomic
def delete_setting(setting: SlaPolicy | Holiday) -> int:
    """Remove a policy or a holiday, and recompute the open tickets' due times."""
    setting.delete()
    return recompute_open_tickets()
