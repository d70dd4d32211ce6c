"""The reads other pages share: a member's summary and balances (CONTRACTS15.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from kehu.crm.loyalty.actions import adjust
from kehu.crm.loyalty.models import PointsEntry
from kehu.crm.loyalty.queries import balances, member_summary, next_expiry


def test_a_customer_who_is_not_a_member_has_no_summary(
    make_customer: Any, django_assert_num_queries: Any
) -> None:
    customer = make_customer("Walk-in")
    with django_assert_num_queries(1):
        assert member_summary(customer) is None


def test_summary_has_the_balance_the_level_and_the_latest_entries(
    member: Any, django_assert_max_num_queries: Any
) -> None:
    for points in range(1, 13):
        adjust(member, points=points, reason=f"gift {points}", by=None)
    customer = member.customer
    with django_assert_max_num_queries(2):
        summary = member_summary(customer)
    assert summary is not None
    assert summary.membership == member
    assert summary.balance == 78
    assert summary.level_label == "No level"
    assert [e.points for e in summary.recent] == [12, 11, 10, 9, 8, 7, 6, 5, 4, 3]


def test_next_expiry_is_first_in_first_out() -> None:
    today = dt.date(2026, 6, 1)
    credits = [(dt.date(2026, 1, 1), 100), (dt.date(2026, 7, 1), 50), (dt.date(2026, 9, 1), 70)]
    # 100 already expired or spent (120 debits): 30 of the July credit are open
    assert next_expiry(credits, 120, today) == (30, dt.date(2026, 7, 1))
    assert next_expiry(credits, 150, today) == (70, dt.date(2026, 9, 1))
    assert next_expiry(credits, 220, today) == (0, None)


def test_summary_says_what_expires_next(member: Any) -> None:
    today = timezone.localdate()
    PointsEntry.objects.create(
        membership=member,
        kind="earn",
        points=80,
        reference="test:1",
        expires_on=today + dt.timedelta(days=40),
        created_at=timezone.now(),
    )
    adjust(member, points=-30, reason="typo", by=None)
    summary = member_summary(member.customer)
    assert (summary.expiring_points, summary.expiring_on) == (50, today + dt.timedelta(days=40))


def test_balances_of_many_customers_in_one_query(
    member: Any, make_customer: Any, django_assert_num_queries: Any
) -> None:
    adjust(member, points=25, reason="welcome", by=None)
    outsider = make_customer("Not a member")
    with django_assert_num_queries(1):
        found = balances([member.customer_id, outsider.pk])
    assert found == {member.customer_id: 25}


def test_summary_expiry_counts_credits_older_than_the_latest_entries(member: Any) -> None:
    today = timezone.localdate()
    PointsEntry.objects.create(
        membership=member,
        kind="earn",
        points=40,
        reference="test:old",
        expires_on=today + dt.timedelta(days=5),
        created_at=timezone.now() - dt.timedelta(days=700),
    )
    for n in range(12):
        adjust(member, points=1, reason=f"gift {n}", by=None)
    summary = member_summary(member.customer)
    assert (summary.expiring_points, summary.expiring_on) == (40, today + dt.timedelta(days=5))
    assert len(summary.recent) == 10 and all(e.kind == "adjust" for e in summary.recent)
