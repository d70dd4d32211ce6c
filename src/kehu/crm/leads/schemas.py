"""Request and response bodies of the leads API."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

from kehu.crm.leads.models import Lead
from kehu.crm.rest import DbId, InSchema, choice, decimal, text

LeadSource = choice(Lead.Source)
LeadStatus = choice(Lead.Status)
DisqualifyReason = choice(Lead.DisqualifyReason)


class LeadIn(InSchema):
    """A lead to capture: a name and an email or a phone at least. An open lead with the
    same email or phone is updated rather than doubled (the answer says ``created``)."""

    name: text(200, min_length=1)  # type: ignore[valid-type]
    email: text(254) = ""  # type: ignore[valid-type]
    phone: text(40) = ""  # type: ignore[valid-type]
    company: text(200) = ""  # type: ignore[valid-type]
    title: text(100) = ""  # type: ignore[valid-type]
    city: text(100) = ""  # type: ignore[valid-type]
    region: text(100) = ""  # type: ignore[valid-type]
    notes: text() = ""  # type: ignore[valid-type]
    source: LeadSource = Field(Lead.Source.API.value, description="Where the lead came from")
    campaign_id: DbId | None = Field(None, description="The campaign that brought it")
    source_detail: text(200) = ""  # type: ignore[valid-type]
    owner: text(150) | None = Field(None, description="Username of the owner")  # type: ignore[valid-type]
    source_key: text(100) | None = Field(  # type: ignore[valid-type]
        None, description="Your system's key of the lead: sending it again updates it"
    )


class LeadFilters(Schema):
    status: LeadStatus | None = None
    source: LeadSource | None = None
    campaign_id: DbId | None = None
    owner: text(150) | None = None  # type: ignore[valid-type]
    min_score: float | None = Field(None, ge=0, le=1)
    q: text(200) | None = None  # type: ignore[valid-type]


class DisqualifyIn(InSchema):
    reason: DisqualifyReason
    note: text(500) = ""  # type: ignore[valid-type]


class ConvertIn(InSchema):
    customer_id: DbId | None = Field(
        None, description="Convert into this existing customer (default: a new customer)"
    )
    create_opportunity: bool = True
    opportunity_name: text(200) | None = None  # type: ignore[valid-type]
    amount: decimal(14, 2, ge="0") | None = None  # type: ignore[valid-type]


class LeadOut(Schema):
    id: int
    name: str
    company: str
    email: str
    phone: str
    title: str
    city: str
    region: str
    source: str
    campaign_id: int | None
    source_detail: str
    status: str
    disqualify_reason: str
    disqualify_note: str
    owner: str | None = Field(None, alias="owner.username")
    score: float | None
    score_reasons: list[str]
    customer_id: int | None
    contact_id: int | None
    opportunity_id: int | None
    converted_at: datetime | None
    created_at: datetime


class CaptureOut(Schema):
    created: bool
    matching_customer_id: int | None
    lead: LeadOut


class AssignIn(InSchema):
    owner: text(150) | None = Field(None, description="Username; null: nobody")  # type: ignore[valid-type]


class ActivityIn(InSchema):
    kind: str = Field(description="call, email, meeting or note")
    note: text(20_000, min_length=1)  # type: ignore[valid-type]
