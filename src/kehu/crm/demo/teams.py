"""The demo's two sales teams and their monthly targets, so that the performance pages
(:mod:`kehu.crm.performance`) have something to show: East (managed by li.na) and West
(managed by emily.johnson), each salesperson with a target for every month from a year
back to two months ahead, set by their manager. A month's target is the person's mean
monthly revenue over the year before the current month, ten per cent higher, rounded to
the hundred (at least 1,000): some months are met, some are not."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.db.models import Sum
from django.utils import timezone

from kehu.crm.accounts.actions import create_team, set_team
from kehu.crm.accounts.models import Team
from kehu.crm.performance.periods import month_end, month_start, months_of
from kehu.crm.sales.actions import set_sales_target
from kehu.crm.sales.models import Order, SalesTarget

# team, its manager, its members (the demo's salespeople, kehu.crm.demo.load.STAFF)
TEAMS = (
    ("East", "li.na", ("li.na", "wang.fang", "zhang.wei")),
    ("West", "emily.johnson", ("emily.johnson", "michael.brown")),
)
MONTHS_BACK, MONTHS_AHEAD = 12, 2
STRETCH = Decimal("1.10")
FLOOR = Decimal("1000")


def _monthly_revenue(user_ids: list[int], since: date, until: date) -> dict[int, Decimal]:
    """Each person's revenue from ``since`` to before ``until``, divided by the months:
    one grouped query."""
    bounds = [timezone.make_aware(datetime.combine(d, time.min)) for d in (since, until)]
    rows = (
        Order.objects.filter(owner_id__in=user_ids, ordered_at__gte=bounds[0])
        .filter(ordered_at__lt=bounds[1])
        .exclude(status__in=(Order.Status.DRAFT, Order.Status.CANCELLED))
        .values("owner_id")
        .annotate(revenue=Sum("total_amount"))
        .order_by()
    )
    return {row["owner_id"]: row["revenue"] / MONTHS_BACK for row in rows}


def _target(mean: Decimal | None) -> Decimal:
    stretched = (mean or Decimal(0)) * STRETCH
    return max(FLOOR, (stretched / 100).quantize(Decimal(1), ROUND_HALF_UP) * 100)


def add_teams(today: date | None = None) -> dict[str, int]:
    """Create the demo teams and targets (those that exist already are kept); returns how
    many teams and targets were added."""
    today = today or timezone.localdate()
    users = get_user_model().objects.in_bulk(
        {name for _team, manager, members in TEAMS for name in (manager, *members)},
        field_name="username",
    )
    this_month = month_start(today)
    means = _monthly_revenue(
        [u.pk for u in users.values()], month_start(today, MONTHS_BACK), this_month
    )
    months = months_of(month_start(today, MONTHS_BACK), month_start(today, -MONTHS_AHEAD))
    added = {"teams": 0, "sales_targets": 0}
    for name, manager_name, members in TEAMS:
        manager = users.get(manager_name)
        if manager is None or Team.objects.filter(name=name).exists():
            continue
        team = create_team(name, manager=manager)
        added["teams"] += 1
        for member in (users[m] for m in members if m in users):
            set_team(member, team)
            taken = SalesTarget.objects.filter(user=member)
            for first in months:
                if taken.filter(period_start__lte=month_end(first), period_end__gte=first).exists():
                    continue
                set_sales_target(
                    user=member,
                    period_start=first,
                    period_end=month_end(first),
                    amount=_target(means.get(member.pk)),
                    by=manager,
                )
                added["sales_targets"] += 1
    return added
