"""Members, levels, rules and rewards made through the loyalty actions."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest


@pytest.fixture
def member(make_customer: Callable[..., Any]) -> Any:
    """An active member (a person with a mobile) on no level, joined by staff."""
    from kehu.crm.loyalty.actions import join

    customer = make_customer("Li Na", kind="person", phone="+86 138 0013 8000")
    return join(mobile=customer.phone, channel="staff", customer=customer)


@pytest.fixture
def base_rule(db: None) -> Any:
    """One point per unit spent."""
    from kehu.crm.loyalty.models import EarningRule

    return EarningRule.objects.create(
        name="1 point per yuan", kind="base", points_per_amount=Decimal("1")
    )


@pytest.fixture
def make_reward(db: None) -> Callable[..., Any]:
    from kehu.crm.loyalty.models import Reward

    def _make(name: str = "Tea cup", points_cost: int = 100, **fields: Any) -> Any:
        return Reward.objects.create(name=name, points_cost=points_cost, **fields)

    return _make


@pytest.fixture
def completed_order(make_order: Callable[..., Any]) -> Callable[..., Any]:
    """A completed sale of ``amount`` for ``customer``."""
    from kehu.crm.sales.actions import set_order_status

    def _make(customer: Any, amount: str = "100.00", **fields: Any) -> Any:
        order = make_order(customer, amount, **fields)
        set_order_status(order, "shipped")
        return set_order_status(order, "completed")

    return _make


@pytest.fixture
def sms_outbox(settings: Any, tmp_path: Any) -> Callable[[], list[dict[str, str]]]:
    """The texts the file gateway sent in this test, oldest first."""
    import json

    settings.VAR_DIR = tmp_path
    settings.KEHU_LOYALTY_SMS_SECRET = "s3cret"

    def _read() -> list[dict[str, str]]:
        path = tmp_path / "sms" / "outbox.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]

    return _read
