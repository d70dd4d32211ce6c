"""Orders earn points by the rules, once; returns and cancellations take them back;
old points expire first in, first out; levels follow the value tiers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from kehu.crm.loyalty.actions import (
    adjust,
    earn_for_orders,
    expire_points,
    join,
    redeem,
    reverse_for_orders,
    run,
    set_levels,
)
from kehu.crm.loyalty.models import EarningRule, MembershipLevel, PointsEntry
from kehu.crm.loyalty.queries import balances


def _balance(member: Any) -> int:
    return balances([member.customer_id])[member.customer_id]


def test_a_completed_order_earns_once(member: Any, base_rule: Any, completed_order: Any) -> None:
    order = completed_order(member.customer, "123.60")
    assert earn_for_orders() == 1
    assert earn_for_orders() == 0
    entry = PointsEntry.objects.get()
    assert (entry.kind, entry.points, entry.order, entry.reference) == (
        "earn",
        123,
        order,
        f"order:{order.pk}",
    )
    assert entry.expires_on == timezone.localdate(order.ordered_at) + relativedelta(months=24)


def test_open_orders_orders_before_joining_and_non_members_earn_nothing(
    member: Any, base_rule: Any, make_order: Any, completed_order: Any, make_customer: Any
) -> None:
    make_order(member.customer, "50.00")  # confirmed, not completed
    completed_order(member.customer, "70.00", ordered_at=timezone.now() - dt.timedelta(days=3))
    member.joined_on = timezone.localdate() - dt.timedelta(days=1)
    type(member).objects.filter(pk=member.pk).update(joined_on=member.joined_on)
    completed_order(make_customer("Not a member"), "500.00")
    assert earn_for_orders() == 0


def test_categories_levels_and_bonus_campaigns_multiply(
    member: Any, base_rule: Any, make_product: Any, make_order: Any
) -> None:
    from kehu.crm.catalog.models import ProductCategory
    from kehu.crm.sales.actions import create_order, set_order_status

    tea = ProductCategory.objects.create(name="Tea")
    green = ProductCategory.objects.create(name="Green tea", parent=tea)
    EarningRule.objects.create(name="Tea x2", kind="category", category=tea, multiplier=2)
    gold = MembershipLevel.objects.create(name="Gold", rank=2, multiplier=Decimal("1.5"))
    type(member).objects.filter(pk=member.pk).update(level=gold)
    today = timezone.localdate()
    EarningRule.objects.create(
        name="Double week",
        kind="bonus",
        multiplier=2,
        starts_on=today - dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=1),
        level=gold,
    )
    lines = [
        {"product": make_product(price="10.00", category=green), "quantity": Decimal(3)},
        {"product": make_product(price="5.00"), "quantity": Decimal(2)},
    ]
    order = create_order(member.customer, lines)
    set_order_status(order, "shipped")
    set_order_status(order, "completed")
    earn_for_orders()
    # (30 x 2 + 10) x 1 point x 1.5 (Gold) x 2 (bonus for Gold) = 210
    assert PointsEntry.objects.get().points == 210


def test_a_return_takes_back_its_share_and_a_second_run_nothing(
    member: Any, base_rule: Any, completed_order: Any
) -> None:
    from kehu.crm.sales.actions import create_order, set_order_status

    order = completed_order(member.customer, "100.00")
    earn_for_orders()
    line = order.lines.get()
    returned = create_order(
        member.customer,
        [{"product": line.product, "quantity": Decimal("0.4")}],
        kind="return",
        original_order=order,
    )
    set_order_status(returned, "completed")
    assert reverse_for_orders() == 1
    assert reverse_for_orders() == 0
    assert _balance(member) == 60
    entry = PointsEntry.objects.get(kind="reverse")
    assert (entry.points, entry.order) == (-40, returned)


def test_a_cancelled_order_gives_back_what_the_member_still_has(
    member: Any, base_rule: Any, completed_order: Any, make_reward: Any
) -> None:
    from kehu.crm.sales.models import Order

    order = completed_order(member.customer, "100.00")
    earn_for_orders()
    redeem(member, make_reward("Cup", 70), by=None)
    # cancelled afterwards (an import or the admin): the workflow allows no way back
    Order.objects.filter(pk=order.pk).update(status="cancelled")
    assert reverse_for_orders() == 1
    assert _balance(member) == 0
    assert PointsEntry.objects.get(kind="reverse").points == -30


def test_points_expire_first_in_first_out_once(member: Any) -> None:
    today = timezone.localdate()
    for n, (points, expires) in enumerate([(100, -10), (50, 30)]):
        PointsEntry.objects.create(
            membership=member,
            kind="earn",
            points=points,
            reference=f"test:{n}",
            expires_on=today + dt.timedelta(days=expires),
            created_at=timezone.now(),
        )
    adjust(member, points=-60, reason="spent at the till", by=None)
    assert expire_points(today=today) == 1
    assert expire_points(today=today) == 0
    assert expire_points(today=today + dt.timedelta(days=1)) == 0
    # the 60 spent came out of the oldest 100: 40 of them expire, the 50 stay
    assert PointsEntry.objects.get(kind="expire").points == -40
    assert _balance(member) == 50
    assert expire_points(today=today + dt.timedelta(days=31)) == 1
    assert _balance(member) == 0


def test_a_redemption_made_while_expiry_reads_is_not_expired_again(
    member: Any, make_reward: Any, monkeypatch: Any
) -> None:
    from kehu.crm.loyalty import actions

    today = timezone.localdate()
    PointsEntry.objects.create(
        membership=member,
        kind="earn",
        points=100,
        reference="test:old",
        expires_on=today,
        created_at=timezone.now(),
    )
    cup = make_reward("Tea cup", 100)
    lock = actions._balances

    def redeem_then_lock(ids: Any) -> dict[int, int]:
        # the till redeems between expiry's read of what is due and its lock
        redeem(member, cup, by=None)
        return lock(ids)

    monkeypatch.setattr(actions, "_balances", redeem_then_lock)
    expire_points(today=today)
    assert _balance(member) == 0


def test_levels_follow_the_value_tiers_and_points(member: Any, make_customer: Any) -> None:
    from kehu.crm.intelligence.models import CustomerScore, ValueRun

    base = MembershipLevel.objects.create(name="Member", rank=0)
    gold = MembershipLevel.objects.create(
        name="Gold", rank=2, tiers="Platinum,Gold", abc_classes="A"
    )
    silver = MembershipLevel.objects.create(name="Silver", rank=1, min_points=500)
    other = make_customer("Wang Fang", kind="person", phone="13900139000")
    second = join(mobile=other.phone, channel="staff", customer=other)
    value_run = ValueRun.objects.create()
    CustomerScore.objects.create(
        customer=member.customer, run=value_run, tier="Iron", abc_class="A"
    )
    CustomerScore.objects.create(customer=other, run=value_run, tier="Lead", abc_class="C")
    assert set_levels() == 1  # the second joined on the lowest level already
    member.refresh_from_db()
    second.refresh_from_db()
    assert (member.level, second.level) == (gold, base)
    adjust(second, points=600, reason="not earned", by=None)
    assert set_levels() == 0  # an adjustment is not points earned
    PointsEntry.objects.create(
        membership=second, kind="earn", points=500, reference="t", created_at=timezone.now()
    )
    assert set_levels() == 1
    second.refresh_from_db()
    assert second.level == silver


def test_run_does_every_step(member: Any, base_rule: Any, completed_order: Any) -> None:
    completed_order(member.customer, "20.00")
    result = run()
    assert (result.earned, result.reversed, result.expired) == (1, 0, 0)
    assert _balance(member) == 20


def test_a_return_waits_for_points_when_the_balance_is_spent(
    member: Any, base_rule: Any, completed_order: Any, make_reward: Any
) -> None:
    from kehu.crm.sales.actions import create_order, set_order_status

    order = completed_order(member.customer, "50.00")
    earn_for_orders()
    redeem(member, make_reward("Cup", 50), by=None)
    returned = create_order(
        member.customer,
        [{"product": order.lines.get().product, "quantity": Decimal(1)}],
        kind="return",
        original_order=order,
    )
    set_order_status(returned, "completed")
    assert reverse_for_orders() == 0  # nothing left to take back: the balance stays at 0
    completed_order(member.customer, "80.00")
    earn_for_orders()
    assert reverse_for_orders() == 1
    assert _balance(member) == 30
    assert reverse_for_orders() == 0
