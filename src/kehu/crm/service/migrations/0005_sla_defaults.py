"""Default service levels, the business calendar, and due times for existing tickets.

The policies (working hours to first response / to resolution) are a starting point an
administrator edits; the any-tier row of each priority covers customers not scored yet.
Every ticket gets the tier its customer has now and its due times, so that open ones
show their flags and closed ones count in the attainment figures at once.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import migrations

from kehu.crm.service.sla_calendar import (
    CalendarError,
    add_working_hours,
    calendar_from,
    subtract_working_hours,
)

# tier: {priority: (first response, resolution)}; "" is any tier
POLICIES = {
    "Platinum": {"urgent": (1, 8), "high": (2, 16), "normal": (4, 24), "low": (8, 40)},
    "Gold": {"urgent": (2, 12), "high": (4, 24), "normal": (8, 40), "low": (16, 80)},
    "Iron": {"urgent": (4, 16), "high": (8, 32), "normal": (16, 64), "low": (24, 96)},
    "Lead": {"urgent": (4, 24), "high": (8, 40), "normal": (16, 80), "low": (24, 120)},
    "": {"urgent": (4, 24), "high": (8, 40), "normal": (16, 80), "low": (24, 120)},
}
BATCH = 1000


def _risk_hours(target: float) -> float:  # as kehu.crm.service.sla.risk_hours
    return min(target, max(0.25 * target, 2.0))


def add_defaults(apps, schema_editor):
    SlaPolicy = apps.get_model("service", "SlaPolicy")
    BusinessCalendar = apps.get_model("service", "BusinessCalendar")
    for tier, targets in POLICIES.items():
        for priority, (first_response, resolution) in targets.items():
            SlaPolicy.objects.get_or_create(
                tier=tier,
                priority=priority,
                defaults={
                    "first_response_hours": Decimal(first_response),
                    "resolution_hours": Decimal(resolution),
                },
            )
    if not BusinessCalendar.objects.exists():
        BusinessCalendar.objects.create()


def backfill(apps, schema_editor):
    Ticket = apps.get_model("service", "Ticket")
    CustomerScore = apps.get_model("intelligence", "CustomerScore")
    tiers = dict(CustomerScore.objects.exclude(tier="").values_list("customer_id", "tier"))
    try:
        calendar = calendar_from(frozenset(range(5)), 9, 17, settings.TIME_ZONE)
    except CalendarError:
        calendar = calendar_from(frozenset(range(5)), 9, 17, "UTC")
    batch = []
    fields = [
        "sla_tier",
        "first_response_due",
        "first_response_risk_at",
        "resolution_due",
        "resolution_risk_at",
    ]
    for ticket in Ticket.objects.filter(first_response_due__isnull=True).iterator():
        ticket.sla_tier = tiers.get(ticket.customer_id, "")
        targets = POLICIES.get(ticket.sla_tier, POLICIES[""]).get(ticket.priority)
        if targets is None:
            continue
        for name, hours in zip(("first_response", "resolution"), targets, strict=True):
            due = add_working_hours(calendar, ticket.opened_at, hours)
            setattr(ticket, f"{name}_due", due)
            setattr(
                ticket, f"{name}_risk_at", subtract_working_hours(calendar, due, _risk_hours(hours))
            )
        batch.append(ticket)
        if len(batch) >= BATCH:
            Ticket.objects.bulk_update(batch, fields)
            batch = []
    Ticket.objects.bulk_update(batch, fields)


class Migration(migrations.Migration):
    dependencies = [
        ("service", "0004_sla"),
        ("intelligence", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(add_defaults, migrations.RunPython.noop),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
