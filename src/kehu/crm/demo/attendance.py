"""Participants and booths of the demo's events (demo/events.py makes the events), dated
against ``today``:

- an event that is over: exhibitors, trade buyers, professional and general visitors,
  most of them customers (with their primary contact), who were invited, registered on
  the web or were added by staff; about three in four came (checked in during the
  event's opening hours), the others are no-shows or cancelled; a third of the
  customers who came had a conversation at the booth, on their timeline;
- an event ahead that is open for registration: invited customers, registrations and
  confirmations, nobody checked in yet;
- a fair ahead: its exhibitors, many of them back from the last fair;
- any other event ahead: a few invited customers.

A fair has a floor of booths in three halls (priced per m², dearer in the first hall),
each exhibitor on one. Everything is drawn as numpy columns and written in bulk
(:mod:`kehu.crm.bulk`); nothing when there are no events or participants already.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
from django.utils import timezone

from kehu.crm.attendance.models import BADGE_ALPHABET, BADGE_LENGTH, Booth, Participant
from kehu.crm.bulk import BulkWriter, next_id
from kehu.crm.choices import InteractionChannel
from kehu.crm.customers.models import Contact, Customer
from kehu.crm.engagement.models import Interaction
from kehu.crm.events.models import Event

Columns = dict[str, np.ndarray]
K, S, SRC = Participant.Kind, Participant.Status, Participant.Source

# (kind, how many of the event's participants, share that are customers)
PAST_MIX = (
    (K.EXHIBITOR, 40, 1.0),
    (K.TRADE_BUYER, 110, 0.9),
    (K.PROFESSIONAL, 110, 0.8),
    (K.GENERAL, 60, 0.5),
)
OPEN_MIX = ((K.PROFESSIONAL, 130, 0.85), (K.TRADE_BUYER, 55, 0.9), (K.GENERAL, 35, 0.6))
FAIR_MIX = ((K.EXHIBITOR, 30, 1.0), (K.TRADE_BUYER, 25, 0.9))
OTHER_MIX = ((K.PROFESSIONAL, 12, 1.0),)
FULL_SIZE = 2000  # customers from which on an event has the crowd above; fewer, fewer
RETURNING_EXHIBITORS = 0.6  # of a fair's exhibitors who exhibited at the last fair
HALLS = (("Hall A", 520), ("Hall B", 450), ("Hall C", 380))  # price per m²
BOOTH_SIZES = np.array([9, 12, 18, 27, 36, 54])
FIRST_NAMES = np.array(
    [
        "Wei",
        "Fang",
        "Na",
        "Min",
        "Jie",
        "Lei",
        "Yan",
        "Tao",
        "Jing",
        "Hui",
        "Emma",
        "Lucas",
        "Sophie",
        "Daniel",
        "Anna",
        "Mark",
    ]
)
LAST_NAMES = np.array(
    [
        "Wang",
        "Li",
        "Zhang",
        "Liu",
        "Chen",
        "Yang",
        "Zhao",
        "Huang",
        "Zhou",
        "Wu",
        "Becker",
        "Martin",
        "Rossi",
        "Smith",
    ]
)
CONVERSATION_SHARE = 0.35
CONVERSATIONS = np.array(
    [
        "Tasted the new season's oolong at the booth; wants samples",
        "Asked for the wholesale price list",
        "Talked about an exclusive distribution deal in the region",
        "Wants to visit our plant before ordering",
        "Compared our packaging with a competitor's",
        "Interested in private-label gift boxes for the holidays",
    ]
)
COMPANIES = np.array(["Trading", "Imports", "Foods", "Retail", "Supply", "Commerce"])


@dataclass
class _People:
    """The customers to draw participants from: companies and persons, each with its
    primary contact's id, name, email and phone (or the customer's own)."""

    ids: np.ndarray
    owner: np.ndarray  # 0: none
    is_company: np.ndarray
    name: np.ndarray
    contact: np.ndarray  # 0: none
    person: np.ndarray
    email: np.ndarray
    phone: np.ndarray


def _people() -> _People:
    rows = list(
        Customer.objects.filter(merged_into__isnull=True)
        .order_by("id")
        .values_list("id", "kind", "name", "email", "phone", "owner_id")
    )
    contacts = {
        c[0]: c[1:]
        for c in Contact.objects.filter(is_primary=True)
        .order_by("customer_id", "id")
        .values_list("customer_id", "id", "name", "email", "phone")
    }
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    pairs = list(zip(rows, (contacts.get(r[0]) for r in rows), strict=True))

    def column(contact_field: int, own_field: int) -> np.ndarray:
        values = [c[contact_field] if c and c[contact_field] else r[own_field] for r, c in pairs]
        return np.array(values, dtype=object)

    return _People(
        ids=ids,
        owner=np.array([r[5] or 0 for r in rows], dtype=np.int64),
        is_company=np.array([r[1] == Customer.Kind.COMPANY for r in rows], dtype=bool),
        name=np.array([r[2] for r in rows], dtype=object),
        contact=np.array([c[0] if c else 0 for _r, c in pairs], dtype=np.int64),
        person=column(1, 2),
        email=column(2, 3),
        phone=column(3, 4),
    )


def _badges(n: int) -> np.ndarray:
    """``n`` distinct random badge codes (``secrets``: a badge cannot be guessed)."""
    codes: set[str] = set()
    while len(codes) < n:
        codes.add("".join(secrets.choice(BADGE_ALPHABET) for _i in range(BADGE_LENGTH)))
    return np.array(sorted(codes), dtype=object)


def _moment(day: date, hours: np.ndarray) -> np.ndarray:
    """Local times ``hours`` after midnight of ``day``, as UTC datetime64[s]."""
    midnight = timezone.make_aware(datetime.combine(day, time.min)).astimezone(UTC)
    start = np.datetime64(midnight.replace(tzinfo=None), "s")
    return start + (hours * 3600).astype("timedelta64[s]")


def _draw(
    people: _People, mix: tuple, rng: np.random.Generator, prefer: np.ndarray | None = None
) -> Columns:
    """The participants of one event for a ``mix`` of kinds (no customer twice)."""
    taken: set[int] = set()
    parts: list[Columns] = []
    for kind, n, linked_share in mix:
        n_linked = int(round(n * linked_share))
        want_company = kind != K.GENERAL
        pool = np.flatnonzero(people.is_company == want_company)
        pool = pool[~np.isin(people.ids[pool], list(taken))]
        pick = np.array([], dtype=np.int64)
        if kind == K.EXHIBITOR and prefer is not None and prefer.size:
            back = pool[np.isin(people.ids[pool], prefer)]
            n_back = min(back.size, int(round(n_linked * RETURNING_EXHIBITORS)))
            pick = rng.choice(back, n_back, replace=False)
            pool = pool[~np.isin(pool, pick)]
        rest = rng.choice(pool, min(pool.size, n_linked - pick.size), replace=False)
        pick = np.concatenate([pick, rest]).astype(np.int64)
        taken.update(people.ids[pick].tolist())
        n_new = n - pick.size
        first = FIRST_NAMES[rng.integers(0, FIRST_NAMES.size, n_new)]
        last = LAST_NAMES[rng.integers(0, LAST_NAMES.size, n_new)]
        new_names = np.char.add(np.char.add(first.astype(str), " "), last.astype(str)).astype(
            object
        )
        new_company = np.where(
            want_company,
            np.char.add(
                np.char.add(last.astype(str), " "), COMPANIES[rng.integers(0, 6, n_new)].astype(str)
            ),
            "",
        ).astype(object)
        serial = rng.integers(1000, 9999, n_new).astype(str)
        new_email = np.char.add(
            np.char.add(np.char.lower(first.astype(str)), serial), "@example.com"
        )
        company_of = np.where(people.is_company[pick], people.name[pick], "")
        parts.append(
            {
                "kind": np.full(n, str(kind), dtype=object),
                "customer_id": np.concatenate([people.ids[pick], np.zeros(n_new, np.int64)]),
                "contact_id": np.concatenate([people.contact[pick], np.zeros(n_new, np.int64)]),
                "name": np.concatenate([people.person[pick], new_names]),
                "company": np.concatenate([company_of.astype(object), new_company]),
                "email": np.concatenate([people.email[pick], new_email.astype(object)]),
                "phone": np.concatenate([people.phone[pick], np.full(n_new, "", dtype=object)]),
            }
        )
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _dated(event: Event, cols: Columns, today: date, rng: np.random.Generator) -> Columns:
    """Status, source and times of the drawn participants of ``event``."""
    n = cols["kind"].size
    linked = cols["customer_id"] > 0
    walk_in = np.where(rng.random(n) < 0.8, SRC.WEB, SRC.STAFF)
    source = np.where(linked & (rng.random(n) < 0.5), SRC.INVITATION, walk_in).astype(object)
    over = event.ends_on < today
    if over:
        status = rng.choice([S.CHECKED_IN, S.NO_SHOW, S.CANCELLED], n, p=[0.72, 0.22, 0.06])
    elif event.status == Event.Status.OPEN:
        status = rng.choice([S.INVITED, S.REGISTERED, S.CONFIRMED], n, p=[0.35, 0.5, 0.15])
    elif event.kind == Event.Kind.FAIR:
        status = rng.choice([S.REGISTERED, S.CONFIRMED], n, p=[0.4, 0.6])
    else:
        status = np.full(n, S.INVITED)
    status = np.where((status != S.INVITED) | linked, status, S.REGISTERED).astype(object)
    status = np.where(
        cols["kind"] == K.EXHIBITOR, np.where(status == S.INVITED, S.REGISTERED, status), status
    )
    source = np.where(status == S.INVITED, SRC.INVITATION, source).astype(object)
    lead_days = min(60, max((event.starts_on - today).days + 60, 5)) if not over else 60
    opened = min(today, event.starts_on) - timedelta(days=lead_days)
    days_in = rng.uniform(0, max((min(today, event.starts_on) - opened).days, 1), n)
    registered = _moment(opened, days_in * 24)
    n_days = (event.ends_on - event.starts_on).days + 1
    door = _moment(event.starts_on, rng.integers(0, n_days, n) * 24 + rng.uniform(8.5, 16.5, n))
    nat = np.datetime64("NaT", "s")
    return {
        **cols,
        "status": status,
        "source": source,
        "registered_at": np.where(status == S.INVITED, nat, registered),
        "checked_in_at": np.where(status == S.CHECKED_IN, door, nat),
        "created_at": registered,
    }


def _floor(event: Event, exhibitors: np.ndarray, rng: np.random.Generator, today: date) -> Columns:
    """The booths of a fair: a third more than its exhibitors, in three halls; each
    exhibitor on one (assigned), a few more booked, the rest available."""
    n = max(int(exhibitors.size * 1.5), 12)
    hall = rng.integers(0, len(HALLS), n)
    size = BOOTH_SIZES[rng.choice(BOOTH_SIZES.size, n, p=[0.3, 0.2, 0.25, 0.1, 0.1, 0.05])]
    rate = np.array([r for _h, r in HALLS])[hall]
    order = np.lexsort((rng.random(n), hall))
    hall, size, rate = hall[order], size[order], rate[order]
    number = np.concatenate([np.arange(1, (hall == h).sum() + 1) for h in range(len(HALLS))])
    code = np.char.add(np.array(["A", "B", "C"])[hall], np.char.zfill(number.astype(str), 3))
    exhibitor = np.zeros(n, np.int64)
    seats = rng.choice(n, exhibitors.size, replace=False)
    exhibitor[seats] = exhibitors
    status = np.where(exhibitor > 0, Booth.Status.ASSIGNED, Booth.Status.AVAILABLE).astype(object)
    free = np.flatnonzero(exhibitor == 0)
    if event.ends_on >= today and free.size:
        status[rng.choice(free, max(free.size // 5, 1), replace=False)] = Booth.Status.BOOKED
    booked = _moment(min(today, event.starts_on) - timedelta(days=90), rng.uniform(0, 80 * 24, n))
    nat = np.datetime64("NaT", "s")
    return {
        "id": np.arange(next_id(Booth), next_id(Booth) + n),
        "event_id": np.full(n, event.pk),
        "code": code.astype(object),
        "hall": np.array([h for h, _r in HALLS], dtype=object)[hall],
        "size_m2": size.astype(object),
        "price": (size * rate).astype(object),
        "status": status,
        "exhibitor_id": np.where(exhibitor > 0, exhibitor, 0),
        "booked_at": np.where(status != Booth.Status.AVAILABLE, booked, nat),
    }


def _conversations(cols: Columns, people: _People, rng: np.random.Generator) -> Columns:
    """Conversations at the booth of an event that is over: with about one in three of
    the customers who came, logged by their owner as an exhibition interaction within a
    few hours of their check-in."""
    came = np.flatnonzero((cols["status"] == S.CHECKED_IN) & (cols["customer_id"] > 0))
    talked = came[rng.random(came.size) < CONVERSATION_SHARE]
    n = talked.size
    customer = cols["customer_id"][talked]
    owner = people.owner[np.searchsorted(people.ids, customer)]
    at = cols["checked_in_at"][talked] + (rng.uniform(0.2, 3, n) * 3600).astype("timedelta64[s]")
    subject = CONVERSATIONS[rng.integers(0, len(CONVERSATIONS), n)]
    return {
        "id": np.arange(next_id(Interaction), next_id(Interaction) + n),
        "customer_id": customer,
        "contact_id": cols["contact_id"][talked],
        "channel": np.full(n, InteractionChannel.EXHIBITION.value, dtype=object),
        "direction": np.full(n, Interaction.Direction.INBOUND.value, dtype=object),
        "subject": subject.astype(object),
        "body": np.full(n, "", dtype=object),
        "occurred_at": at,
        "duration_minutes": rng.integers(5, 40, n),
        "user_id": np.where(owner > 0, owner, 0),
        "created_at": at,
    }


def _mix(event: Event, today: date) -> tuple:
    if event.ends_on < today:
        return PAST_MIX
    if event.status == Event.Status.OPEN:
        return OPEN_MIX
    return FAIR_MIX if event.kind == Event.Kind.FAIR else OTHER_MIX


def _nullable(cols: Columns) -> Columns:
    """Zero ids as NULL."""
    for key in ("customer_id", "contact_id", "exhibitor_id", "user_id"):
        if key in cols:
            cols[key] = np.where(cols[key] > 0, cols[key], None).astype(object)
    return cols


def add_attendance(today: date | None = None, seed: int = 7) -> dict[str, int]:
    """The participants and booths of the demo's events (none without events, nothing
    when participants exist already)."""
    today = today or timezone.localdate()
    events = list(Event.objects.exclude(status=Event.Status.CANCELLED).order_by("starts_on", "id"))
    if not events or Participant.objects.exists():
        return {"participants": 0, "booths": 0, "booth_conversations": 0}
    people = _people()
    if not people.ids.size:
        return {"participants": 0, "booths": 0, "booth_conversations": 0}
    scale = min(1.0, people.ids.size / FULL_SIZE)
    rng = np.random.default_rng(seed + 16)
    counts = {"participants": 0, "booths": 0, "booth_conversations": 0}
    last_exhibitors = np.array([], dtype=np.int64)
    with BulkWriter([Participant, Booth, Interaction]) as writer:
        for event in events:
            mix = tuple((k, max(int(n * scale), 2), share) for k, n, share in _mix(event, today))
            cols = _dated(event, _draw(people, mix, rng, last_exhibitors), today, rng)
            n = cols["kind"].size
            cols["id"] = np.arange(next_id(Participant), next_id(Participant) + n)
            cols["event_id"] = np.full(n, event.pk)
            cols["badge_code"] = _badges(n)
            is_exhibitor = (cols["kind"] == K.EXHIBITOR) & (cols["status"] != S.CANCELLED)
            counts["participants"] += writer.write(Participant, _nullable(dict(cols)))
            if event.ends_on < today:
                talks = _nullable(_conversations(cols, people, rng))
                counts["booth_conversations"] += writer.write(Interaction, talks)
            if event.kind == Event.Kind.FAIR:
                floor = _floor(event, cols["id"][is_exhibitor], rng, today)
                counts["booths"] += writer.write(Booth, _nullable(floor))
                last_exhibitors = cols["customer_id"][is_exhibitor]
    return counts
