"""The same seed loads the same demo data."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import override_settings

from kehu.crm.customers.models import Customer
from kehu.crm.demo.load import load_demo
from kehu.crm.sales.models import Order

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _snapshot(seed: int) -> tuple[dict[str, int], list[tuple], list[tuple]]:
    with transaction.atomic():
        counts = load_demo(60, seed=seed)
        customers = list(Customer.objects.order_by("id").values_list("code", "name", "email"))
        orders = list(Order.objects.order_by("id").values_list("customer__code", "total_amount"))
        transaction.set_rollback(True)
    return counts, customers, orders


@pytest.mark.django_db
@override_settings(PASSWORD_HASHERS=FAST_HASHER)
def test_same_seed_loads_the_same_data() -> None:
    first, second, other = _snapshot(5), _snapshot(5), _snapshot(6)
    assert first == second
    assert first[1] != other[1]


@pytest.mark.django_db
def test_needs_at_least_one_customer() -> None:
    with pytest.raises(ValueError, match="n_customers must be at least 1, got 0"):
        load_demo(0)


@pytest.mark.django_db
@override_settings(PASSWORD_HASHERS=FAST_HASHER)
@pytest.mark.parametrize("n_customers", [1, 2, 7])
def test_tiny_loads_work(n_customers: int) -> None:
    # some tables get no rows at all (no tickets, no visits, no opportunities)
    with transaction.atomic():
        counts = load_demo(n_customers, seed=1)
        assert counts["customers"] == Customer.objects.count() == n_customers
        transaction.set_rollback(True)
