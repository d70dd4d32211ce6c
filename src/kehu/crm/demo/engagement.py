"""Interactions with customers on every channel."""

from __future__ import annotations

import numpy as np

from kehu.crm.demo.customers import CustomerPlan
from kehu.crm.demo.timeline import between
from kehu.crm.engagement.models import Interaction, InteractionChannel

Columns = dict[str, np.ndarray]

C = InteractionChannel
CHANNEL_WEIGHTS = {
    C.PHONE: 0.25,
    C.EMAIL: 0.30,
    C.SMS: 0.08,
    C.FAX: 0.02,
    C.WEB: 0.12,
    C.CHAT: 0.10,
    C.VISIT: 0.08,
    C.EXHIBITION: 0.05,
}
INBOUND_SHARE = {
    C.PHONE: 0.5,
    C.EMAIL: 0.5,
    C.SMS: 0.1,
    C.FAX: 0.6,
    C.WEB: 0.9,
    C.CHAT: 0.8,
    C.VISIT: 0.1,
    C.EXHIBITION: 0.5,
}
SUBJECTS = {
    C.PHONE: "Call about an order",
    C.EMAIL: "Quotation by email",
    C.SMS: "Delivery notice by SMS",
    C.FAX: "Purchase order by fax",
    C.WEB: "Web form enquiry",
    C.CHAT: "Chat about product availability",
    C.VISIT: "Visit at the customer's office",
    C.EXHIBITION: "Met at the trade show",
}
# (low, high) duration in minutes, or None where a duration makes no sense
DURATIONS = {C.PHONE: (2, 30), C.CHAT: (3, 20), C.VISIT: (30, 120), C.EXHIBITION: (5, 30)}


def plan_interactions(
    customers: CustomerPlan,
    rng: np.random.Generator,
    *,
    first_id: int,
    staff: np.ndarray,
    primary_contact: np.ndarray,
) -> Columns:
    """About 1.5 interactions per customer, spread over all channels."""
    counts = rng.poisson(1.5, len(customers.ids))
    customer = np.repeat(customers.ids, counts)
    n = customer.size
    channels = list(CHANNEL_WEIGHTS)
    weights = np.array(list(CHANNEL_WEIGHTS.values()))
    k = rng.choice(len(channels), n, p=weights / weights.sum())
    inbound = rng.random(n) < np.array([INBOUND_SHARE[c] for c in channels])[k]
    low = np.array([DURATIONS.get(c, (0, 0))[0] for c in channels])[k]
    high = np.array([DURATIONS.get(c, (0, 0))[1] for c in channels])[k]
    minutes = low + (rng.random(n) * (high - low + 1)).astype(np.int64)
    contact = np.where(rng.random(n) < 0.5, primary_contact[customer - customers.ids[0]], 0)
    user = np.where(rng.random(n) < 0.85, staff[rng.integers(0, len(staff), n)], 0)
    occurred = between(rng, customers.column("created_at", customer), np.full(n, customers.end))
    return {
        "id": first_id + np.arange(n),
        "customer": customer,
        "contact": np.where(contact > 0, contact.astype(object), None),
        "channel": np.array([str(c) for c in channels], dtype=object)[k],
        "direction": np.where(
            inbound, Interaction.Direction.INBOUND, Interaction.Direction.OUTBOUND
        ).astype(object),
        "subject": np.array([SUBJECTS[c] for c in channels], dtype=object)[k],
        "body": np.full(n, "", dtype=object),
        "occurred_at": occurred,
        "duration_minutes": np.where(high > 0, minutes.astype(object), None),
        "user": np.where(user > 0, user.astype(object), None),
        "created_at": occurred,
    }
