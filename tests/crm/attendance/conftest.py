"""Fixtures of the attendance tests: events (made directly: the event is the setting,
not what is tested) and, from the marketing tests, a real SMTP server on loopback."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from tests.crm.marketing.conftest import smtp, smtp_server  # noqa: F401  (fixtures)


@pytest.fixture
def make_event(db: None) -> Callable[..., Any]:
    from kehu.crm.events.models import Event

    counter = iter(range(1, 10_000))

    def _make(name: str = "Tea Fair", **fields: Any) -> Any:
        n = next(counter)
        starts = fields.pop("starts_on", date.today() + timedelta(days=30))
        fields.setdefault("kind", Event.Kind.FAIR)
        fields.setdefault("status", Event.Status.OPEN)
        return Event.objects.create(
            name=name,
            slug=fields.pop("slug", f"fair-{n}"),
            starts_on=starts,
            ends_on=fields.pop("ends_on", starts + timedelta(days=2)),
            **fields,
        )

    return _make


@pytest.fixture
def event(make_event: Callable[..., Any]) -> Any:
    return make_event()
