"""Request and response bodies of the service API: tickets and their event log."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

from kehu.crm.choices import InteractionChannel
from kehu.crm.rest import DbId, InSchema, Username, When, choice, patch_schema, text, username_of
from kehu.crm.service.models import Ticket, TicketEvent

TicketType = choice(Ticket.Type)
Priority = choice(Ticket.Priority)
TicketStatus = choice(Ticket.Status)
Channel = choice(InteractionChannel)
Subject = text(200, min_length=1)
Description = text()
Message = text()
Comment = text(min_length=1)


class TicketIn(InSchema):
    customer_id: DbId
    contact_id: DbId | None = None
    order_id: DbId | None = None
    type: TicketType = Ticket.Type.INQUIRY.value
    priority: Priority = Ticket.Priority.NORMAL.value
    channel: Channel = InteractionChannel.PHONE.value
    subject: Subject
    description: Description = ""
    assignee: Username | None = Field(None, description="Username of the assignee")
    opened_at: When | None = Field(None, description="Defaults to now")


class _TicketEditable(TicketIn):
    satisfaction_score: int | None = Field(
        None, ge=1, le=5, description="1-5; only a resolved or closed ticket can be rated"
    )


TicketPatch = patch_schema(_TicketEditable, "TicketPatch", exclude=("customer_id", "opened_at"))


class TicketTransitionIn(InSchema):
    status: TicketStatus
    message: Message = ""


class TicketCommentIn(InSchema):
    message: Comment
    to_customer: bool = Field(False, description="A reply to the customer, not an internal note")


class TicketOut(Schema):
    id: int
    number: str
    customer_id: int
    contact_id: int | None
    order_id: int | None
    type: str
    priority: str
    status: str
    allowed_transitions: list[str]
    channel: str
    subject: str
    description: str
    assignee: str | None
    opened_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    satisfaction_score: int | None
    sla_tier: str = Field(description="The customer's tier when the ticket was opened")
    first_response_due: datetime | None = Field(description="By the service-level policy")
    resolution_due: datetime | None = Field(description="By the service-level policy")

    @staticmethod
    def resolve_assignee(obj: Ticket) -> str | None:
        return username_of(obj.assignee)

    @staticmethod
    def resolve_allowed_transitions(obj: Ticket) -> list[str]:
        return [str(s) for s in obj.allowed_transitions()]


class TicketEventOut(Schema):
    id: int
    kind: str
    from_status: str
    to_status: str
    message: str
    user: str | None
    occurred_at: datetime

    @staticmethod
    def resolve_user(obj: TicketEvent) -> str | None:
        return username_of(obj.user)


class TicketFilters(Schema):
    customer_id: DbId | None = None
    status: TicketStatus | None = None
    priority: Priority | None = None
    type: TicketType | None = None
    open: bool | None = Field(None, description="Only unresolved (true) or resolved/closed")
    assignee: Username | None = Field(None, description="A username, or 'me'")
