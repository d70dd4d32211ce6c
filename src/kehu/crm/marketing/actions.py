"""Every write of the marketing app: target lists, campaigns, enrolment with the control
group, suppression and unsubscribes, what customers did with a message, and the
outcomes counted in each campaign's window."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import (
    Count,
    DecimalField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.crm.customers import actions as customer_actions
from kehu.crm.customers.models import Customer
from kehu.crm.customers.queries import filtered_customers
from kehu.crm.engagement.models import Interaction
from kehu.crm.intelligence.customer_filters import clean_customer_filters
from kehu.crm.marketing.messages import check_template, default_templates
from kehu.crm.marketing.models import (
    Campaign,
    CampaignMember,
    ResponseLearning,
    ResponseScore,
    Suppression,
    TargetList,
    TargetListMember,
)
from kehu.crm.sales.models import Order
from kehu.crm.unset import UNSET, Unset, set_given
from kehu.crm.validation import InvalidParameter, validate

CHUNK = 2000
# the analysis's view of a customer kept on each member: results by segment, and what
# the response models learn from
FEATURES = (
    "p_alive",
    "predicted_clv",
    "churn_risk",
    "frequency",
    "days_since_last",
    "total_spend",
    "value_score",
    "n_flags",
)


# Target lists


def _clean_filters(filters: dict[str, str]) -> dict[str, str]:
    try:
        return clean_customer_filters(filters)
    except InvalidParameter as e:
        raise ValidationError({"filters": str(e)}) from e


def matching(target_list: TargetList, user: AbstractBaseUser | None = None) -> QuerySet[Customer]:
    """The customers the list's filter finds now (as ``user``, by default its creator,
    sees customers), the top ones by predicted uplift when the list asks for it;
    merged-away records never."""
    who = user or target_list.created_by
    customers = (
        Customer.objects.all() if who is None else filtered_customers(who, **target_list.filters)
    )
    customers = customers.filter(merged_into__isnull=True)
    if target_list.rank_by_uplift:
        top = (
            customers.filter(response_score__uplift__isnull=False)
            .order_by("-response_score__uplift", "pk")
            .values_list("pk", flat=True)[: target_list.rank_by_uplift]
        )
        return Customer.objects.filter(pk__in=list(top))
    return customers.order_by().distinct()


def evaluate(target_list: TargetList, user: AbstractBaseUser | None = None) -> QuerySet[Customer]:
    """The customers of a target list now: the frozen members of a static list, the
    filter run again for a dynamic one."""
    if target_list.dynamic:
        return matching(target_list, user)
    return Customer.objects.filter(
        pk__in=TargetListMember.objects.filter(target_list=target_list).values("customer_id"),
        merged_into__isnull=True,
    )


@transaction.atomic
def create_target_list(
    *,
    name: str,
    filters: dict[str, str],
    by: AbstractBaseUser,
    dynamic: bool = False,
    rank_by_uplift: int | None = None,
) -> TargetList:
    """A target list from a customer filter; a static one freezes its members now."""
    target_list = TargetList(
        name=name.strip(),
        filters=_clean_filters(filters),
        dynamic=dynamic,
        rank_by_uplift=rank_by_uplift,
        created_by=by,
    )
    validate(target_list)
    target_list.save()
    ids = list(matching(target_list, by).values_list("pk", flat=True))
    if not dynamic:
        TargetListMember.objects.bulk_create(
            [TargetListMember(target_list=target_list, customer_id=i) for i in ids],
            batch_size=CHUNK,
        )
    target_list.size, target_list.evaluated_at = len(ids), timezone.now()
    target_list.save(update_fields=["size", "evaluated_at"])
    return target_list


@transaction.atomic
def create_static_list(
    *, name: str, customer_ids: Iterable[int] | QuerySet[Any], by: AbstractBaseUser
) -> TargetList:
    """A static target list of exactly these customers (ids, or a query of them), a
    selection an app above made
    (the members of the loyalty programme, an event's visitors) that the customer
    filter cannot express; merged-away records are left out."""
    target_list = TargetList(name=name.strip(), filters={}, dynamic=False, created_by=by)
    validate(target_list)
    target_list.save()
    ids = list(
        Customer.objects.filter(pk__in=customer_ids, merged_into__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    TargetListMember.objects.bulk_create(
        [TargetListMember(target_list=target_list, customer_id=i) for i in ids],
        batch_size=CHUNK,
    )
    target_list.size, target_list.evaluated_at = len(ids), timezone.now()
    target_list.save(update_fields=["size", "evaluated_at"])
    return target_list


def _seed() -> int:
    return random.SystemRandom().randrange(1, 2**31)


def in_control(seed: int, customer_id: int, share: float) -> bool:
    """Whether a customer is held out: a hash of the campaign's seed and the customer,
    so the same campaign always holds out the same customers (reproducible, and a
    customer enrolled later by a rule lands in the group the hash says)."""
    digest = hashlib.sha256(f"{seed}:{customer_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share


# Campaigns


def _check_campaign(campaign: Campaign) -> None:
    errors: dict[str, list[str]] = {}
    channels = campaign.channels
    if not channels or not isinstance(channels, list):
        errors["channels"] = [_("Choose at least one channel.")]
    elif any(c not in Campaign.Channel.values for c in channels) or len(set(channels)) != len(
        channels
    ):
        errors["channels"] = [
            _("Channels must be among: %(values)s, each once.")
            % {"values": ", ".join(Campaign.Channel.values)}
        ]
    if campaign.starts_on and campaign.ends_on and campaign.ends_on < campaign.starts_on:
        errors["ends_on"] = [_("Responses cannot end before the campaign is sent.")]
    if not (campaign.body_en.strip() or campaign.body_zh.strip()) and any(
        c in (Campaign.Channel.EMAIL, Campaign.Channel.SMS, Campaign.Channel.LETTER)
        for c in channels or []
    ):
        errors["body_en"] = [_("Write the message in English or Chinese.")]
    if Campaign.Channel.EMAIL in (channels or []) and not (
        campaign.subject_en.strip() or campaign.subject_zh.strip()
    ):
        errors["subject_en"] = [_("An email needs a subject.")]
    if errors:
        raise ValidationError(errors)
    for name in ("subject_en", "body_en", "subject_zh", "body_zh"):
        check_template(getattr(campaign, name), name)


@transaction.atomic
def create_campaign(
    *,
    name: str,
    goal: str,
    channels: list[str],
    starts_on: date,
    ends_on: date,
    owner: AbstractBaseUser | None = None,
    target_list: TargetList | None = None,
    budget: Decimal = Decimal(0),
    cost: Decimal = Decimal(0),
    control_share: float = 0.1,
    quiet_days: int = 7,
    always_on: bool = False,
    subject_en: str | None = None,
    body_en: str | None = None,
    subject_zh: str | None = None,
    body_zh: str | None = None,
) -> Campaign:
    """A draft campaign; a message left out starts from the goal's default text."""
    defaults = default_templates(goal)
    campaign = Campaign(
        name=name.strip(),
        goal=goal,
        channels=list(channels),
        starts_on=starts_on,
        ends_on=ends_on,
        owner=owner,
        target_list=target_list,
        budget=budget,
        cost=cost,
        control_share=control_share,
        quiet_days=quiet_days,
        always_on=always_on,
        subject_en=defaults["subject_en"] if subject_en is None else subject_en,
        body_en=defaults["body_en"] if body_en is None else body_en,
        subject_zh=defaults["subject_zh"] if subject_zh is None else subject_zh,
        body_zh=defaults["body_zh"] if body_zh is None else body_zh,
        seed=_seed(),
    )
    validate(campaign)
    _check_campaign(campaign)
    campaign.save()
    return campaign


@transaction.atomic
def update_campaign(
    campaign: Campaign,
    *,
    name: str | Unset = UNSET,
    goal: str | Unset = UNSET,
    channels: list[str] | Unset = UNSET,
    starts_on: date | Unset = UNSET,
    ends_on: date | Unset = UNSET,
    owner: AbstractBaseUser | None | Unset = UNSET,
    target_list: TargetList | None | Unset = UNSET,
    budget: Decimal | Unset = UNSET,
    cost: Decimal | Unset = UNSET,
    control_share: float | Unset = UNSET,
    quiet_days: int | Unset = UNSET,
    always_on: bool | Unset = UNSET,
    subject_en: str | Unset = UNSET,
    body_en: str | Unset = UNSET,
    subject_zh: str | Unset = UNSET,
    body_zh: str | Unset = UNSET,
) -> Campaign:
    """Change a campaign. Once it has members, who is targeted and how the control
    group is drawn are fixed (the experiment would no longer be one); the message, the
    cost and the response window may still change."""
    given = {
        "name": name,
        "goal": goal,
        "channels": channels,
        "starts_on": starts_on,
        "ends_on": ends_on,
        "owner": owner,
        "target_list": target_list,
        "budget": budget,
        "cost": cost,
        "control_share": control_share,
        "quiet_days": quiet_days,
        "always_on": always_on,
        "subject_en": subject_en,
        "body_en": body_en,
        "subject_zh": subject_zh,
        "body_zh": body_zh,
    }
    fixed = ("target_list", "control_share", "channels")
    if campaign.members.exists():
        changed = [
            f for f in fixed if not isinstance(given[f], Unset) and given[f] != getattr(campaign, f)
        ]
        if changed:
            raise ValidationError(
                {f: _("This cannot change once the campaign has members.") for f in changed}
            )
    set_given(campaign, **given)
    validate(campaign)
    _check_campaign(campaign)
    campaign.save()
    return campaign


@transaction.atomic
def cancel_campaign(campaign: Campaign) -> Campaign:
    """Stop a campaign: members not yet sent to are not sent to."""
    campaign.status = Campaign.Status.CANCELLED
    campaign.save(update_fields=["status", "updated_at"])
    return campaign


# Who may be reached, and on which channel


def normalise(channel: str, address: str) -> str:
    """The form an address is compared in: a lower-cased email, a phone's digits."""
    if channel == Campaign.Channel.EMAIL:
        return address.strip().lower()
    return "".join(ch for ch in address if ch.isdigit())


def _suppressed(channel: str, addresses: Iterable[str]) -> set[str]:
    wanted = {a for a in addresses if a}
    if not wanted:
        return set()
    return set(
        Suppression.objects.filter(channel=channel, address__in=wanted).values_list(
            "address", flat=True
        )
    )


def _contact_point(channel: str, c: Customer) -> tuple[bool, str, str]:
    """``(consent, the address as the suppression list holds it, where the message
    goes)`` of a customer on a channel. A letter needs no consent, only a postal
    address; an opt-out from letters suppresses the customer's code."""
    if channel == Campaign.Channel.EMAIL:
        return c.consent_email, normalise(channel, c.email), c.email.strip()
    if channel in (Campaign.Channel.SMS, Campaign.Channel.PHONE):
        consent = c.consent_sms if channel == Campaign.Channel.SMS else c.consent_phone
        return consent, normalise(channel, c.phone), c.phone
    return True, c.code if c.address.strip() else "", c.address


def reachable(campaign: Campaign, customers: list[Customer]) -> dict[int, tuple[str, str] | str]:
    """For each customer, ``(channel, address)`` of the first campaign channel they
    consented to, have an address for and are not suppressed on, or the reason none
    fits (``no_consent``, ``no_address``, ``suppressed``). One query per channel."""
    points = {ch: [_contact_point(ch, c) for c in customers] for ch in campaign.channels}
    suppressed = {ch: _suppressed(ch, (key for _, key, _ in rows)) for ch, rows in points.items()}
    out: dict[int, tuple[str, str] | str] = {}
    for i, c in enumerate(customers):
        reason = "no_consent"
        for channel in campaign.channels:
            consent, key, sent_to = points[channel][i]
            if not consent:
                continue
            if not key:
                reason = "no_address"
            elif key in suppressed[channel]:
                reason = "suppressed"
            else:
                out[c.pk] = (channel, sent_to)
                break
        else:
            out[c.pk] = reason
    return out


def _snapshot(customers: list[Customer]) -> dict[int, dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {}
    for c in customers:
        score = getattr(c, "score", None)
        out[c.pk] = {
            "tier": (score.tier if score else "") or "",
            "segment": score.segment if score else None,
            "features": {f: getattr(score, f) for f in FEATURES} if score else {},
        }
    return out


def enrol(
    campaign: Campaign,
    customers: QuerySet[Customer] | Iterable[Customer],
    *,
    by: AbstractBaseUser | None = None,
) -> int:
    """Add customers to a campaign: each who can be reached on one of its channels is
    assigned to the targeted or the control group (reproducibly, ``in_control``), each
    who cannot is recorded as skipped with the reason; customers already members are
    left as they are. Returns how many were newly enrolled (skipped ones included)."""
    if campaign.status == Campaign.Status.CANCELLED:
        raise ValidationError(_("This campaign is cancelled."))
    if isinstance(customers, QuerySet):
        ids = list(customers.order_by().values_list("pk", flat=True).distinct())
    else:
        ids = sorted({c.pk for c in customers})
    added = 0
    for start in range(0, len(ids), CHUNK):
        chunk_ids = ids[start : start + CHUNK]
        have = set(
            CampaignMember.objects.filter(campaign=campaign, customer_id__in=chunk_ids).values_list(
                "customer_id", flat=True
            )
        )
        batch = list(
            Customer.objects.filter(
                pk__in=[i for i in chunk_ids if i not in have], merged_into__isnull=True
            )
            .select_related("score")
            .order_by("pk")
        )
        routes, snapshots = reachable(campaign, batch), _snapshot(batch)
        members = []
        for c in batch:
            route = routes[c.pk]
            member = CampaignMember(campaign=campaign, customer=c, **snapshots[c.pk])
            if isinstance(route, str):
                member.group, member.status, member.skip_reason = (
                    "",
                    CampaignMember.Status.SKIPPED,
                    route,
                )
            elif in_control(campaign.seed, c.pk, campaign.control_share):
                member.group, member.status = (
                    CampaignMember.Group.CONTROL,
                    CampaignMember.Status.HELD_OUT,
                )
                member.channel, member.address = route
            else:
                member.group, member.status = (
                    CampaignMember.Group.TREATED,
                    CampaignMember.Status.PENDING,
                )
                member.channel, member.address = route
            members.append(member)
        with transaction.atomic():
            created = CampaignMember.objects.bulk_create(
                members, batch_size=CHUNK, ignore_conflicts=True
            )
        added += len(created)
    return added


def enrol_target_list(campaign: Campaign, *, by: AbstractBaseUser | None = None) -> int:
    """Enrol everyone the campaign's target list holds now."""
    if campaign.target_list is None:
        raise ValidationError({"target_list": _("Choose a target list first.")})
    return enrol(campaign, evaluate(campaign.target_list, by), by=by)


# Suppression and what customers did with a message


@transaction.atomic
def suppress(
    *,
    channel: str,
    address: str,
    reason: str = Suppression.Reason.MANUAL,
    customer: Customer | None = None,
    campaign: Campaign | None = None,
) -> Suppression:
    """Never send campaign messages to this address on this channel again."""
    value = normalise(channel, address) if channel != Campaign.Channel.LETTER else address.strip()
    if not value:
        raise ValidationError({"address": _("Enter the address to suppress.")})
    entry, _created = Suppression.objects.get_or_create(
        channel=channel,
        address=value,
        defaults={"reason": reason, "customer": customer, "campaign": campaign},
    )
    return entry


CONSENT_FIELD = {"email": "consent_email", "sms": "consent_sms", "phone": "consent_phone"}


@transaction.atomic
def unsubscribe(member: CampaignMember) -> CampaignMember:
    """The customer of ``member`` wants no more messages on its channel: the address
    is suppressed and the customer's consent for the channel withdrawn. Twice is once."""
    customer = member.customer
    channel = member.channel or Campaign.Channel.EMAIL
    address = {"email": customer.email, "sms": customer.phone, "phone": customer.phone}.get(
        channel, customer.code
    )
    if address:
        suppress(
            channel=channel,
            address=address,
            reason=Suppression.Reason.UNSUBSCRIBED,
            customer=customer,
            campaign=member.campaign,
        )
    if (field := CONSENT_FIELD.get(channel)) and getattr(customer, field):
        customer_actions.update_customer(customer, **{field: False})
    if member.unsubscribed_at is None:
        member.unsubscribed_at = timezone.now()
        member.save(update_fields=["unsubscribed_at"])
    return member


def record_open(member_id: int) -> bool:
    """The message was opened (its pixel loaded); the first time counts."""
    now = timezone.now()
    return bool(
        CampaignMember.objects.filter(pk=member_id, opened_at__isnull=True).update(opened_at=now)
    )


def record_click(member_id: int) -> bool:
    """A tracked link was followed: a click, and an open if the pixel was blocked."""
    now = timezone.now()
    CampaignMember.objects.filter(pk=member_id, opened_at__isnull=True).update(opened_at=now)
    return bool(
        CampaignMember.objects.filter(pk=member_id, clicked_at__isnull=True).update(clicked_at=now)
    )


def window(campaign: Campaign) -> tuple[datetime, datetime]:
    """From the start of the send day to the end of the last response day."""
    tz = timezone.get_current_timezone()
    start = datetime.combine(campaign.starts_on, datetime.min.time(), tzinfo=tz)
    end = datetime.combine(campaign.ends_on + timedelta(days=1), datetime.min.time(), tzinfo=tz)
    return start, end


def refresh_outcomes(campaign: Campaign) -> int:
    """Count each member's orders and revenue in the campaign's window (control members
    too: they are what the campaign is measured against), and their first inbound reply
    or call. Set-based: two UPDATE statements, whatever the size."""
    start, end = window(campaign)
    orders = Order.objects.filter(
        customer_id=OuterRef("customer_id"), ordered_at__gte=start, ordered_at__lt=end
    ).exclude(status__in=[Order.Status.CANCELLED, Order.Status.DRAFT])
    count = (
        orders.filter(kind=Order.Kind.SALE)
        .order_by()
        .values("customer_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    money = DecimalField(max_digits=14, decimal_places=2)
    total = orders.order_by().values("customer_id").annotate(s=Sum("total_amount")).values("s")
    replies = (
        Interaction.objects.filter(
            customer_id=OuterRef("customer_id"),
            direction=Interaction.Direction.INBOUND,
            occurred_at__gte=start,
            occurred_at__lt=end,
        )
        .order_by("occurred_at")
        .values("occurred_at")[:1]
    )
    members = CampaignMember.objects.filter(campaign=campaign).exclude(group="")
    n = members.update(
        orders=Coalesce(Subquery(count), Value(0)),
        revenue=Coalesce(
            Subquery(total, output_field=money), Value(Decimal(0)), output_field=money
        ),
        responded_at=Subquery(replies),
    )
    members.update(converted=Q(orders__gt=0))
    return n


def members_with_recent_message(
    customer_ids: list[int], quiet_days: int, now: datetime
) -> set[int]:
    """Customers sent any campaign message in the last ``quiet_days`` days."""
    since = now - timedelta(days=quiet_days)
    return set(
        CampaignMember.objects.filter(customer_id__in=customer_ids, sent_at__gte=since).values_list(
            "customer_id", flat=True
        )
    )


# What the campaigns taught (kehu.crm.marketing.learning)


@transaction.atomic
def save_learning(record: ResponseLearning, scores: pd.DataFrame | None) -> ResponseLearning:
    """Store a learning step and, when it scored customers, replace every customer's
    response score with the new ones (``customer_id``, ``propensity``, ``uplift``)."""
    record.save()
    if scores is None:
        return record
    now = timezone.now()
    ResponseScore.objects.all().delete()
    uplift = scores["uplift"].astype(float)
    ResponseScore.objects.bulk_create(
        (
            ResponseScore(
                customer_id=int(customer_id),
                propensity=float(propensity),
                uplift=None if np.isnan(u) else float(u),
                scored_at=now,
            )
            for customer_id, propensity, u in zip(
                scores["customer_id"], scores["propensity"], uplift, strict=True
            )
        ),
        batch_size=CHUNK,
    )
    return record
