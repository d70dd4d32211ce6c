"""Reads of the loyalty programme that other pages share: a member's summary (the 360
page, the portal), balances of many customers at once (lists), the points liability.

Expiry is first in, first out: every debit (redeemed, expired, reversed, a negative
adjustment) uses the oldest points that can expire first, so the points still open
from the credits that expire by a date ``d`` are ``max(0, C(d) - D)``, where ``C(d)``
is the sum of those credits and ``D`` the sum of all debits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import IntegerField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.crm.loyalty.models import Membership, PointsEntry

RECENT_ENTRIES = 10


@dataclass(frozen=True)
class MemberSummary:
    """What a page shows of one member."""

    membership: Membership
    level_label: str
    balance: int
    expiring_points: int
    expiring_on: dt.date | None
    recent: list[PointsEntry]


def _sum(condition: Q | None = None) -> Coalesce:
    return Coalesce(Sum("entries__points", filter=condition), Value(0), output_field=IntegerField())


def with_balance(memberships: QuerySet[Membership]) -> QuerySet[Membership]:
    """``memberships`` with ``balance`` (the sum of the ledger) annotated."""
    return memberships.annotate(balance=_sum())


def next_expiry(
    credits_by_date: Iterable[tuple[dt.date, int]], debits: int, today: dt.date
) -> tuple[int, dt.date | None]:
    """The points that expire next and when, first in first out: ``credits_by_date``
    are the expiring credits summed per expiry date, ``debits`` the sum of all debits
    (a positive number). Returns ``(0, None)`` when nothing open expires after today."""
    cumulative = 0
    for expires_on, points in sorted(credits_by_date):
        before = max(0, cumulative - debits)
        cumulative += points
        open_now = max(0, cumulative - debits) - before
        if expires_on > today and open_now > 0:
            return open_now, expires_on
    return 0, None


def member_summary(customer: object) -> MemberSummary | None:
    """The customer's membership, balance, next expiry and latest entries, or ``None``
    when it is not a member. Two queries: the membership with its level and sums (one
    query, the only one for a customer who is not a member), then the ten latest
    entries together with the credits that expire after today."""
    today = timezone.localdate()
    membership = (
        Membership.objects.select_related("level")
        .annotate(
            balance=_sum(),
            debits=_sum(Q(entries__points__lt=0)),
            expired_credits=_sum(Q(entries__points__gt=0, entries__expires_on__lte=today)),
        )
        .filter(customer=customer)
        .first()
    )
    if membership is None:
        return None
    entries = PointsEntry.objects.filter(membership=membership)
    latest = entries.order_by("-created_at", "-id").values("pk")[:RECENT_ENTRIES]
    rows = list(
        entries.filter(Q(pk__in=latest) | Q(points__gt=0, expires_on__gt=today)).select_related(
            "order", "reward"
        )
    )
    recent_ids = {e.pk for e in sorted(rows, key=lambda e: (e.created_at, e.pk))[-RECENT_ENTRIES:]}
    credits = [(today, membership.expired_credits)] + [
        (e.expires_on, e.points)
        for e in rows
        if e.points > 0 and e.expires_on and e.expires_on > today
    ]
    expiring_points, expiring_on = next_expiry(credits, -membership.debits, today)
    return MemberSummary(
        membership=membership,
        level_label=membership.level.name if membership.level else _("No level"),
        balance=membership.balance,
        expiring_points=expiring_points,
        expiring_on=expiring_on,
        recent=[e for e in rows if e.pk in recent_ids],
    )


def balances(customer_ids: Iterable[int]) -> dict[int, int]:
    """Each member's balance by customer id, in one aggregate query; customers that are
    not members are left out."""
    rows = (
        Membership.objects.filter(customer_id__in=list(customer_ids))
        .annotate(balance=_sum())
        .values_list("customer_id", "balance")
    )
    return {customer_id: int(balance) for customer_id, balance in rows}


def liability() -> int:
    """The points outstanding over all members (what the company owes in rewards)."""
    total = PointsEntry.objects.aggregate(total=Sum("points"))["total"]
    return int(total or 0)
