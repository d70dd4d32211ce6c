"""The same seed and day load the same demo data; another day shifts the same history;
by default the history ends at the start of today (the CRM's time zone)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from kehu.crm.demo.load import load_demo
from kehu.crm.sales.models import Order

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TODAY = date(2027, 3, 15)
pytestmark = pytest.mark.django_db


def _orders(today: date | None) -> list[tuple[str, datetime]]:
    with transaction.atomic():
        load_demo(50, seed=5, today=today)
        rows = list(Order.objects.order_by("id").values_list("number", "ordered_at"))
        transaction.set_rollback(True)
    return rows


@override_settings(PASSWORD_HASHERS=FAST_HASHER)
def test_same_seed_and_day_give_the_same_data_another_day_shifts_it() -> None:
    first, again, later = _orders(TODAY), _orders(TODAY), _orders(TODAY + timedelta(days=10))
    assert first == again
    assert [n for n, _at in later] == [n for n, _at in first]
    assert all(b - a == timedelta(days=10) for (_n, a), (_m, b) in zip(first, later, strict=True))


@override_settings(PASSWORD_HASHERS=FAST_HASHER)
def test_by_default_the_data_end_at_the_start_of_today() -> None:
    rows = _orders(None)
    start = timezone.make_aware(datetime.combine(timezone.localdate(), datetime.min.time()))
    last = max(at for _n, at in rows)
    assert start - timedelta(days=60) < last < start


@override_settings(PASSWORD_HASHERS=FAST_HASHER)
def test_kehu_generate_takes_the_day_to_date_the_data_against() -> None:
    from click.testing import CliRunner

    from kehu.cli import main

    result = CliRunner().invoke(main, ["generate", "--customers", "40", "--today", "2026-06-30"])
    assert result.exit_code == 0, result.output
    last = Order.objects.order_by("-ordered_at").first().ordered_at
    end = datetime(2026, 6, 30, tzinfo=last.tzinfo)
    assert end - timedelta(days=10) < last < end
    bad = CliRunner().invoke(main, ["generate", "--today", "30/06/2026"])
    assert bad.exit_code == 2 and "does not match the format '%Y-%m-%d'" in bad.output
