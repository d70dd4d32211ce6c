"""A customer's timeline: interactions on every channel, orders, tickets and the
campaigns that targeted the customer (with what came of each), newest first, as the
360 page, its log form and ``GET /api/customers/{id}/timeline`` show it.

It reads several apps (engagement, sales, service, marketing), so it lives in the
screens layer above them rather than in any one of them.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from kehu.crm.customers.models import Customer
from kehu.crm.engagement.models import Interaction
from kehu.crm.marketing.models import Campaign, CampaignMember
from kehu.crm.sales.models import Order
from kehu.crm.service.models import Ticket


def latest_orders(customer: Customer, limit: int = 50) -> list[Order]:
    return list(customer.orders.order_by("-ordered_at", "-id")[:limit])


def latest_tickets(customer: Customer, limit: int = 50) -> list[Ticket]:
    return list(customer.tickets.select_related("assignee").order_by("-opened_at", "-id")[:limit])


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # "interaction", "order", "ticket", "campaign"
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


SKIP_REASONS = {
    "no_consent": lambda: _("no consent for the campaign's channels"),
    "no_address": lambda: _("no address on the campaign's channels"),
    "suppressed": lambda: _("the address is on the suppression list"),
    "quiet_period": lambda: _("messaged by another campaign in the quiet period"),
}


def _campaign_detail(m: CampaignMember) -> str:
    """What happened to the customer in the campaign, in words."""
    parts: list[str] = []
    if m.group == CampaignMember.Group.CONTROL:
        parts.append(_("held out in the control group"))
    elif m.status == CampaignMember.Status.SENT:
        parts.append(_("sent by %(channel)s") % {"channel": _channel_label(m.channel)})
    elif m.status == CampaignMember.Status.SKIPPED:
        reason = SKIP_REASONS.get(m.skip_reason)
        parts.append(_("not sent: %(reason)s") % {"reason": reason() if reason else m.skip_reason})
    else:
        parts.append(str(m.get_status_display()))
    parts += [
        text
        for at, text in (
            (m.opened_at, pgettext("campaign outcome", "opened")),
            (m.clicked_at, _("clicked a link")),
            (m.responded_at, pgettext("campaign outcome", "replied")),
            (m.unsubscribed_at, pgettext("campaign outcome", "unsubscribed")),
        )
        if at is not None
    ]
    if m.converted:
        parts.append(
            _("ordered %(n)s times in the campaign's window, %(amount)s")
            % {"n": m.orders, "amount": number_format(m.revenue, 2, force_grouping=True)}
        )
    return " · ".join(parts)


def _channel_label(channel: str) -> str:
    return str(dict(Campaign.Channel.choices).get(channel, channel))


def _campaign_entry(m: CampaignMember) -> TimelineEntry:
    return TimelineEntry(
        m.sent_at or m.enrolled_at,
        "campaign",
        m.channel,
        _channel_label(m.channel) if m.channel else _("Campaign"),
        m.campaign.name,
        _campaign_detail(m),
        m.campaign.get_absolute_url(),
        "",
        status=m.status,
        status_label=str(m.get_status_display()),
    )


def latest_campaigns(customer: Customer, limit: int = 50) -> list[CampaignMember]:
    return list(
        CampaignMember.objects.filter(customer=customer)
        .select_related("campaign")
        .order_by("-enrolled_at", "-id")[:limit]
    )


def customer_timeline(
    customer: Customer,
    limit: int = 50,
    orders: Sequence[Order] | None = None,
    tickets: Sequence[Ticket] | None = None,
) -> list[TimelineEntry]:
    """Four bounded queries (interactions, orders, tickets, campaigns), merged by time. A caller
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
    campaigns = sorted(
        (_campaign_entry(m) for m in latest_campaigns(customer, limit)),
        key=lambda e: e.at,
        reverse=True,
    )
    merged = heapq.merge(interactions, orders, tickets, campaigns, key=lambda e: e.at, reverse=True)
    return list(merged)[:limit]
