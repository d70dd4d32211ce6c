"""Request and response bodies of the interactions API."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

from kehu.crm.engagement.models import Interaction, InteractionChannel
from kehu.crm.rest import (
    CONFIRM_DATES,
    DbId,
    InSchema,
    When,
    choice,
    patch_schema,
    text,
    username_of,
)

Channel = choice(InteractionChannel)
Direction = choice(Interaction.Direction)
Subject = text(200, min_length=1)
Body = text()


class InteractionIn(InSchema):
    customer_id: DbId
    contact_id: DbId | None = None
    channel: Channel
    direction: Direction = Interaction.Direction.OUTBOUND.value
    subject: Subject
    body: Body = ""
    occurred_at: When | None = Field(None, description="Defaults to now")
    duration_minutes: int | None = Field(None, ge=0, le=2_147_483_647)
    confirm_dates: bool = Field(False, description=CONFIRM_DATES)


InteractionPatch = patch_schema(InteractionIn, "InteractionPatch", exclude=["customer_id"])


class InteractionOut(Schema):
    id: int
    customer_id: int
    contact_id: int | None
    channel: str
    direction: str
    subject: str
    body: str
    occurred_at: datetime
    duration_minutes: int | None
    user: str | None
    created_at: datetime

    @staticmethod
    def resolve_user(obj: Interaction) -> str | None:
        return username_of(obj.user)


class InteractionFilters(Schema):
    customer_id: DbId | None = None
    channel: Channel | None = None
    direction: Direction | None = None
    since: When | None = Field(None, description="Occurred at or after")
    until: When | None = Field(None, description="Occurred before")
