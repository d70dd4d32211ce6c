"""The writes of the loyalty programme: join and leave, earn, reverse, redeem, adjust,
expire, and the levels from the value tiers. Every write of the ledger adds entries
(:class:`~kehu.crm.loyalty.models.PointsEntry` is append-only); every debit holds a
``select_for_update`` lock of the membership while it checks the balance, so that a
balance never goes below zero.

The order-wide steps (:func:`earn_for_orders`, :func:`reverse_for_orders`,
:func:`expire_points`, :func:`set_levels`) are set-based: they read what is due in a
few aggregate queries and write it with ``bulk_create`` (references are unique, so a
step run twice writes nothing the second time). :func:`run` does all four.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import secrets
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, IntegerField, OuterRef, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from kehu.crm.catalog.models import ProductCategory
from kehu.crm.customers.actions import create_customer, update_customer
from kehu.crm.customers.models import Customer
from kehu.crm.loyalty import config
from kehu.crm.loyalty.models import (
    EarningRule,
    InboundSms,
    JoinRequest,
    Membership,
    MembershipLevel,
    PointsEntry,
    Reward,
    normalise_mobile,
)
from kehu.crm.loyalty.queries import with_balance
from kehu.crm.marketing.actions import create_static_list
from kehu.crm.marketing.models import TargetList
from kehu.crm.marketing.sms import SmsError, gateway
from kehu.crm.sales.models import Order, OrderLine

logger = logging.getLogger(__name__)
BATCH = 2_000
Kind = PointsEntry.Kind


# Membership


def find_customer_by_mobile(mobile: str) -> Customer | None:
    """The customer whose phone is this mobile (digits compared; a number given with
    its country code matches one stored without it when 10 digits or more agree)."""
    digits = normalise_mobile(mobile)
    candidates = Customer.objects.filter(
        phone__endswith=digits[-4:], merged_into__isnull=True
    ).order_by("pk")
    for customer in candidates:
        try:
            theirs = normalise_mobile(customer.phone)
        except ValidationError:
            continue
        short, long_ = sorted((theirs, digits), key=len)
        if theirs == digits or (len(short) >= 10 and long_.endswith(short)):
            return customer
    return None


def _mobile_taken(mobile: str, membership: Membership | None = None) -> None:
    others = Membership.objects.filter(mobile=mobile)
    if membership is not None:
        others = others.exclude(pk=membership.pk)
    if others.exists():
        raise ValidationError(
            {"mobile": _("This mobile number belongs to another member already.")},
            code="duplicate",
        )


@transaction.atomic
def join(
    *,
    mobile: str,
    channel: str,
    customer: Customer | None = None,
    name: str = "",
    email: str = "",
    consent_sms: bool = False,
    consent_email: bool = False,
    by: AbstractBaseUser | None = None,
    joined_on: dt.date | None = None,
) -> Membership:
    """Make a customer a member under ``mobile``: ``customer`` if given, else the
    customer with this phone, else a new customer (a person named ``name``). A
    cancelled membership comes back; an active one is a ``ValidationError``."""
    if channel not in Membership.Channel.values:
        raise ValidationError({"channel": f"channel must be one of {Membership.Channel.values}"})
    digits = normalise_mobile(mobile)
    customer = customer or find_customer_by_mobile(digits)
    if customer is None:
        if not name.strip():
            raise ValidationError({"name": _("Enter your name.")}, code="required")
        customer = create_customer(
            name=name.strip(),
            kind=Customer.Kind.PERSON,
            phone=mobile.strip(),
            email=email.strip(),
            consent_sms=consent_sms,
            consent_email=consent_email and bool(email.strip()),
            by=by,
        )
    elif consent_sms and not customer.consent_sms:
        update_customer(customer, consent_sms=True, phone=customer.phone or mobile.strip(), by=by)
    existing = Membership.objects.select_for_update().filter(customer=customer).first()
    _mobile_taken(digits, existing)
    if existing is not None:
        if existing.status == Membership.Status.ACTIVE:
            raise ValidationError(
                {"mobile": _("This customer is a member already.")}, code="member"
            )
        existing.status, existing.left_on, existing.mobile = Membership.Status.ACTIVE, None, digits
        existing.save(update_fields=["status", "left_on", "mobile"])
        return existing
    membership = Membership(
        customer=customer,
        mobile=digits,
        channel=channel,
        joined_on=joined_on or timezone.localdate(),
        level=MembershipLevel.objects.order_by("rank", "name").first(),
    )
    membership.full_clean(exclude=["customer"])
    try:
        with transaction.atomic():
            membership.save()
    except IntegrityError as e:
        raise ValidationError({"mobile": _("This mobile number is a member already.")}) from e
    set_levels(memberships=[membership.pk])
    membership.refresh_from_db()
    return membership


@transaction.atomic
def leave(membership: Membership) -> Membership:
    """End a membership; its ledger stays (points come back if it joins again)."""
    if membership.status != Membership.Status.CANCELLED:
        membership.status, membership.left_on = Membership.Status.CANCELLED, timezone.localdate()
        membership.save(update_fields=["status", "left_on"])
    return membership


# One member's ledger


def _locked(membership: Membership) -> Membership:
    """The membership locked for the transaction, with its ``balance``."""
    Membership.objects.select_for_update().filter(pk=membership.pk).first()
    return with_balance(Membership.objects.filter(pk=membership.pk)).get()


def _reference(kind: str) -> str:
    return f"{kind}:{uuid.uuid4().hex}"


@transaction.atomic
def redeem(membership: Membership, reward: Reward, *, by: AbstractBaseUser | None) -> PointsEntry:
    """Spend points on a reward: refused when the member is not active, the reward is
    not active or out of stock, or the balance is short."""
    locked = _locked(membership)
    if locked.status != Membership.Status.ACTIVE:
        raise ValidationError({"reward": _("This membership is cancelled.")}, code="cancelled")
    reward = Reward.objects.select_for_update().get(pk=reward.pk)
    if not reward.active:
        raise ValidationError(
            {"reward": _("This reward is not offered any more.")}, code="inactive"
        )
    if reward.stock is not None and reward.stock < 1:
        raise ValidationError({"reward": _("This reward is out of stock.")}, code="stock")
    if locked.balance < reward.points_cost:
        raise ValidationError(
            {
                "reward": _("%(reward)s costs %(cost)s points; the balance is %(balance)s.")
                % {"reward": reward.name, "cost": reward.points_cost, "balance": locked.balance}
            },
            code="balance",
        )
    if reward.stock is not None:
        Reward.objects.filter(pk=reward.pk).update(stock=F("stock") - 1)
    return PointsEntry.objects.create(
        membership=membership,
        kind=Kind.REDEEM,
        points=-reward.points_cost,
        reward=reward,
        reference=_reference("redeem"),
        reason=reward.name,
        created_at=timezone.now(),
        created_by=by,
    )


@transaction.atomic
def adjust(
    membership: Membership, *, points: int, reason: str, by: AbstractBaseUser | None
) -> PointsEntry:
    """Add (or take away, negative ``points``) points by hand, with a reason; the
    balance cannot go below zero."""
    errors = {}
    if not reason.strip():
        errors["reason"] = _("Say why the points are adjusted.")
    if points == 0:
        errors["points"] = _("Enter a number of points other than 0.")
    if errors:
        raise ValidationError(errors, code="invalid")
    locked = _locked(membership)
    if points < 0 and locked.balance + points < 0:
        raise ValidationError(
            {
                "points": _("The balance is %(balance)s; it cannot go below zero.")
                % {"balance": locked.balance}
            },
            code="balance",
        )
    return PointsEntry.objects.create(
        membership=membership,
        kind=Kind.ADJUST,
        points=points,
        reference=_reference("adjust"),
        reason=reason.strip()[:200],
        created_at=timezone.now(),
        created_by=by,
    )


# The order-wide steps


def category_multipliers() -> dict[int | None, float]:
    """Each product category's multiplier: its own category rule's, else its nearest
    parent's, else 1."""
    own = {
        r.category_id: float(r.multiplier)
        for r in EarningRule.objects.filter(kind=EarningRule.Kind.CATEGORY, active=True).order_by(
            "id"
        )
    }
    parents = dict(ProductCategory.objects.values_list("pk", "parent_id"))
    result: dict[int | None, float] = {None: 1.0}
    for category in parents:
        node: int | None = category
        seen: set[int] = set()
        while node is not None and node not in own and node not in seen:
            seen.add(node)
            node = parents.get(node)
        result[category] = own.get(node, 1.0) if node is not None else 1.0
    return result


def _bonus(ordered_on: dt.date, level_id: int | None, bonuses: list[EarningRule]) -> float:
    factors = [
        float(b.multiplier)
        for b in bonuses
        if b.starts_on <= ordered_on <= b.ends_on and b.level_id in (None, level_id)
    ]
    return max(factors, default=1.0)


def order_points(
    amounts: Mapping[int | None, Decimal | float],
    *,
    points_per_amount: Decimal | float,
    category_multipliers: Mapping[int | None, float],
    level_multiplier: Decimal | float = 1,
    bonus: float = 1.0,
) -> int:
    """What one order earns: its amounts per product category (``None``: lines without
    a category) times the points per unit spent and each category's multiplier, times
    the member's level multiplier and the bonus, rounded down."""
    base = sum(
        float(amount) * category_multipliers.get(category, 1.0)
        for category, amount in amounts.items()
    )
    raw = base * float(points_per_amount) * float(level_multiplier) * bonus
    return max(0, math.floor(raw + 1e-9))


def base_rule() -> EarningRule | None:
    """The points-per-amount rule in force: the latest active one."""
    return (
        EarningRule.objects.filter(kind=EarningRule.Kind.BASE, active=True).order_by("-id").first()
    )


def earnable_orders() -> Q:
    """Completed sales of active members, placed on or after they joined, that have not
    earned yet."""
    earned = PointsEntry.objects.filter(order=OuterRef("pk"), kind=Kind.EARN)
    return Q(
        kind=Order.Kind.SALE,
        status=Order.Status.COMPLETED,
        customer__membership__status=Membership.Status.ACTIVE,
        ordered_at__date__gte=F("customer__membership__joined_on"),
    ) & ~Q(Exists(earned))


@transaction.atomic
def earn_for_orders(*, by: AbstractBaseUser | None = None) -> int:
    """Write the earn entry of every order that is due one (:func:`earnable_orders`),
    by the rules in force; returns how many were written. Idempotent: an order earns
    once (reference ``order:<id>``)."""
    rule = base_rule()
    if rule is None:
        return 0
    orders = list(
        Order.objects.filter(earnable_orders())
        .order_by()
        .values_list(
            "pk", "customer__membership__pk", "customer__membership__level_id", "ordered_at"
        )
    )
    if not orders:
        return 0
    amounts: dict[int, dict[int | None, Decimal]] = defaultdict(dict)
    lines = (
        OrderLine.objects.filter(order_id__in=[o[0] for o in orders])
        .order_by()
        .values_list("order_id", "product__category_id")
        .annotate(amount=Sum("line_total"))
    )
    for order_id, category, amount in lines:
        amounts[order_id][category] = amount
    multipliers = category_multipliers()
    levels = dict(MembershipLevel.objects.values_list("pk", "multiplier"))
    bonuses = list(EarningRule.objects.filter(kind=EarningRule.Kind.BONUS, active=True))
    months, now = config.expiry_months(), timezone.now()
    entries = []
    for order_id, membership_id, level_id, ordered_at in orders:
        ordered_on = timezone.localdate(ordered_at)
        points = order_points(
            amounts.get(order_id, {}),
            points_per_amount=rule.points_per_amount or 0,
            category_multipliers=multipliers,
            level_multiplier=levels.get(level_id, 1),
            bonus=_bonus(ordered_on, level_id, bonuses),
        )
        if points > 0:
            entries.append(
                PointsEntry(
                    membership_id=membership_id,
                    kind=Kind.EARN,
                    points=points,
                    order_id=order_id,
                    rule=rule,
                    reference=f"order:{order_id}",
                    expires_on=ordered_on + relativedelta(months=months),
                    created_at=now,
                    created_by=by,
                )
            )
    PointsEntry.objects.bulk_create(entries, batch_size=BATCH, ignore_conflicts=True)
    return len(entries)


def _balances(membership_ids: Iterable[int]) -> dict[int, int]:
    """Balances of these memberships, locked for the transaction."""
    ids = sorted(set(membership_ids))
    list(Membership.objects.select_for_update().filter(pk__in=ids).values_list("pk"))
    return dict(with_balance(Membership.objects.filter(pk__in=ids)).values_list("pk", "balance"))


def _reversals_due() -> list[tuple[int, int, int, str, str]]:
    """``(membership, order, points, reference, reason)`` of what returns and
    cancellations take back: a completed return takes its share of what the original
    order earned; a cancelled order that earned gives back what is left of it. Only
    the returns and cancellations not reversed yet are read, with the entries of their
    original orders (a few queries, however long the ledger)."""
    reversed_ = PointsEntry.objects.filter(kind=Kind.REVERSE, order=OuterRef("pk"))
    returns = list(
        Order.objects.filter(
            kind=Order.Kind.RETURN,
            status=Order.Status.COMPLETED,
            original_order__points_entries__kind=Kind.EARN,
        )
        .exclude(Exists(reversed_))
        .order_by("pk")
        .values_list(
            "pk", "number", "total_amount", "original_order_id", "original_order__total_amount"
        )
    )
    cancelled = list(
        Order.objects.filter(status=Order.Status.CANCELLED, points_entries__kind=Kind.EARN)
        .exclude(Exists(reversed_))
        .order_by("pk")
        .values_list("pk", "number")
    )
    originals = {r[3] for r in returns} | {pk for pk, _number in cancelled}
    if not originals:
        return []
    earned = {
        order_id: (membership_id, points)
        for order_id, membership_id, points in PointsEntry.objects.filter(
            kind=Kind.EARN, order_id__in=originals
        ).values_list("order_id", "membership_id", "points")
    }
    taken: dict[int, int] = defaultdict(int)
    earlier = PointsEntry.objects.filter(
        Q(order__original_order_id__in=originals) | Q(order_id__in=originals), kind=Kind.REVERSE
    ).values_list("reference", "points")
    for reference, points in earlier:
        taken[int(reference.split(":", 1)[1].split("/")[0])] -= points
    due = []
    for pk, number, amount, original, original_amount in returns:
        if not original_amount:
            continue
        membership_id, points = earned[original]
        share = round(points * float(abs(amount)) / float(original_amount))
        share = min(share, points - taken[original])
        taken[original] += share
        due.append((membership_id, pk, share, f"return:{original}/{pk}", number))
    for pk, number in cancelled:
        membership_id, points = earned[pk]
        due.append((membership_id, pk, points - taken[pk], f"cancel:{pk}", number))
    return due


@transaction.atomic
def reverse_for_orders(*, by: AbstractBaseUser | None = None) -> int:
    """Take back the points of returned and cancelled orders; as much as the member
    still has (a balance never goes below zero). Idempotent by reference."""
    due = [d for d in _reversals_due() if d[2] > 0]
    if not due:
        return 0
    balance = _balances(d[0] for d in due)
    now, entries = timezone.now(), []
    for membership_id, order_id, points, reference, number in due:
        take = min(points, balance.get(membership_id, 0))
        if take <= 0:
            continue
        balance[membership_id] -= take
        entries.append(
            PointsEntry(
                membership_id=membership_id,
                kind=Kind.REVERSE,
                points=-take,
                order_id=order_id,
                reference=reference,
                reason=number,
                created_at=now,
                created_by=by,
            )
        )
    PointsEntry.objects.bulk_create(entries, batch_size=BATCH, ignore_conflicts=True)
    return len(entries)


@transaction.atomic
def expire_points(*, today: dt.date | None = None) -> int:
    """Expire, first in first out, the points whose ``expires_on`` has come and that
    were not spent: per member ``max(0, C - D)``, where ``C`` sums the credits due to
    expire by today and ``D`` all debits (earlier expiries included). One entry per
    member and day (reference ``expire:<member>:<day>``): a second run writes nothing."""
    today = today or timezone.localdate()
    zero = Value(0)
    due = (
        Membership.objects.annotate(
            due=Coalesce(
                Sum(
                    "entries__points",
                    filter=Q(entries__points__gt=0, entries__expires_on__lte=today),
                ),
                zero,
                output_field=IntegerField(),
            ),
            debits=Coalesce(
                Sum("entries__points", filter=Q(entries__points__lt=0)),
                zero,
                output_field=IntegerField(),
            ),
        )
        .filter(due__gt=-F("debits"))
        .values_list("pk", "due", "debits")
    )
    rows = list(due)
    if not rows:
        return 0
    _balances(r[0] for r in rows)
    # read again under the lock: a debit committed since the first read is counted
    rows = list(due.filter(pk__in=[r[0] for r in rows]))
    now = timezone.now()
    entries = [
        PointsEntry(
            membership_id=pk,
            kind=Kind.EXPIRE,
            points=-(credits + debits),
            reference=f"expire:{pk}:{today.isoformat()}",
            created_at=now,
        )
        for pk, credits, debits in rows
    ]
    PointsEntry.objects.bulk_create(entries, batch_size=BATCH, ignore_conflicts=True)
    return len(entries)


def level_for(
    levels: list[MembershipLevel], tier: str | None, abc: str | None, earned: int
) -> MembershipLevel | None:
    """The best level (highest rank) whose tiers or ABC classes hold the customer's,
    or whose minimum points it has earned; the lowest level otherwise."""
    ranked = sorted(levels, key=lambda lv: (-lv.rank, lv.name))
    for level in ranked:
        if (tier and tier in level.tier_list) or (abc and abc in level.abc_list):
            return level
        if level.min_points is not None and earned >= level.min_points:
            return level
    return ranked[-1] if ranked else None


@transaction.atomic
def set_levels(*, memberships: Iterable[int] | None = None) -> int:
    """Put each active member (or those of ``memberships``) on its level from the
    current value tiers (``customer.score``, written by the analysis) and its points
    earned; returns how many moved. One update per level."""
    levels = list(MembershipLevel.objects.all())
    if not levels:
        return 0
    members = Membership.objects.filter(status=Membership.Status.ACTIVE)
    if memberships is not None:
        members = members.filter(pk__in=list(memberships))
    rows = members.annotate(
        earned=Coalesce(
            Sum("entries__points", filter=Q(entries__kind=Kind.EARN)),
            Value(0),
            output_field=IntegerField(),
        )
    ).values_list("pk", "level_id", "customer__score__tier", "customer__score__abc_class", "earned")
    moves: dict[int, list[int]] = defaultdict(list)
    for pk, level_id, tier, abc, earned in rows:
        level = level_for(levels, tier, abc, earned)
        if level is not None and level.pk != level_id:
            moves[level.pk].append(pk)
    for level_id, ids in moves.items():
        for start in range(0, len(ids), BATCH):
            Membership.objects.filter(pk__in=ids[start : start + BATCH]).update(level_id=level_id)
    return sum(len(ids) for ids in moves.values())


@dataclass(frozen=True)
class RunResult:
    earned: int
    reversed: int
    expired: int
    levels_changed: int


def run(*, today: dt.date | None = None, by: AbstractBaseUser | None = None) -> RunResult:
    """The programme's periodic work: earn for new orders, reverse returned and
    cancelled ones, expire old points, set the levels from the value tiers."""
    return RunResult(
        earned=earn_for_orders(by=by),
        reversed=reverse_for_orders(by=by),
        expired=expire_points(today=today),
        levels_changed=set_levels(),
    )


# The programme's settings: levels, rules, rewards


@transaction.atomic
def save_setting(
    record: MembershipLevel | EarningRule | Reward,
) -> MembershipLevel | EarningRule | Reward:
    """Validate and save a level, an earning rule or a reward (new or changed)."""
    record.full_clean()
    record.save()
    return record


# Joining by the public web form (a code by SMS) and by an inbound SMS keyword

CODE_TTL = dt.timedelta(minutes=15)
MAX_ATTEMPTS = 5
#: join requests per hour: from one address, and for one mobile number
RATE_PER_IP, RATE_PER_MOBILE = 5, 3


def _code_hash(request_id: str, code: str) -> str:
    return salted_hmac("kehu.loyalty.join", f"{request_id}:{code}").hexdigest()


def _send_sms(phone: str, text: str) -> str:
    """Send a text; returns "" or why it could not be sent."""
    try:
        gateway().send(phone, text)
    except SmsError as e:
        logger.warning("loyalty SMS to %s not sent: %s", phone, e)
        return str(e)
    return ""


def request_join(
    *,
    name: str,
    mobile: str,
    email: str = "",
    consent_sms: bool = False,
    consent_email: bool = False,
    ip: str | None = None,
) -> JoinRequest:
    """Start a join by the web form: check the number and the rate limits, then text
    it a 6-digit code (:func:`confirm_join`, which refuses a member)."""
    digits = normalise_mobile(mobile)
    since = timezone.now() - dt.timedelta(hours=1)
    recent = JoinRequest.objects.filter(created_at__gte=since)
    if (ip and recent.filter(ip=ip).count() >= RATE_PER_IP) or recent.filter(
        mobile=digits
    ).count() >= RATE_PER_MOBILE:
        raise ValidationError(
            _("Too many requests: please wait an hour and try again."), code="rate_limited"
        )
    # whether the number is a member is said only with the code (confirm_join): told
    # here, anyone could look up any number, and a refusal was not even rate limited
    code = f"{secrets.randbelow(10**6):06d}"
    join_request = JoinRequest.objects.create(
        mobile=digits,
        name=name.strip(),
        email=email.strip(),
        consent_sms=consent_sms,
        consent_email=consent_email,
        code_hash="",
        ip=ip,
    )
    JoinRequest.objects.filter(pk=join_request.pk).update(
        code_hash=_code_hash(str(join_request.pk), code)
    )
    problem = _send_sms(mobile.strip(), _("Your membership code: %(code)s") % {"code": code})
    if problem:
        raise ValidationError(
            {"mobile": _("The code could not be sent to this number: %(why)s") % {"why": problem}},
            code="sms",
        )
    return join_request


def confirm_join(join_request: JoinRequest, code: str) -> Membership:
    """Finish a web join with the code texted to the mobile: wrong codes count (five
    end the request), a code lasts 15 minutes. Joins the customer with this phone,
    or a new customer."""
    if join_request.confirmed_at is not None:
        raise ValidationError({"code": _("This code was used already.")}, code="used")
    if timezone.now() - join_request.created_at > CODE_TTL:
        raise ValidationError(
            {"code": _("The code has expired: ask for a new one.")}, code="expired"
        )
    if join_request.attempts >= MAX_ATTEMPTS:
        raise ValidationError(
            {"code": _("Too many wrong codes: ask for a new one.")}, code="attempts"
        )
    if not secrets.compare_digest(
        _code_hash(str(join_request.pk), code.strip()), join_request.code_hash
    ):
        JoinRequest.objects.filter(pk=join_request.pk).update(attempts=F("attempts") + 1)
        raise ValidationError({"code": _("This is not the code we sent.")}, code="wrong")
    with transaction.atomic():
        membership = join(
            mobile=join_request.mobile,
            channel=Membership.Channel.WEB,
            name=join_request.name,
            email=join_request.email,
            consent_sms=join_request.consent_sms,
            consent_email=join_request.consent_email,
        )
        JoinRequest.objects.filter(pk=join_request.pk).update(confirmed_at=timezone.now())
    return membership


def _sms_language(text: str) -> str:
    return "zh-hans" if any("\u4e00" <= ch <= "\u9fff" for ch in text) else "en"


def _handle_keyword(sender: str, text: str) -> tuple[str, str, Membership | None, str]:
    """``(outcome, reply, membership, detail)`` of one inbound message."""
    words = text.split()
    keyword = words[0].casefold() if words else ""
    Outcome = InboundSms.Outcome
    if keyword in config.join_keywords():
        digits = normalise_mobile(sender)
        existing = Membership.objects.filter(mobile=digits).first()
        if existing is not None and existing.status == Membership.Status.ACTIVE:
            return Outcome.ALREADY, _("You are a member already."), existing, ""
        name = " ".join(words[1:]) or _("Member %(mobile)s") % {"mobile": digits[-4:]}
        membership = join(
            mobile=sender,
            channel=Membership.Channel.SMS,
            customer=existing.customer if existing else None,
            name=name,
            consent_sms=True,
        )
        return Outcome.JOINED, _("Welcome! You are a member now."), membership, ""
    if keyword in config.leave_keywords():
        membership = Membership.objects.filter(mobile=normalise_mobile(sender)).first()
        if membership is None:
            return Outcome.HELP, _("This number is not a member."), None, ""
        leave(membership)
        if membership.customer.consent_sms:
            update_customer(membership.customer, consent_sms=False)
        return Outcome.LEFT, _("You have left the membership. No more texts."), membership, ""
    words_join = "/".join(sorted(k.upper() for k in config.join_keywords()))
    words_leave = "/".join(sorted(k.upper() for k in config.leave_keywords()))
    return (
        Outcome.HELP,
        _("Reply %(join)s to become a member, %(leave)s to leave.")
        % {"join": words_join, "leave": words_leave},
        None,
        "",
    )


def handle_inbound_sms(*, sender: str, text: str) -> InboundSms:
    """Answer a text sent to the programme's number: a join keyword makes the sender a
    member (the customer with this phone, or a new one), a leave keyword ends the
    membership and SMS consent, anything else gets the help text. Every message is
    logged with what was done, and answered by SMS."""
    with translation.override(_sms_language(text)):
        try:
            with transaction.atomic():
                outcome, reply, membership, detail = _handle_keyword(sender, text)
        except ValidationError as e:
            outcome, membership = InboundSms.Outcome.REFUSED, None
            detail = "; ".join(e.messages)[:300]
            reply = _("Sorry, we could not do that: %(why)s") % {"why": detail}
        problem = _send_sms(sender, reply) if any(ch.isdigit() for ch in sender) else "no number"
    return InboundSms.objects.create(
        sender=sender[:40],
        text=text,
        outcome=outcome,
        detail=(detail or (f"reply not sent: {problem}" if problem else ""))[:300],
        membership=membership,
        reply=reply,
    )


# Messages to members go through the campaigns


def target_list_of_members(*, level: MembershipLevel | None, by: AbstractBaseUser) -> TargetList:
    """A static target list of the active members (of ``level``, or all), for a
    campaign by SMS or email (consent and suppressions are the campaign's to check)."""
    members = Membership.objects.filter(status=Membership.Status.ACTIVE)
    if level is not None:
        members = members.filter(level=level)
    name = _("Loyalty members · %(level)s") % {"level": level.name if level else _("all levels")}
    stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    return create_static_list(
        name=f"{name} · {stamp}", customer_ids=members.values("customer_id"), by=by
    )
