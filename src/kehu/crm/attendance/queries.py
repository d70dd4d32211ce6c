"""Reads of participants and booths shared by the pages, the export and the API."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from kehu.crm.attendance.models import Booth, Participant
from kehu.crm.events.models import Event

PARTICIPANT_SORTS = {
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "company": ("company", "name", "id"),
    "-company": ("-company", "-name", "-id"),
    "registered": ("registered_at", "id"),
    "-registered": ("-registered_at", "-id"),
    "checked_in": ("checked_in_at", "id"),
    "-checked_in": ("-checked_in_at", "-id"),
}


def filtered_participants(
    event: Event, *, q: str = "", kind: str = "", status: str = "", sort: str = "name"
) -> QuerySet[Participant]:
    """The participants of ``event`` of ``kind`` and ``status`` (when given) whose name,
    company, email, phone or badge code contains ``q``, in ``sort`` order."""
    rows = event.participants.select_related("customer", "contact", "lead")
    if kind:
        rows = rows.filter(kind=kind)
    if status:
        rows = rows.filter(status=status)
    for word in q.split():
        rows = rows.filter(
            Q(name__icontains=word)
            | Q(company__icontains=word)
            | Q(email__icontains=word)
            | Q(phone__icontains=word)
            | Q(badge_code=word.upper())
        )
    return rows.order_by(*PARTICIPANT_SORTS.get(sort, PARTICIPANT_SORTS["name"]))


@dataclass(frozen=True)
class Counts:
    """How many participants an event has, in each status, and places it has left."""

    by_status: dict[str, int]
    capacity: int | None

    @property
    def registered(self) -> int:
        """Those holding a place: registered, confirmed or checked in."""
        return sum(self.by_status.get(s, 0) for s in Participant.ATTENDING)

    @property
    def checked_in(self) -> int:
        return self.by_status.get(Participant.Status.CHECKED_IN, 0)

    @property
    def invited(self) -> int:
        return self.by_status.get(Participant.Status.INVITED, 0)

    @property
    def places_left(self) -> int | None:
        return None if self.capacity is None else max(self.capacity - self.registered, 0)


def participant_counts(event: Event) -> Counts:
    """The counts of each status in one grouped query."""
    rows = event.participants.order_by().values("status").annotate(n=Count("id"))
    return Counts({r["status"]: r["n"] for r in rows}, event.capacity)


@dataclass(frozen=True)
class BoothTotals:
    n: int
    n_available: int
    area_m2: Decimal
    booked_area_m2: Decimal
    revenue: Decimal  # the prices of the booths booked or assigned
    potential: Decimal  # the prices of all booths


def booth_totals(event: Event) -> BoothTotals:
    """The floor of ``event`` in one aggregate: booths, area and revenue."""
    taken = ~Q(status=Booth.Status.AVAILABLE)
    zero = Decimal(0)
    agg = event.booths.aggregate(
        n=Count("id"),
        n_available=Count("id", filter=Q(status=Booth.Status.AVAILABLE)),
        area=Coalesce(Sum("size_m2"), zero),
        booked_area=Coalesce(Sum("size_m2", filter=taken), zero),
        revenue=Coalesce(Sum("price", filter=taken), zero),
        potential=Coalesce(Sum("price"), zero),
    )
    return BoothTotals(
        agg["n"],
        agg["n_available"],
        agg["area"],
        agg["booked_area"],
        agg["revenue"],
        agg["potential"],
    )


def booths(event: Event) -> QuerySet[Booth]:
    return event.booths.select_related("exhibitor").order_by("hall", "code")
