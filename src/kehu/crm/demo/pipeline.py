"""Opportunities across the pipeline stages, and the sales team's activities."""

from __future__ import annotations

import numpy as np

from kehu.crm.demo.customers import CustomerPlan
from kehu.crm.demo.timeline import DAY, HOUR, after, between, seconds
from kehu.crm.sales.models import Activity, Opportunity

Columns = dict[str, np.ndarray]

STAGE_WEIGHTS = {
    Opportunity.Stage.QUALIFICATION: 0.14,
    Opportunity.Stage.NEEDS_ANALYSIS: 0.12,
    Opportunity.Stage.PROPOSAL: 0.12,
    Opportunity.Stage.NEGOTIATION: 0.08,
    Opportunity.Stage.WON: 0.33,
    Opportunity.Stage.LOST: 0.21,
}
DEAL_NAMES = np.array(
    [
        "Annual supply contract",
        "Equipment upgrade",
        "Maintenance agreement",
        "Pilot order",
        "New site fit-out",
        "Training package",
        "Spare parts framework",
    ],
    dtype=object,
)
COMPETITORS = np.array(
    ["", "Globex Industrial", "Initech Supply", "Umbrella Trading", "华强实业", "宏达机电"],
    dtype=object,
)
LOST_REASONS = np.array(
    ["price", "timing", "chose a competitor", "no budget", "no decision", "product fit"],
    dtype=object,
)
#: Open deals mostly expect to close after today; the rest have slipped past their date.
SLIPPED_SHARE = 0.15
#: Activities due in the four weeks after today; past ones are done, except some of the
#: last two weeks' (and a few older ones nobody closed).
UPCOMING_SHARE = 0.25
UPCOMING_DAYS = 28
RECENT_DAYS = 14
DONE_RECENT, DONE_OLDER = 0.6, 0.98
ACTIVITY_SUBJECTS = {
    Activity.Kind.CALL: "Call about the next order",
    Activity.Kind.MEETING: "Meeting to review needs",
    Activity.Kind.EMAIL: "Send the updated price list",
    Activity.Kind.TASK: "Prepare a quotation",
    Activity.Kind.FOLLOW_UP: "Follow up on the proposal",
    Activity.Kind.VISIT: "Visit the customer's site",
}


def _pick_customers(
    customers: CustomerPlan, rng: np.random.Generator, share: float, extra: float
) -> np.ndarray:
    """Customer ids, each chosen with probability ``share`` and repeated once more with
    probability ``extra``."""
    n = len(customers.ids)
    chosen = rng.random(n) < share
    counts = chosen.astype(np.int64) + (chosen & (rng.random(n) < extra))
    return np.repeat(customers.ids, counts)


def plan_opportunities(
    customers: CustomerPlan,
    rng: np.random.Generator,
    *,
    first_id: int,
    sales_reps: np.ndarray,
    primary_contact: np.ndarray,
) -> Columns:
    """About 12% of customers have one or two opportunities; open ones were created in
    the last months and mostly expect to close in the months ahead, closed ones (won or
    lost) carry their closing time."""
    customer = _pick_customers(customers, rng, 0.12, 0.25)
    n = customer.size
    stages = np.array([str(s) for s in STAGE_WEIGHTS], dtype=object)
    weights = np.array(list(STAGE_WEIGHTS.values()))
    stage = stages[rng.choice(len(stages), n, p=weights)]
    is_open = np.isin(stage, [str(s) for s in Opportunity.OPEN_STAGES])
    customer_created = customers.column("created_at", customer)
    end = customers.end
    window_start = np.where(is_open, end - 150 * DAY, end - 720 * DAY)
    created = between(rng, np.maximum(customer_created, window_start), np.full(n, end))
    expected_close = after(rng, created, 14 * 24, 150 * 24)
    ahead = after(rng, np.full(n, end), 3 * 24, 120 * 24)
    on_time = is_open & (expected_close < end) & (rng.random(n) >= SLIPPED_SHARE)
    expected_close = np.where(on_time, ahead, expected_close)
    closed = np.where(is_open, np.datetime64("NaT"), np.minimum(expected_close, end))
    lost = stage == Opportunity.Stage.LOST
    owner = customers.owner_of(customer)
    fallback = sales_reps[rng.integers(0, len(sales_reps), n)]
    name = DEAL_NAMES[rng.integers(0, len(DEAL_NAMES), n)]
    amount = np.round(np.exp(rng.normal(np.log(8_000), 1.0, n)), -2)
    probability = np.array([Opportunity.STAGE_PROBABILITY[s] for s in stage.tolist()])
    contact = primary_contact[customer - customers.ids[0]]
    return {
        "id": first_id + np.arange(n),
        "name": name,
        "customer": customer,
        "contact": np.where(contact > 0, contact.astype(object), None),
        "owner": np.where(owner > 0, owner, fallback),
        "stage": stage,
        "probability": probability,
        "amount": np.maximum(amount, 100.0),
        "expected_close_date": expected_close.astype("datetime64[D]"),
        "competitor": np.where(lost, COMPETITORS[rng.integers(0, len(COMPETITORS), n)], ""),
        "lost_reason": np.where(lost, LOST_REASONS[rng.integers(0, len(LOST_REASONS), n)], ""),
        "source_channel": customers.column("source_channel", customer),
        "created_at": created,
        "updated_at": np.where(is_open, np.minimum(after(rng, created, 1, 240), end), closed),
        "closed_at": closed,
    }


def plan_activities(
    customers: CustomerPlan, rng: np.random.Generator, *, first_id: int, staff: np.ndarray
) -> Columns:
    """About 15% of customers have one to three activities: a quarter are due in the four
    weeks after today, past ones are done except some of the last two weeks' (overdue)
    and a few older ones."""
    customer = np.concatenate(
        [_pick_customers(customers, rng, 0.15, 0.4), _pick_customers(customers, rng, 0.03, 0)]
    )
    n = customer.size
    kinds = np.array([str(k) for k in Activity.Kind.values], dtype=object)
    kind = kinds[rng.integers(0, len(kinds), n)]
    customer_created = customers.column("created_at", customer)
    end = np.full(n, customers.end)
    upcoming = rng.random(n) < UPCOMING_SHARE
    due = np.where(
        upcoming,
        between(rng, end, end + UPCOMING_DAYS * DAY),
        between(rng, customer_created, end),
    )
    recent = due >= end - RECENT_DAYS * DAY
    done = ~upcoming & (rng.random(n) < np.where(recent, DONE_RECENT, DONE_OLDER))
    completed = np.minimum(due + seconds(rng.uniform(-2, 48, n) * 3600), end)
    owner = customers.owner_of(customer)
    fallback = staff[rng.integers(0, len(staff), n)]
    created = np.maximum(due - seconds(rng.uniform(1, 14, n) * 86_400), customer_created)
    return {
        "id": first_id + np.arange(n),
        "subject": np.array([ACTIVITY_SUBJECTS[k] for k in kind.tolist()], dtype=object),
        "kind": kind,
        "customer": customer,
        "owner": np.where(owner > 0, owner, fallback),
        "due_at": due,
        "completed_at": np.where(done, completed, np.datetime64("NaT")),
        "notes": np.full(n, "", dtype=object),
        "created_at": np.minimum(created, end - HOUR),
    }
