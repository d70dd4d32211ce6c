"""A scored demo CRM shared by a test module: 300 demo customers loaded and scored twice
(first as of 180 days before the last order, then up to the last order) inside a
transaction that is rolled back at the end, so other tests start from an empty
database."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.db import transaction
from django.db.models import Max
from django.test import override_settings

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]
N_CUSTOMERS = 300


@dataclass
class Scored:
    first: object
    second: object


@pytest.fixture(scope="module")
def scored(django_db_setup: None, django_db_blocker) -> Iterator[Scored]:
    from kehu.crm.demo.load import load_demo
    from kehu.crm.intelligence.actions import execute_run, request_run
    from kehu.crm.sales.models import Order

    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHER),
        transaction.atomic(),
    ):
        load_demo(N_CUSTOMERS, seed=3)
        last = Order.objects.aggregate(m=Max("ordered_at"))["m"].date()
        first = execute_run(request_run(), as_of=last - timedelta(days=180))
        second = execute_run(request_run())
        yield Scored(first, second)
        transaction.set_rollback(True)
