"""Shapes of the cross-domain API answers (the customer timeline)."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema


class TimelineEntryOut(Schema):
    at: datetime
    kind: str = Field(description="interaction, order, ticket or campaign")
    channel: str
    channel_label: str
    title: str
    detail: str
    url: str
    by: str


class TimelinePage(Schema):
    items: list[TimelineEntryOut]
    count: int
