"""What the demo's past events gave and their exhibitors' history, dated against
``today`` (after demo/events.py and demo/attendance.py):

- earlier editions of each past fair (:data:`EDITIONS`, half a year apart), closed, with
  exhibitors and their booths: the fair's own exhibitors and as many other companies,
  each with a satisfaction of its own and a chance to come back that rises with it, so
  that the exhibitors page has exploration, formation, stability and decline to show
  and enough history for the outcome model;
- the satisfaction survey: about half of those who came to a past event answered, the
  rating drawn around the customer's own satisfaction, "would come again" from it;
- the costs of every past event by category, shares of its budget.

Numpy columns written in bulk (:mod:`kehu.crm.bulk`); nothing when survey answers or
costs exist already, or without participants.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import numpy as np
from django.db.models import Q
from django.utils import timezone

from kehu.crm.attendance.models import (
    BADGE_ALPHABET,
    BADGE_LENGTH,
    Booth,
    EventCost,
    Participant,
    SurveyResponse,
)
from kehu.crm.bulk import BulkWriter, next_id
from kehu.crm.customers.models import Customer
from kehu.crm.events import actions as events
from kehu.crm.events.models import Event

Columns = dict[str, np.ndarray]
K, S = Participant.Kind, Participant.Status
EDITIONS = 5  # earlier editions of each past fair
OWN_PER_EXTRA = 4  # one exhibitor of the earlier editions only for four of the latest
EDITION_GAP = timedelta(days=182)
ANSWER_SHARE = 0.6
#: each cost category's share of an event's budget (the rest is under budget)
COST_SHARES = {
    EventCost.Category.VENUE: 0.34,
    EventCost.Category.BOOTH_BUILD: 0.18,
    EventCost.Category.TRAVEL: 0.09,
    EventCost.Category.MARKETING: 0.2,
    EventCost.Category.STAFF: 0.12,
    EventCost.Category.OTHER: 0.03,
}
DEFAULT_BUDGET = Decimal(60000)
COMMENTS = np.array(
    ["", "", "", "Well organised.", "Too crowded on day one.", "Good buyers this year.", "很好"],
    dtype=object,
)


def _moment(day: date, hours: np.ndarray) -> np.ndarray:
    midnight = timezone.make_aware(datetime.combine(day, time.min)).astimezone(UTC)
    return np.datetime64(midnight.replace(tzinfo=None), "s") + (hours * 3600).astype(
        "timedelta64[s]"
    )


def _badges(n: int) -> np.ndarray:
    codes: set[str] = set()
    while len(codes) < n:
        codes.add("".join(secrets.choice(BADGE_ALPHABET) for _i in range(BADGE_LENGTH)))
    return np.array(sorted(codes), dtype=object)


class _Exhibitors:
    """The exhibiting companies of a fair's editions: each with its satisfaction, its
    chance to come back, and the booth size it usually takes."""

    def __init__(self, fair: Event, rng: np.random.Generator) -> None:
        stands = (
            Booth.objects.filter(event=fair, exhibitor__customer__isnull=False)
            .order_by("exhibitor__customer_id", "id")
            .values_list("exhibitor__customer_id", "exhibitor__customer__name", "size_m2", "price")
        )
        own = {
            c: (name, float(size), float(price) / float(size or 1))
            for c, name, size, price in stands
        }
        others = (
            Customer.objects.filter(kind=Customer.Kind.COMPANY, merged_into__isnull=True)
            .exclude(pk__in=list(own))
            .order_by("id")
            .values_list("id", "name")
        )
        n_extra = max(len(own) // OWN_PER_EXTRA, 3)
        pool = list(others[: n_extra * 4])
        extra = [pool[i] for i in rng.choice(len(pool), min(len(pool), n_extra), replace=False)]
        n = len(own) + len(extra)
        self.ids = np.array(list(own) + [c[0] for c in extra], dtype=np.int64)
        self.name = np.array([v[0] for v in own.values()] + [c[1] for c in extra], dtype=object)
        sizes = rng.choice([9, 12, 18, 27, 36], len(extra), p=[0.3, 0.25, 0.25, 0.1, 0.1])
        self.size = np.concatenate([[v[1] for v in own.values()], sizes]).astype(float)
        self.rate = np.concatenate([[v[2] for v in own.values()], np.full(len(extra), 450.0)])
        self.satisfaction = np.clip(rng.normal(3.8, 0.9, n), 1, 5)
        self.comes_back = 1 / (1 + np.exp(-(0.8 + 2.5 * (self.satisfaction - 3.5))))
        # the edition it first came to (EDITIONS: the latest fair was its first)
        self.first = np.where(
            np.arange(n) < len(own), rng.integers(0, EDITIONS + 1, n), rng.integers(0, 3, n)
        )
        # a few had larger stands before (the latest fair's stand is what it is)
        self.shrank = rng.random(n) < 0.12


def _editions(fair: Event, today: date, rng: np.random.Generator) -> dict[str, Columns]:
    """The earlier editions of ``fair``: events, exhibitors, booths."""
    who = _Exhibitors(fair, rng)
    attending = np.zeros(who.ids.size, dtype=bool)
    participants: list[Columns] = []
    booths: list[Columns] = []
    next_participant, next_booth = next_id(Participant), next_id(Booth)
    for k in range(EDITIONS):  # oldest first
        starts = fair.starts_on - (EDITIONS - k) * EDITION_GAP
        event = events.create_event(
            name=f"{fair.name} {starts:%Y-%m}",
            kind=Event.Kind.FAIR,
            status=Event.Status.CLOSED,
            starts_on=starts,
            ends_on=starts + (fair.ends_on - fair.starts_on),
            venue=fair.venue,
            city=fair.city,
            owner=fair.owner,
            budget=fair.budget,
        )
        back = rng.random(who.ids.size) < who.comes_back
        attending = np.where(who.first == k, True, np.where(who.first < k, back, False))
        pick = np.flatnonzero(attending)
        n = pick.size
        ids = np.arange(next_participant, next_participant + n)
        next_participant += n
        door = _moment(starts, rng.uniform(8.5, 11, n))
        participants.append(
            {
                "id": ids,
                "event_id": np.full(n, event.pk),
                "kind": np.full(n, K.EXHIBITOR, dtype=object),
                "customer_id": who.ids[pick],
                "name": who.name[pick],
                "company": who.name[pick],
                "email": np.full(n, "", dtype=object),
                "phone": np.full(n, "", dtype=object),
                "status": np.full(n, S.CHECKED_IN, dtype=object),
                "badge_code": _badges(n),
                "source": np.full(n, Participant.Source.STAFF, dtype=object),
                "registered_at": door - np.timedelta64(30, "D"),
                "checked_in_at": door,
                "created_at": door - np.timedelta64(30, "D"),
            }
        )
        size = np.round(np.where(who.shrank[pick], who.size[pick] * 1.8, who.size[pick]))
        booths.append(
            {
                "id": np.arange(next_booth, next_booth + n),
                "event_id": np.full(n, event.pk),
                "code": np.array([f"A{i + 1:03d}" for i in range(n)], dtype=object),
                "hall": np.full(n, "Hall A", dtype=object),
                "size_m2": size.astype(object),
                "price": np.round(size * who.rate[pick], 2).astype(object),
                "status": np.full(n, Booth.Status.ASSIGNED, dtype=object),
                "exhibitor_id": ids,
                "booked_at": door - np.timedelta64(90, "D"),
            }
        )
        next_booth += n
    return {
        "participants": {k: np.concatenate([p[k] for p in participants]) for k in participants[0]},
        "booths": {k: np.concatenate([b[k] for b in booths]) for k in booths[0]},
        "satisfaction": dict(zip(who.ids.tolist(), who.satisfaction.tolist(), strict=True)),
    }


def _answers(
    rows: list[tuple[int, int | None, date]], tendency: dict[int, float], rng: np.random.Generator
) -> Columns:
    """About half of those who came answer; a customer rates around its own tendency."""
    participant = np.array([r[0] for r in rows], dtype=np.int64)
    customer = np.array([r[1] or 0 for r in rows], dtype=np.int64)
    ended = np.array([r[2] for r in rows], dtype="datetime64[D]")
    answer = rng.random(participant.size) < ANSWER_SHARE
    participant, customer, ended = participant[answer], customer[answer], ended[answer]
    n = participant.size
    own = np.array([tendency.get(int(c), np.nan) for c in customer], dtype=float)
    base = np.where(np.isnan(own), rng.normal(3.9, 0.8, n), own)
    rating = np.clip(np.round(base + rng.normal(0, 0.6, n)), 1, 5).astype(int)
    hours = (rng.uniform(3 * 24 + 8, 3 * 24 + 20, n) * 3600).astype("timedelta64[s]")
    return {
        "id": np.arange(next_id(SurveyResponse), next_id(SurveyResponse) + n),
        "participant_id": participant,
        "rating": rating,
        "would_return": (rating + rng.normal(0, 0.7, n)) >= 3,
        "comment": COMMENTS[rng.integers(0, COMMENTS.size, n)],
        "answered_at": ended.astype("datetime64[s]") + hours,
    }


def _costs(past: list[Event], rng: np.random.Generator) -> Columns:
    categories = list(COST_SHARES)
    rows = [
        (e.pk, c, (e.budget or DEFAULT_BUDGET) * Decimal(str(COST_SHARES[c])), e.ends_on)
        for e in past
        for c in categories
    ]
    noise = rng.uniform(0.8, 1.15, len(rows))
    return {
        "id": np.arange(next_id(EventCost), next_id(EventCost) + len(rows)),
        "event_id": np.array([r[0] for r in rows], dtype=np.int64),
        "category": np.array([str(r[1]) for r in rows], dtype=object),
        "amount": np.array(
            [
                (r[2] * Decimal(str(round(x, 3)))).quantize(Decimal("0.01"))
                for r, x in zip(rows, noise, strict=True)
            ],
            dtype=object,
        ),
        "note": np.full(len(rows), "", dtype=object),
        "created_at": np.array([r[3] for r in rows], dtype="datetime64[D]").astype("datetime64[s]")
        + np.timedelta64(18, "h"),
    }


def add_attendance_results(today: date | None = None, seed: int = 7) -> dict[str, int]:
    """Earlier editions of the past fairs, survey answers and event costs (nothing when
    answers or costs exist already, or no event has participants)."""
    today = today or timezone.localdate()
    zero = {"fair_editions": 0, "survey_answers": 0, "event_costs": 0}
    if SurveyResponse.objects.exists() or EventCost.objects.exists():
        return zero
    if not Participant.objects.exists():
        return zero
    rng = np.random.default_rng(seed + 61)
    fairs = list(
        Event.objects.filter(kind=Event.Kind.FAIR, ends_on__lt=today)
        .exclude(status=Event.Status.CANCELLED)
        .filter(participants__kind=K.EXHIBITOR)
        .distinct()
        .order_by("starts_on", "id")
    )
    tendency: dict[int, float] = {}
    n_editions = 0
    with BulkWriter([Participant, Booth]) as writer:
        for fair in fairs:
            made = _editions(fair, today, rng)
            writer.write(Participant, made["participants"])
            writer.write(Booth, made["booths"])
            tendency |= made["satisfaction"]
            n_editions += EDITIONS
    past = list(
        Event.objects.filter(ends_on__lt=today)
        .exclude(status=Event.Status.CANCELLED)
        .order_by("starts_on", "id")
    )
    came = Participant.objects.filter(event__in=past).filter(
        Q(status=S.CHECKED_IN) | Q(kind=K.EXHIBITOR, status__in=[S.REGISTERED, S.CONFIRMED])
    )
    rows = list(came.order_by("id").values_list("id", "customer_id", "event__ends_on"))
    answers = _answers(rows, tendency, rng)
    costs = _costs(past, rng)
    with BulkWriter([SurveyResponse, EventCost]) as writer:
        n_answers = writer.write(SurveyResponse, answers)
        n_costs = writer.write(EventCost, costs)
    return {"fair_editions": n_editions, "survey_answers": n_answers, "event_costs": n_costs}
