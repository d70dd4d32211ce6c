"""Request and response bodies of the automation API: a rule's trigger, conditions and
actions travel as the JSON the rule keeps (checked by the action that saves it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema

from kehu.crm.rest import InSchema, text

Name = text(120, min_length=1)


class RuleIn(InSchema):
    name: Name
    description: text(2000) = ""  # type: ignore[valid-type]
    enabled: bool = False
    trigger: text(30, min_length=1)  # type: ignore[valid-type]
    trigger_params: dict[str, Any] = Field(
        default_factory=dict, description="The trigger's parameters (defaults filled in)"
    )
    conditions: dict[str, Any] = Field(
        default_factory=dict, description="Customer-list filters: a value or a list of values"
    )
    actions: list[dict[str, Any]] = Field(
        description='Each {"kind": "activity" | "tag" | "escalate" | "notify" | "enrol", ...}'
    )


class EnabledIn(InSchema):
    enabled: bool


class RuleOut(Schema):
    id: int
    key: str
    name: str
    description: str
    enabled: bool
    trigger: str
    trigger_params: dict[str, Any]
    conditions: dict[str, Any]
    actions: list[dict[str, Any]]
    created_at: datetime
    updated_at: datetime


class WouldHit(Schema):
    customer_id: int
    code: str
    name: str
    event_key: str
    reason: str


class RuleRunOut(Schema):
    id: int
    rule_id: int
    event: str
    dry_run: bool
    started_at: datetime
    finished_at: datetime | None
    n_matched: int
    n_acted: int
    n_skipped: int
    n_failed: int
    error: str
    would_hit: list[WouldHit] = Field(description="A dry run's customers (the first 200)")


class NotificationOut(Schema):
    id: int
    text: str
    link: str
    created_at: datetime
    read_at: datetime | None
