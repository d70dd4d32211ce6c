"""Request and response bodies of the loyalty API."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Field, Schema

from kehu.crm.rest import DbId, InSchema


class EntryOut(Schema):
    id: int
    kind: str
    points: int
    reference: str
    reason: str
    order_id: int | None
    reward_id: int | None
    expires_on: date | None
    created_at: datetime


class MemberOut(Schema):
    id: int
    customer_id: int
    mobile: str
    level: str | None
    status: str
    joined_on: date
    channel: str
    balance: int
    expiring_points: int
    expiring_on: date | None
    recent: list[EntryOut]


class RedeemIn(InSchema):
    reward_id: DbId = Field(description="The reward to spend points on")
