"""Request and response bodies of the attendance API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Field, Schema

from kehu.crm.attendance.models import Participant
from kehu.crm.rest import DbId, InSchema, choice, text

ParticipantKind = choice(Participant.Kind)
ParticipantStatus = choice(Participant.Status)
# staff add someone invited, registered or confirmed: the door checks in, cancelling cancels
AddedStatus = Literal["invited", "registered", "confirmed"]


class ParticipantOut(Schema):
    id: int
    event_id: int
    kind: str
    status: str
    name: str
    company: str
    email: str
    phone: str
    badge_code: str
    source: str
    customer_id: int | None
    contact_id: int | None
    lead_id: int | None
    registered_at: datetime | None
    checked_in_at: datetime | None


class ParticipantFilters(Schema):
    kind: ParticipantKind | None = None  # type: ignore[valid-type]
    status: ParticipantStatus | None = None  # type: ignore[valid-type]
    q: text() | None = Field(None, description="Name, company, email, phone or badge code")  # type: ignore[valid-type]


class ParticipantIn(InSchema):
    """A participant added by staff: a customer (``customer_id``, and one of its
    contacts) or a name; name, email and phone default to the contact's or customer's."""

    customer_id: DbId | None = None
    contact_id: DbId | None = None
    name: text(200) = ""  # type: ignore[valid-type]
    company: text(200) = ""  # type: ignore[valid-type]
    email: text(254) = ""  # type: ignore[valid-type]
    phone: text(40) = ""  # type: ignore[valid-type]
    kind: ParticipantKind = Participant.Kind.GENERAL.value  # type: ignore[valid-type]
    status: AddedStatus = "registered"


class CheckInIn(InSchema):
    code: text(40, min_length=1) = Field(..., description="The badge code, typed or scanned")  # type: ignore[valid-type]


class CheckInOut(Schema):
    already: bool = Field(description="True when the badge had been checked in before")
    participant: ParticipantOut
