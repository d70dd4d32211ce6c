"""The demo's loyalty programme: levels tied to the value tiers, earning rules, rewards,
and about a third of the customers with a mobile number as members, with their ledger.

Each member joined a little before its first order (or, without orders, some day in
the last two years). Its completed sales since joining earn by the same arithmetic as
:func:`kehu.crm.loyalty.actions.order_points` at the lowest level (the levels follow from
the value tiers afterwards): amount per category times the category
multiplier, times the points per unit, the level multiplier and the bonus in force,
rounded down), dated a day after the order and expiring after
``KEHU_LOYALTY_EXPIRY_MONTHS``; completed returns take back their share; a quarter of
the members redeemed a reward they could afford some day in the last half year; the
points that expired by today, first in first out, go in one entry per member (the
reference ``kehu loyalty run`` would give, so a run today adds nothing). All drawn as
numpy columns and written in bulk (:mod:`kehu.crm.bulk`); nothing is added when the
demo has members already.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from kehu.crm.bulk import BulkWriter, next_id
from kehu.crm.catalog.models import ProductCategory
from kehu.crm.customers.models import Customer
from kehu.crm.demo.timeline import demo_end
from kehu.crm.integration.writes import chunks
from kehu.crm.loyalty import actions, config
from kehu.crm.loyalty.models import (
    EarningRule,
    Membership,
    MembershipLevel,
    PointsEntry,
    Reward,
    normalise_mobile,
)
from kehu.crm.sales.models import Order, OrderLine

MEMBER_SHARE = 1 / 3
#: ids per ``IN`` list: SQLite refuses a statement with more variables than its limit
#: (32,766 by default), which a third of a million customers exceeds
IN_CHUNK = 20_000
REDEEMER_SHARE = 0.25
CHANNELS = np.array(["web", "sms", "staff"])
CHANNEL_WEIGHTS = (0.5, 0.2, 0.3)
LEVELS = (  # name, rank, tiers, ABC classes, minimum points, multiplier
    ("Member", 0, "Lead", "", None, "1"),
    ("Silver member", 1, "Iron", "A", None, "1.1"),
    ("Gold member", 2, "Gold", "", 1000, "1.25"),
    ("Platinum member", 3, "Platinum", "", None, "1.5"),
)
REWARDS = (  # name, points, stock
    ("Coffee voucher", 50, None),
    ("Free delivery", 100, None),
    ("Tool kit", 300, 40),
    ("Service visit", 800, 10),
)


def _programme(today: date) -> EarningRule:
    """Levels and rules, through the action that validates them."""
    for name, rank, tiers, abc, min_points, multiplier in LEVELS:
        actions.save_setting(
            MembershipLevel(
                name=name,
                rank=rank,
                tiers=tiers,
                abc_classes=abc,
                min_points=min_points,
                multiplier=Decimal(multiplier),
            )
        )
    base = actions.save_setting(
        EarningRule(name="1 point per unit spent", kind="base", points_per_amount=Decimal("1"))
    )
    services = ProductCategory.objects.filter(name="Services").first()
    if services is not None:
        actions.save_setting(
            EarningRule(
                name="Services earn double", kind="category", category=services, multiplier=2
            )
        )
    actions.save_setting(
        EarningRule(
            name="Double points fortnight",
            kind="bonus",
            multiplier=2,
            starts_on=today - timedelta(days=14),
            ends_on=today + timedelta(days=14),
        )
    )
    return base  # type: ignore[return-value]


def _rewards(given: pd.Series) -> dict[int, int]:
    """The rewards, their stock net of what the demo members redeemed (``given``: how
    many of each, by index in ``REWARDS``); returns their ids by index."""
    ids = {}
    for i, (name, cost, stock) in enumerate(REWARDS):
        left = None if stock is None else stock - int(given.get(i, 0))
        ids[i] = actions.save_setting(Reward(name=name, points_cost=cost, stock=left)).pk
    return ids


def _in_chunks(ids: pd.Series, rows_of: Callable[[list[int]], Iterable[tuple]]) -> list[tuple]:
    """The rows ``rows_of`` gives for ``ids``, asked for ``IN_CHUNK`` ids at a time."""
    return [row for chunk in chunks(ids.tolist(), IN_CHUNK) for row in rows_of(list(chunk))]


def _members(rng: np.random.Generator, today: date) -> pd.DataFrame:
    """A third of the customers with a valid, not yet taken mobile number, with the
    day they joined and how."""
    rows = pd.DataFrame(
        Customer.objects.filter(merged_into__isnull=True)
        .exclude(phone="")
        .order_by("pk")
        .values_list("pk", "phone"),
        columns=["customer", "phone"],
    )
    rows = rows[rng.random(len(rows)) < MEMBER_SHARE]
    rows["mobile"] = [_mobile(p) for p in rows["phone"]]
    rows = rows[rows["mobile"] != ""].drop_duplicates("mobile")
    first = dict(
        _in_chunks(
            rows["customer"],
            lambda ids: (
                Order.objects.filter(customer_id__in=ids, kind=Order.Kind.SALE)
                .order_by()
                .values_list("customer_id")
                .annotate(first=Min("ordered_at"))
            ),
        )
    )
    n = len(rows)
    first_order = (
        pd.to_datetime([first.get(c) for c in rows["customer"]], utc=True)
        .tz_convert(timezone.get_current_timezone())
        .tz_localize(None)
        .normalize()
    )
    lead = pd.to_timedelta(rng.integers(0, 31, n), unit="D")
    no_order = pd.Timestamp(today) - pd.to_timedelta(rng.integers(1, 730, n), unit="D")
    joined = np.where(first_order.isna(), no_order, first_order - lead)
    rows["joined_on"] = pd.DatetimeIndex(joined).to_numpy().astype("datetime64[D]")
    rows["channel"] = rng.choice(CHANNELS, n, p=CHANNEL_WEIGHTS)
    return rows.reset_index(drop=True)


def _mobile(phone: str) -> str:
    try:
        return normalise_mobile(phone)
    except ValidationError:  # a phone the programme cannot use: not a member
        return ""


def _earnings(members: pd.DataFrame, base: EarningRule, today: date) -> pd.DataFrame:
    """Each completed sale of a member since it joined and its points, by the rules."""
    orders = pd.DataFrame(
        _in_chunks(
            members["customer"],
            lambda ids: Order.objects.filter(
                customer_id__in=ids,
                kind=Order.Kind.SALE,
                status=Order.Status.COMPLETED,
                ordered_at__lt=demo_end(today).replace(tzinfo=UTC),
            ).values_list("pk", "customer_id", "ordered_at"),
        ),
        columns=["order", "customer", "ordered_at"],
    ).sort_values(["ordered_at", "order"], kind="stable")
    orders["ordered_at"] = pd.to_datetime(orders["ordered_at"], utc=True).dt.tz_localize(None)
    orders = orders.merge(members[["customer", "membership", "joined_on"]], on="customer")
    orders = orders[orders["ordered_at"] >= pd.to_datetime(orders["joined_on"])]
    lines = pd.DataFrame(
        _in_chunks(
            orders["order"],
            lambda ids: (
                OrderLine.objects.filter(order_id__in=ids)
                .order_by()
                .values_list("order_id", "product__category_id", "line_total")
            ),
        ),
        columns=["order", "category", "amount"],
    )
    multipliers = actions.category_multipliers()
    lines["weighted"] = lines["amount"].astype(float) * lines["category"].map(
        lambda c: multipliers.get(None if pd.isna(c) else int(c), 1.0)
    )
    orders = orders.join(lines.groupby("order")["weighted"].sum(), on="order")
    bonus = np.ones(len(orders))
    ordered_on = orders["ordered_at"].dt.date
    for rule in EarningRule.objects.filter(kind=EarningRule.Kind.BONUS, active=True):
        applies = (ordered_on >= rule.starts_on) & (ordered_on <= rule.ends_on)
        bonus = np.where(applies, np.maximum(bonus, float(rule.multiplier)), bonus)
    level = float(MembershipLevel.objects.order_by("rank").values_list("multiplier", flat=True)[0])
    raw = orders["weighted"].fillna(0) * float(base.points_per_amount or 0) * level * bonus
    orders["points"] = np.floor(raw.to_numpy() + 1e-9).astype(np.int64)
    return orders[orders["points"] > 0].reset_index(drop=True)


def _reversals(earned: pd.DataFrame, today: date) -> pd.DataFrame:
    """Completed returns of earned orders: their share of what the order earned."""
    returns = pd.DataFrame(
        _in_chunks(
            earned["order"],
            lambda ids: Order.objects.filter(
                kind=Order.Kind.RETURN,
                status=Order.Status.COMPLETED,
                original_order_id__in=ids,
                ordered_at__lt=demo_end(today).replace(tzinfo=UTC),
            ).values_list("pk", "original_order_id", "ordered_at", "total_amount", "number"),
        ),
        columns=["order", "original", "ordered_at", "amount", "number"],
    ).sort_values(["ordered_at", "order"], kind="stable")
    totals = dict(
        _in_chunks(
            returns["original"],
            lambda ids: Order.objects.filter(pk__in=ids).values_list("pk", "total_amount"),
        )
    )
    returns = returns.merge(
        earned[["order", "membership", "points"]].rename(
            columns={"order": "original", "points": "earned"}
        ),
        on="original",
    )
    original_total = returns["original"].map(
        pd.Series({pk: float(total) for pk, total in totals.items()}, dtype=float)
    )
    # float throughout: with no returns at all, pandas would leave the empty columns object
    earned = returns["earned"].astype(float)
    share = np.round(earned * returns["amount"].astype(float).abs() / original_total)
    taken_before = share.groupby(returns["original"]).cumsum() - share
    returns["points"] = np.minimum(share, returns["earned"] - taken_before).astype(np.int64)
    returns["ordered_at"] = pd.to_datetime(returns["ordered_at"], utc=True).dt.tz_localize(None)
    return returns[returns["points"] > 0].reset_index(drop=True)


def _redemptions(rng: np.random.Generator, entries: pd.DataFrame, today: date) -> pd.DataFrame:
    """A quarter of the members redeemed the dearest reward they could afford, with up
    to 80% of their balance, some day in the last half year (a reward in stock only
    while it lasts). ``reward`` is the index in ``REWARDS``."""
    members = entries["membership"].unique()
    chosen = members[rng.random(len(members)) < REDEEMER_SHARE]
    end = pd.Timestamp(demo_end(today))
    day = end - pd.to_timedelta(rng.integers(1, 181, len(chosen)), unit="D")
    when = pd.DataFrame({"membership": chosen, "at": day})
    before = entries.merge(when, on="membership")
    balance = before[before["created_at"] < before["at"]].groupby("membership")["points"].sum()
    when = when.join(balance.rename("balance"), on="membership").dropna()
    costs = np.array([cost for _name, cost, _stock in REWARDS])
    affordable = (costs[None, :] <= 0.8 * when["balance"].to_numpy()[:, None]).sum(axis=1)
    when = when[affordable > 0].copy()
    when["reward"] = affordable[affordable > 0] - 1
    when["points"] = -costs[when["reward"]]
    when["name"] = [REWARDS[i][0] for i in when["reward"]]
    when = when.sort_values("at")
    stock = np.array([10**9 if s is None else s for _n, _c, s in REWARDS])
    in_stock = when.groupby("reward").cumcount().to_numpy() < stock[when["reward"]]
    return when[in_stock].reset_index(drop=True)


def _columns(entries: pd.DataFrame, first_id: int) -> dict[str, object]:
    n = len(entries)
    return {
        "id": np.arange(first_id, first_id + n, dtype=np.int64),
        "membership": entries["membership"].to_numpy(dtype=np.int64),
        "kind": entries["kind"].to_numpy(dtype=object),
        "points": entries["points"].to_numpy(dtype=np.int64),
        "order": [None if pd.isna(v) else int(v) for v in entries["order"]],
        "reward": [None if pd.isna(v) else int(v) for v in entries["reward"]],
        "rule": [None if pd.isna(v) else int(v) for v in entries["rule"]],
        "reference": entries["reference"].to_numpy(dtype=object),
        "reason": entries["reason"].to_numpy(dtype=object),
        "expires_on": pd.to_datetime(entries["expires_on"]).to_numpy().astype("datetime64[D]"),
        "created_at": entries["created_at"].to_numpy().astype("datetime64[s]"),
        "created_by": [None] * n,
    }


@transaction.atomic
def add_loyalty(today: date | None = None, seed: int = 7) -> dict[str, int]:
    """The loyalty programme and its members' ledger; returns how many memberships and
    ledger entries were written (none when the demo has members already)."""
    if Membership.objects.exists():
        return {"memberships": 0, "points_entries": 0}
    today = today or timezone.localdate()
    rng = np.random.default_rng(seed + 15)
    base = _programme(today)
    members = _members(rng, today)
    if members.empty:
        return {"memberships": 0, "points_entries": 0}
    members["membership"] = np.arange(next_id(Membership), next_id(Membership) + len(members))
    lowest = MembershipLevel.objects.order_by("rank").first()
    now = np.datetime64(demo_end(today).replace(microsecond=0), "s")
    entries = _ledger(rng, members, base, today)
    with BulkWriter([Membership, PointsEntry]) as writer:
        n_members = writer.write(
            Membership,
            {
                "id": members["membership"].to_numpy(dtype=np.int64),
                "customer": members["customer"].to_numpy(dtype=np.int64),
                "mobile": members["mobile"].to_numpy(dtype=object),
                "level": [lowest.pk if lowest else None] * len(members),
                "status": np.full(len(members), "active", dtype=object),
                "joined_on": members["joined_on"].to_numpy(),
                "channel": members["channel"].to_numpy(dtype=object),
                "created_at": np.full(len(members), now),
            },
        )
        n_entries = writer.write(PointsEntry, _columns(entries, next_id(PointsEntry)))
    actions.set_levels()
    return {"memberships": n_members, "points_entries": n_entries}


def _ledger(
    rng: np.random.Generator,
    members: pd.DataFrame,
    base: EarningRule,
    today: date,
) -> pd.DataFrame:
    """Earn, reverse, redeem and expire entries of the members, as one table."""
    months = config.expiry_months()
    earned = _earnings(members, base, today)
    earn = pd.DataFrame(
        {
            "membership": earned["membership"],
            "kind": "earn",
            "points": earned["points"],
            "order": earned["order"],
            "reward": None,
            "rule": base.pk,
            "reference": "order:" + earned["order"].astype(str),
            "reason": "",
            "expires_on": [d + relativedelta(months=months) for d in earned["ordered_at"].dt.date],
            "created_at": earned["ordered_at"] + pd.Timedelta(days=1),
        }
    )
    returned = _reversals(earned, today)
    reverse = pd.DataFrame(
        {
            "membership": returned["membership"],
            "kind": "reverse",
            "points": -returned["points"],
            "order": returned["order"],
            "reward": None,
            "rule": None,
            "reference": "return:"
            + returned["original"].astype(str)
            + "/"
            + returned["order"].astype(str),
            "reason": returned["number"],
            "expires_on": pd.NaT,
            "created_at": returned["ordered_at"] + pd.Timedelta(days=1),
        }
    )
    end = pd.Timestamp(demo_end(today))
    history = pd.concat([earn, reverse], ignore_index=True)
    history = history[history["created_at"] < end]
    spent = _redemptions(rng, history, today)
    reward_ids = _rewards(spent["reward"].value_counts())
    redeem = pd.DataFrame(
        {
            "membership": spent["membership"],
            "kind": "redeem",
            "points": spent["points"],
            "order": None,
            "reward": spent["reward"].map(reward_ids),
            "rule": None,
            "reference": [f"redeem:demo{i}" for i in range(len(spent))],
            "reason": spent["name"],
            "expires_on": pd.NaT,
            "created_at": spent["at"],
        }
    )
    ledger = pd.concat([history, redeem], ignore_index=True)
    return pd.concat([ledger, _expiries(ledger, today, end)], ignore_index=True)


def _expiries(ledger: pd.DataFrame, today: date, end: pd.Timestamp) -> pd.DataFrame:
    """First in, first out: per member, the credits due by today less all debits."""
    expires_on = pd.to_datetime(ledger["expires_on"])
    due = ledger["points"].where((ledger["points"] > 0) & (expires_on <= pd.Timestamp(today)), 0)
    debits = ledger["points"].where(ledger["points"] < 0, 0)
    per_member = pd.DataFrame({"due": due, "debits": debits}).groupby(ledger["membership"]).sum()
    lapsed = (per_member["due"] + per_member["debits"]).clip(lower=0)
    lapsed = lapsed[lapsed > 0]
    return pd.DataFrame(
        {
            "membership": lapsed.index,
            "kind": "expire",
            "points": -lapsed.to_numpy(dtype=np.int64),
            "order": None,
            "reward": None,
            "rule": None,
            "reference": [f"expire:{m}:{today.isoformat()}" for m in lapsed.index],
            "reason": "",
            "expires_on": pd.NaT,
            "created_at": end,
        }
    )
