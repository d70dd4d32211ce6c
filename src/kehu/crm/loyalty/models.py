"""Membership by mobile number, its levels, the earning rules, the rewards, and the
points ledger.

The ledger (:class:`PointsEntry`) is append-only: an entry is never changed nor deleted;
a correction is a new entry (``adjust`` or ``reverse``). The model refuses ``save`` of
an existing entry and ``delete``; its query set refuses ``update`` and ``delete``; the
admin cannot change or delete one; and the database itself refuses an ``UPDATE`` of the
table (a trigger, migration 0002). A member's balance is the sum of its entries and
never goes below zero: every debit is written by :mod:`kehu.crm.loyalty.actions` under
a ``select_for_update`` lock of the membership.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.signals import pre_delete, pre_save
from django.dispatch import receiver
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kehu.crm.intelligence.labels import ABC_CLASSES as ABC_NAMES
from kehu.crm.intelligence.labels import TIERS as TIER_NAMES
from kehu.crm.intelligence.labels import label as tier_label

_NOT_DIGIT = re.compile(r"\D")


class LedgerError(Exception):
    """An attempt to change or delete a ledger entry: corrections are new entries."""


def normalise_mobile(raw: str) -> str:
    """A mobile number as it is stored and compared: its digits only, a leading ``00``
    (international prefix) dropped, so that ``+86 177 0879 4295`` and
    ``0086-17708794295`` are the same member. Raises ``ValidationError`` when what is
    left is not 6 to 15 digits."""
    digits = _NOT_DIGIT.sub("", raw or "")
    if digits.startswith("00"):
        digits = digits[2:]
    if not 6 <= len(digits) <= 15:
        raise ValidationError(
            _("Enter a mobile number of 6 to 15 digits; got “%(value)s”."),
            code="invalid_mobile",
            params={"value": raw},
        )
    return digits


def _names(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


class MembershipLevel(models.Model):
    """A level of the programme. A member is put on the highest ``rank`` level whose
    value tiers (the customer pyramid: Platinum, Gold, Iron, Lead) or ABC classes its
    current scores fall in, or whose ``min_points`` its points earned reach; the lowest
    level otherwise. Its earning ``multiplier`` scales what every order earns."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    rank = models.PositiveSmallIntegerField(
        _("rank"),
        default=0,
        help_text=_("Higher is better; members get the best they qualify for."),
    )
    tiers = models.CharField(
        _("value tiers"),
        max_length=100,
        blank=True,
        help_text=_("Comma separated: Platinum, Gold, Iron, Lead."),
    )
    abc_classes = models.CharField(
        _("ABC classes"), max_length=10, blank=True, help_text=_("Comma separated: A, B, C.")
    )
    min_points = models.PositiveIntegerField(
        _("minimum points earned"),
        null=True,
        blank=True,
        help_text=_("Points earned in all, from which a member reaches this level."),
    )
    multiplier = models.DecimalField(
        _("earning multiplier"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0"))],
    )

    class Meta:
        ordering = ["-rank", "name"]
        verbose_name = _("membership level")
        verbose_name_plural = _("membership levels")

    def __str__(self) -> str:
        return self.name

    @property
    def tier_list(self) -> list[str]:
        return _names(self.tiers)

    @property
    def abc_list(self) -> list[str]:
        return _names(self.abc_classes)

    @property
    def tier_labels(self) -> str:
        """The value tiers in the user's language (the analysis stores them in English)."""
        return ", ".join(str(tier_label(t)) for t in self.tier_list)

    def clean(self) -> None:
        errors: dict[str, ValidationError] = {}
        if bad := [t for t in self.tier_list if t not in TIER_NAMES]:
            errors["tiers"] = ValidationError(
                _("Unknown tier %(bad)s; the tiers are %(allowed)s."),
                code="invalid",
                params={"bad": ", ".join(bad), "allowed": ", ".join(TIER_NAMES)},
            )
        if bad := [c for c in self.abc_list if c not in ABC_NAMES]:
            errors["abc_classes"] = ValidationError(
                _("Unknown ABC class %(bad)s; the classes are A, B, C."),
                code="invalid",
                params={"bad": ", ".join(bad)},
            )
        if errors:
            raise ValidationError(errors)


class Membership(models.Model):
    """A customer's membership, bound to a mobile number (no card)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        CANCELLED = "cancelled", _("Cancelled")

    class Channel(models.TextChoices):
        WEB = "web", _("Web form")
        SMS = "sms", _("SMS keyword")
        STAFF = "staff", _("Staff")
        IMPORT = "import", _("Import")

    customer = models.OneToOneField(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="membership",
    )
    mobile = models.CharField(_("mobile"), max_length=15, unique=True)
    level = models.ForeignKey(
        MembershipLevel,
        verbose_name=_("level"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    channel = models.CharField(_("joined by"), max_length=10, choices=Channel.choices)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-joined_on", "-id"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        indexes = [
            models.Index(fields=["status", "level"], name="membership_status_level_idx"),
            models.Index(fields=["-joined_on", "-id"], name="membership_joined_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.mobile} ({self.customer_id})"

    def get_absolute_url(self) -> str:
        return reverse("loyalty:member", args=[self.pk])


class EarningRule(models.Model):
    """How orders earn points. ``base``: ``points_per_amount`` points per unit of
    currency spent (one active base rule is used: the latest). ``category``: lines of
    a product category (and its subcategories) earn ``multiplier`` times. ``bonus``: an
    order placed between ``starts_on`` and ``ends_on`` (optionally only a member of
    ``level``) earns ``multiplier`` times (the largest of the bonuses that apply)."""

    class Kind(models.TextChoices):
        BASE = "base", _("Points per amount")
        CATEGORY = "category", _("Product category")
        BONUS = "bonus", _("Bonus campaign")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    points_per_amount = models.DecimalField(
        _("points per unit spent"),
        max_digits=8,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    category = models.ForeignKey(
        "catalog.ProductCategory",
        verbose_name=_("product category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    multiplier = models.DecimalField(
        _("multiplier"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    starts_on = models.DateField(_("from"), null=True, blank=True)
    ends_on = models.DateField(_("until"), null=True, blank=True)
    level = models.ForeignKey(
        MembershipLevel,
        verbose_name=_("only for level"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["kind", "-id"]
        verbose_name = _("earning rule")
        verbose_name_plural = _("earning rules")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.kind == self.Kind.BASE and not self.points_per_amount:
            errors["points_per_amount"] = _("A points-per-amount rule needs the points per unit.")
        if self.kind == self.Kind.CATEGORY and self.category_id is None:
            errors["category"] = _("A category rule needs the product category.")
        if self.kind == self.Kind.BONUS:
            if self.starts_on is None or self.ends_on is None:
                errors["starts_on"] = _("A bonus campaign needs its first and last day.")
            elif self.ends_on < self.starts_on:
                errors["ends_on"] = _("The last day is before the first day.")
        if errors:
            raise ValidationError(errors, code="invalid")


class Reward(models.Model):
    """What points buy."""

    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    points_cost = models.PositiveIntegerField(_("points"), validators=[MinValueValidator(1)])
    stock = models.PositiveIntegerField(
        _("in stock"), null=True, blank=True, help_text=_("Empty: no limit.")
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["points_cost", "name"]
        verbose_name = _("reward")
        verbose_name_plural = _("rewards")

    def __str__(self) -> str:
        return self.name


class PointsEntryQuerySet(models.QuerySet["PointsEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise LedgerError("the points ledger is append-only: add a correcting entry instead")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise LedgerError("the points ledger is append-only: add a correcting entry instead")


class PointsEntry(models.Model):
    """One movement of points: positive earns, negative spends. Never updated nor
    deleted (see the module docstring)."""

    class Kind(models.TextChoices):
        EARN = "earn", _("Earned")
        REDEEM = "redeem", _("Redeemed")
        EXPIRE = "expire", _("Expired")
        ADJUST = "adjust", _("Adjusted")
        REVERSE = "reverse", _("Reversed")

    membership = models.ForeignKey(
        Membership, verbose_name=_("member"), on_delete=models.PROTECT, related_name="entries"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    points = models.IntegerField(_("points"))
    order = models.ForeignKey(
        "sales.Order",
        verbose_name=_("order"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="points_entries",
    )
    reward = models.ForeignKey(
        Reward,
        verbose_name=_("reward"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="redemptions",
    )
    rule = models.ForeignKey(
        EarningRule,
        verbose_name=_("rule"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reference = models.CharField(_("reference"), max_length=100, unique=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    created_at = models.DateTimeField(_("date"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = PointsEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")
        indexes = [
            models.Index(fields=["membership", "-created_at", "-id"], name="points_member_idx"),
            models.Index(fields=["kind", "expires_on"], name="points_expiry_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~models.Q(points=0), name="points_not_zero"),
            models.CheckConstraint(
                condition=models.Q(kind__in=["earn"], points__gt=0)
                | models.Q(kind__in=["redeem", "expire", "reverse"], points__lt=0)
                | models.Q(kind="adjust"),
                name="points_sign_by_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.points:+d} ({self.reference})"

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise LedgerError("the points ledger is append-only: add a correcting entry instead")


@receiver(pre_save, sender=PointsEntry)
def _refuse_change(sender: type[PointsEntry], instance: PointsEntry, **kwargs: Any) -> None:
    """Saving an entry that is already in the ledger is refused (a new one is added)."""
    if not instance._state.adding or kwargs.get("update_fields"):
        raise LedgerError("the points ledger is append-only: add a correcting entry instead")


@receiver(pre_delete, sender=PointsEntry)
def _refuse_delete(sender: type[PointsEntry], instance: PointsEntry, **kwargs: Any) -> None:
    """Deleting an entry (also by a cascade) is refused."""
    raise LedgerError("the points ledger is append-only: add a correcting entry instead")


class JoinRequest(models.Model):
    """A join by the public web form, waiting for the code sent to the mobile. Also
    what the form's rate limit counts (per address and per mobile)."""

    mobile = models.CharField(_("mobile"), max_length=15)
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email"), blank=True)
    consent_sms = models.BooleanField(_("may text (SMS)"), default=False)
    consent_email = models.BooleanField(_("may email"), default=False)
    code_hash = models.CharField(max_length=128)
    ip = models.GenericIPAddressField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("join request")
        verbose_name_plural = _("join requests")
        indexes = [
            models.Index(fields=["ip", "created_at"], name="joinrequest_ip_idx"),
            models.Index(fields=["mobile", "created_at"], name="joinrequest_mobile_idx"),
        ]

    def __str__(self) -> str:
        return self.mobile


class InboundSms(models.Model):
    """A text message received from the SMS gateway, and what kehu did with it."""

    class Outcome(models.TextChoices):
        JOINED = "joined", _("Joined")
        ALREADY = "already", _("Already a member")
        LEFT = "left", _("Left")
        HELP = "help", _("Help sent")
        REFUSED = "refused", _("Refused")

    sender = models.CharField(_("sender"), max_length=40)
    text = models.TextField(_("text"))
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    membership = models.ForeignKey(
        Membership,
        verbose_name=_("member"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reply = models.TextField(_("reply"), blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("inbound SMS")
        verbose_name_plural = _("inbound SMS")

    def __str__(self) -> str:
        return f"{self.sender}: {self.text[:30]}"
