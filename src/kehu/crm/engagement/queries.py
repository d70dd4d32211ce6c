"""The customer timeline: interactions on every channel, orders and tickets, newest first."""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from kehu.crm.customers.models import Customer
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


def customer_timeline(
    customer: Customer,
    limit: int = 50,
    orders: Sequence[Order] | None = None,
    tickets: Sequence[Ticket] | None = None,
) -> list[TimelineEntry]:
    """Three bounded queries (interactions, orders, tickets), merged by time. A caller
    that already holds the customer's latest orders or tickets passes them in."""
    interactions = [
        TimelineEntry(
            i.occurred_at,
            "interaction",
            i.channel,
            i.get_channel_display(),
            i.subject,
            i.body,
            "",
            str(i.user or ""),
        )
        for i in customer.interactions.select_related("user").order_by("-occurred_at", "-id")[
            :limit
        ]
    ]
    orders = [
        TimelineEntry(
            o.ordered_at,
            "order",
            o.channel,
            o.get_channel_display(),
            f"{o.get_kind_display()} {o.number}",
            f"{o.total_amount}",
            o.get_absolute_url(),
            "",
        )
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
