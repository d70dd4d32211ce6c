"""A customer's timeline: interactions on every channel, orders and tickets, newest
first, as the 360 page, its log form and ``GET /api/customers/{id}/timeline`` show it.

It reads three domains (engagement, sales, service), so it lives in the screens layer
above them rather than in any one of them.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from kehu.crm.customers.models import Customer
from kehu.crm.engagement.models import Interaction
from kehu.crm.sales.models import Order
from kehu.crm.service.models import Ticket


def latest_orders(customer: Customer, limit: int = 50) -> list[Order]:
    return list(customer.orders.order_by("-ordered_at", "-id")[:limit])


def latest_tickets(customer: Customer, limit: int = 50) -> list[Ticket]:
    return list(customer.tickets.select_related("assignee").order_by("-opened_at", "-id")[:limit])


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # "interaction", "order", "ticket"
    channel: str
    channel_label: str
    title: str
    detail: str
    url: str
    by: str
    direction: str = ""
    direction_label: str = ""
    duration_minutes: int | None = None
    contact: str = ""
    amount: Decimal | None = None
    status: str = ""
    status_label: str = ""
    interaction_id: int | None = None
    author_id: int | None = None

    @property
    def cancelled(self) -> bool:
        return self.status == Order.Status.CANCELLED


def _interaction_entry(i: Interaction) -> TimelineEntry:
    return TimelineEntry(
        i.occurred_at,
        "interaction",
        i.channel,
        i.get_channel_display(),
        i.subject,
        i.body,
        "",
        str(i.user or ""),
        direction=i.direction,
        direction_label=str(i.get_direction_display()),
        duration_minutes=i.duration_minutes,
        contact=i.contact.name if i.contact else "",
        interaction_id=i.pk,
        author_id=i.user_id,
    )


def _order_entry(o: Order) -> TimelineEntry:
    return TimelineEntry(
        o.ordered_at,
        "order",
        o.channel,
        o.get_channel_display(),
        f"{o.get_kind_display()} {o.number}",
        "",
        o.get_absolute_url(),
        "",
        amount=o.total_amount,
        status=o.status,
        status_label=str(o.get_status_display()),
    )


def customer_timeline(
    customer: Customer,
    limit: int = 50,
    orders: Sequence[Order] | None = None,
    tickets: Sequence[Ticket] | None = None,
) -> list[TimelineEntry]:
    """Three bounded queries (interactions, orders, tickets), merged by time. A caller
    that already holds the customer's latest orders or tickets passes them in. A
    cancelled order or return is shown as cancelled, never as a sale or a refund."""
    interactions = [
        _interaction_entry(i)
        for i in customer.interactions.select_related("user", "contact").order_by(
            "-occurred_at", "-id"
        )[:limit]
    ]
    orders = [
        _order_entry(o)
        for o in (orders if orders is not None else latest_orders(customer, limit))[:limit]
    ]
    tickets = [
        TimelineEntry(
            t.opened_at,
            "ticket",
            t.channel,
            t.get_channel_display(),
            f"{t.get_type_display()} {t.number}: {t.subject}",
            t.get_status_display(),
            t.get_absolute_url(),
            "",
        )
        for t in (tickets if tickets is not None else latest_tickets(customer, limit))[:limit]
    ]
    merged = heapq.merge(interactions, orders, tickets, key=lambda e: e.at, reverse=True)
    return list(merged)[:limit]
