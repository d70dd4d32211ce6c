"""The demo's loyalty programme: a third of the customers with a mobile are members;
their ledger follows from their orders by the rules, so a run today adds nothing; no
balance is below zero."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from click.testing import CliRunner

from kehu.cli import main
from kehu.crm.customers.models import Customer
from kehu.crm.demo import loyalty
from kehu.crm.demo.load import load_demo
from kehu.crm.demo.loyalty import add_loyalty
from kehu.crm.loyalty.models import Membership, PointsEntry
from kehu.crm.loyalty.queries import with_balance

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 30)


def test_the_demo_members_and_their_ledger(admin_user: object) -> None:
    counts = load_demo(n_customers=300, seed=3, today=TODAY)
    members = Membership.objects.count()
    with_mobile = Customer.objects.exclude(phone="").count()
    assert counts["memberships"] == members
    assert 0.25 < members / with_mobile < 0.42
    kinds = set(PointsEntry.objects.values_list("kind", flat=True))
    assert {"earn", "redeem", "expire"} <= kinds
    assert counts["points_entries"] == PointsEntry.objects.count()
    assert not with_balance(Membership.objects.all()).filter(balance__lt=0).exists()
    assert not PointsEntry.objects.filter(created_at__date__gt=TODAY).exists()
    # the demo wrote what the programme itself would: earning, reversing again adds nothing
    result = CliRunner().invoke(main, ["loyalty", "run", "--step", "earn", "--step", "reverse"])
    assert "earn: 0 orders" in result.output and "reverse: 0 " in result.output
    # loading again adds nothing
    assert add_loyalty(TODAY, 3) == {"memberships": 0, "points_entries": 0}


def test_the_demo_asks_for_rows_by_id_a_chunk_at_a_time(monkeypatch):
    monkeypatch.setattr(loyalty, "IN_CHUNK", 3)
    asked: list[list[int]] = []

    def rows_of(ids: list[int]) -> list[tuple[int, int]]:
        asked.append(ids)
        return [(i, i * 10) for i in ids]

    rows = loyalty._in_chunks(pd.Series([5, 6, 7, 8, 9, 10, 11]), rows_of)
    assert asked == [[5, 6, 7], [8, 9, 10], [11]]
    assert rows == [(i, i * 10) for i in range(5, 12)]
