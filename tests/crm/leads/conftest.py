"""Campaigns made through the marketing actions, for the lead tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest


@pytest.fixture
def make_campaign(db: None) -> Callable[..., Any]:
    from kehu.crm.marketing.actions import create_campaign

    def _make(name: str = "Spring fair", cost: str = "0", **fields: Any) -> Any:
        return create_campaign(
            name=name,
            goal="event",
            channels=["email"],
            starts_on=date(2026, 3, 1),
            ends_on=date(2026, 3, 31),
            cost=Decimal(cost),
            **fields,
        )

    return _make
