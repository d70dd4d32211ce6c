"""Service tickets of every type with their event logs, technician visits and
satisfaction scores. Each ticket's times follow its workflow: opened, first response,
visit, resolved, closed, all at or before the end of the demo's history (today); a visit
not made yet is booked for the days ahead."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kehu.crm.demo.customers import CustomerPlan
from kehu.crm.demo.timeline import DAY, HOUR, after, between
from kehu.crm.engagement.models import InteractionChannel
from kehu.crm.service.models import TechnicianVisit, Ticket, TicketEvent

Columns = dict[str, np.ndarray]
S = Ticket.Status
NAT = np.datetime64("NaT", "s")

TYPES = np.array([str(t) for t in Ticket.Type.values], dtype=object)
TYPE_WEIGHTS = np.array([0.2, 0.08, 0.2, 0.2, 0.32])  # complaint dispute defect order inquiry
PRIORITIES = np.array([str(p) for p in Ticket.Priority.values], dtype=object)
PRIORITY_WEIGHTS = np.array([0.2, 0.55, 0.2, 0.05])
CHANNELS = np.array([str(c) for c in InteractionChannel.values], dtype=object)
CHANNEL_WEIGHTS = np.array([0.35, 0.3, 0.03, 0.02, 0.15, 0.1, 0.03, 0.02])
SUBJECTS = {
    "complaint": ("Unhappy with delivery time", "对交货时间不满意"),
    "dispute": ("Invoice amount disputed", "发票金额有异议"),
    "defect": ("Device stopped working", "设备无法正常运行"),
    "order_issue": ("Wrong item delivered", "发错货了"),
    "inquiry": ("Question about warranty terms", "咨询保修条款"),
}
OUTCOMES = np.array(
    ["Replaced the faulty part", "Adjusted and tested on site", "Swapped the unit"], dtype=object
)
SCORE_WEIGHTS = np.array([0.05, 0.07, 0.15, 0.35, 0.38])


@dataclass
class ServicePlan:
    ticket_columns: Columns
    event_columns: Columns
    visit_columns: Columns


def _final_status(age: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Old tickets are mostly closed; recent ones are still being worked on."""
    u = rng.random(age.size)
    old = np.select([u < 0.8, u < 0.92, u < 0.96], [S.CLOSED, S.RESOLVED, S.PENDING], S.OPEN)
    recent = np.select([u < 0.1, u < 0.45, u < 0.65], [S.CLOSED, S.RESOLVED, S.PENDING], S.OPEN)
    fresh = np.select([u < 0.5, u < 0.9], [S.NEW, S.OPEN], S.PENDING)
    status = np.where(age > 14 * DAY, old, np.where(age > 2 * DAY, recent, fresh))
    return status.astype(object)


def _random_order(
    order_customer: np.ndarray, order_id: np.ndarray, customer: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """One random sale order of each customer in ``customer`` (0 when it has none);
    ``order_customer`` must be sorted."""
    start = np.searchsorted(order_customer, customer, side="left")
    count = np.searchsorted(order_customer, customer, side="right") - start
    pick = start + (rng.random(customer.size) * count).astype(np.int64)
    return np.where(count > 0, order_id[np.minimum(pick, max(order_id.size - 1, 0))], 0)


def _workflow_times(
    opened: np.ndarray,
    status: np.ndarray,
    has_visit: np.ndarray,
    end: np.datetime64,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """The times of each ticket's steps; a visit booked after today stays ahead
    (``scheduled``), the steps that happened are capped at ``end``."""
    responded = status != S.NEW
    first_response = np.minimum(after(rng, opened, 0.2, 24), end)
    scheduled = after(rng, first_response, 24, 5 * 24)
    visited = np.minimum(after(rng, scheduled, 0, 3), end)
    solved = np.isin(status, [S.RESOLVED, S.CLOSED])
    base = np.where(has_visit, visited, first_response)
    resolved = np.minimum(after(rng, base, 2, 10 * 24), end)
    closed = np.minimum(after(rng, resolved, 1, 7 * 24), end)
    return {
        "first_response_at": np.where(responded, first_response, NAT),
        "scheduled": scheduled,
        "visited": visited,
        "resolved_at": np.where(solved, resolved, NAT),
        "closed_at": np.where(status == S.CLOSED, closed, NAT),
    }


def plan_tickets(
    customers: CustomerPlan,
    rng: np.random.Generator,
    *,
    first_ids: dict[str, int],
    service_staff: np.ndarray,
    usernames: dict[int, str],
    primary_contact: np.ndarray,
    order_customer: np.ndarray,
    order_id: np.ndarray,
) -> ServicePlan:
    """About 6% of customers open one or two tickets."""
    n_all = len(customers.ids)
    chosen = rng.random(n_all) < 0.06
    customer = np.repeat(customers.ids, chosen + (chosen & (rng.random(n_all) < 0.3)))
    n = customer.size
    type_ = TYPES[rng.choice(len(TYPES), n, p=TYPE_WEIGHTS)]
    end = customers.end
    opened = between(rng, customers.column("created_at", customer), np.full(n, end))
    status = _final_status(end - opened, rng)
    visit_share = np.select([type_ == "defect", type_ == "complaint"], [0.4, 0.1], 0.0)
    has_visit = (rng.random(n) < visit_share) & (status != S.NEW)
    times = _workflow_times(opened, status, has_visit, end, rng)
    assigned = (status != S.NEW) | (rng.random(n) < 0.5)
    assignee = np.where(assigned, service_staff[rng.integers(0, len(service_staff), n)], 0)
    rated = ~np.isnat(times["resolved_at"]) & (rng.random(n) < 0.55)
    score = np.where(rated, 1 + rng.choice(5, n, p=SCORE_WEIGHTS), 0)
    zh = customers.zh[customer - customers.ids[0]]
    subject = np.array([SUBJECTS[t][int(z)] for t, z in zip(type_, zh, strict=True)], dtype=object)
    linked = (type_ != "inquiry") & (rng.random(n) < 0.8)
    order = np.where(linked, _random_order(order_customer, order_id, customer, rng), 0)
    contact = np.where(rng.random(n) < 0.6, primary_contact[customer - customers.ids[0]], 0)
    ids = first_ids["ticket"] + np.arange(n)
    ticket_columns = {
        "id": ids,
        "number": np.array([f"T{i:08d}" for i in ids.tolist()], dtype=object),
        "customer": customer,
        "contact": np.where(contact > 0, contact.astype(object), None),
        "order": np.where(order > 0, order.astype(object), None),
        "type": type_,
        "priority": PRIORITIES[rng.choice(len(PRIORITIES), n, p=PRIORITY_WEIGHTS)],
        "status": status,
        "channel": CHANNELS[rng.choice(len(CHANNELS), n, p=CHANNEL_WEIGHTS)],
        "subject": subject,
        "description": subject,
        "assignee": np.where(assignee > 0, assignee.astype(object), None),
        "opened_at": opened,
        **{k: times[k] for k in ("first_response_at", "resolved_at", "closed_at")},
        "satisfaction_score": np.where(rated, score.astype(object), None),
    }
    visits = _visits(ids, has_visit, status, times, customers, customer, service_staff, rng)
    visits["id"] = first_ids["visit"] + np.arange(visits["ticket"].size)
    booked_at = times["first_response_at"][has_visit]
    events = _events(ticket_columns, _visit_events(visits, booked_at), usernames, end)
    events["id"] = first_ids["event"] + np.arange(events["ticket"].size)
    return ServicePlan(ticket_columns, events, visits)


def _visits(
    ids: np.ndarray,
    has_visit: np.ndarray,
    status: np.ndarray,
    times: dict[str, np.ndarray],
    customers: CustomerPlan,
    customer: np.ndarray,
    staff: np.ndarray,
    rng: np.random.Generator,
) -> Columns:
    end = customers.end
    scheduled = times["scheduled"][has_visit]
    done = np.isin(status[has_visit], [S.RESOLVED, S.CLOSED]) | (
        times["visited"][has_visit] < end - DAY
    )
    n = int(has_visit.sum())
    # a visit not made yet is booked for today or the next days, not in the past
    booked = np.where(scheduled > end, scheduled, after(rng, np.full(n, end), 8, 5 * 24))
    visit_status = np.where(done, TechnicianVisit.Status.DONE, TechnicianVisit.Status.SCHEDULED)
    return {
        "ticket": ids[has_visit],
        "technician": staff[rng.integers(0, len(staff), n)],
        "scheduled_at": np.where(done, np.minimum(scheduled, end), booked),
        "visited_at": np.where(done, times["visited"][has_visit], NAT),
        "status": visit_status.astype(object),
        "address": customers.column("address", customer[has_visit]),
        "outcome": np.where(done, OUTCOMES[rng.integers(0, len(OUTCOMES), n)], ""),
    }


def _event_rows(
    mask: np.ndarray,
    ticket: np.ndarray,
    kind: str,
    at: np.ndarray,
    user: object,
    message: object,
    from_status: object = "",
    to_status: object = "",
) -> Columns:
    n = int(mask.sum())

    def column(value: object) -> np.ndarray:
        return value[mask] if isinstance(value, np.ndarray) else np.full(n, value, dtype=object)

    return {
        "ticket": ticket[mask],
        "kind": np.full(n, str(kind), dtype=object),
        "from_status": column(from_status),
        "to_status": column(to_status),
        "message": column(message),
        "user": column(user),
        "occurred_at": at[mask],
    }


def _events(
    tickets: Columns, visit_events: Columns, usernames: dict[int, str], end: np.datetime64
) -> Columns:
    """The log of each ticket: created, assigned, replied, status changes, visits,
    rating; sorted by ticket and time."""
    K = TicketEvent.Kind
    ids, status, opened = tickets["id"], tickets["status"], tickets["opened_at"]
    user = tickets["assignee"]
    all_rows = np.ones(ids.size, dtype=bool)
    responded = ~np.isnat(tickets["first_response_at"])
    assigned = np.array([u is not None for u in user.tolist()], dtype=bool)
    names = np.array([usernames.get(u, "-") for u in user.tolist()], dtype=object)
    pending = status == S.PENDING
    solved = ~np.isnat(tickets["resolved_at"])
    closed = ~np.isnat(tickets["closed_at"])
    rated = np.array([s is not None for s in tickets["satisfaction_score"].tolist()], dtype=bool)
    score_text = np.array([str(s) for s in tickets["satisfaction_score"].tolist()], dtype=object)
    reply_at = tickets["first_response_at"]
    parts = [
        _event_rows(all_rows, ids, K.CREATED, opened, None, tickets["description"], "", S.NEW),
        _event_rows(assigned, ids, K.ASSIGNED, np.minimum(opened + HOUR // 4, end), None, names),
        _event_rows(responded, ids, K.RESPONSE, reply_at, user, "Thank you, we are on it."),
        _event_rows(responded, ids, K.STATUS, reply_at, user, "", S.NEW, S.OPEN),
        _event_rows(
            pending, ids, K.STATUS, np.minimum(reply_at + HOUR, end), user, "", S.OPEN, S.PENDING
        ),
        _event_rows(solved, ids, K.STATUS, tickets["resolved_at"], user, "", S.OPEN, S.RESOLVED),
        _event_rows(closed, ids, K.STATUS, tickets["closed_at"], user, "", S.RESOLVED, S.CLOSED),
        _event_rows(
            rated,
            ids,
            K.RATED,
            np.where(closed, tickets["closed_at"], tickets["resolved_at"]),
            None,
            score_text,
        ),
        visit_events,
    ]
    rows = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    order = np.lexsort((rows["occurred_at"], rows["ticket"]))
    return {key: value[order] for key, value in rows.items()}


def _visit_events(visits: Columns, booked_at: np.ndarray) -> Columns:
    """A "visit scheduled" event when the visit is booked, and the outcome when done."""
    K = TicketEvent.Kind
    done = visits["status"] == TechnicianVisit.Status.DONE
    scheduled_text = np.datetime_as_string(visits["scheduled_at"], unit="m").tolist()
    message = np.array([f"visit scheduled for {t.replace('T', ' ')}" for t in scheduled_text])
    technician = visits["technician"].astype(object)
    everyone = np.ones(visits["ticket"].size, dtype=bool)
    scheduled = _event_rows(
        everyone, visits["ticket"], K.VISIT, booked_at, technician, message.astype(object)
    )
    visited = _event_rows(
        done, visits["ticket"], K.VISIT, visits["visited_at"], technician, visits["outcome"]
    )
    return {key: np.concatenate([scheduled[key], visited[key]]) for key in scheduled}
