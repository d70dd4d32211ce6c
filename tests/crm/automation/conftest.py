"""Fixtures of the automation tests: two finished analysis runs whose history rows a
test writes as the bulk write-back leaves them (raw rows: the write-back has no action
per row), with the current scores of the second; owners with a language."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone


@pytest.fixture
def owner(make_user: Callable[..., Any]) -> Any:
    return make_user("sales", username="olga")


@pytest.fixture
def two_runs(db: None) -> Callable[..., tuple[Any, Any]]:
    """``two_runs({customer: (before, after)})``: two finished runs with each customer's
    score fields before and after (dicts of CustomerValue fields); the current scores
    (CustomerScore) are the second run's."""
    from kehu.crm.intelligence.models import CustomerScore, CustomerValue, ValueRun

    def _make(rows: dict[Any, tuple[dict[str, Any], dict[str, Any]]]) -> tuple[Any, Any]:
        now = timezone.now()
        first, second = (
            ValueRun.objects.create(status=ValueRun.Status.DONE, finished_at=now) for _ in range(2)
        )
        for customer, (before, after) in rows.items():
            CustomerValue.objects.create(run=first, customer=customer, **before)
            CustomerValue.objects.create(run=second, customer=customer, **after)
            CustomerScore.objects.create(run=second, customer=customer, **after)
        return first, second

    return _make
