"""Orders (sales and returns), opportunities and activities."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from kehu.crm.catalog.models import Product
from kehu.crm.choices import SalesChannel
from kehu.crm.customers.models import Customer
from kehu.crm.model_fields import (
    NOT_NEGATIVE,
    contact_field,
    customer_field,
    money_field,
    source_key_field,
    user_field,
)


class Order(models.Model):
    """A sale or a return. Line quantities are positive; a return's amounts count
    negative in ``total_amount``, so the sum of totals over completed orders is the
    net revenue. A cancelled order counts nothing."""

    class Kind(models.TextChoices):
        SALE = "sale", _("Sale")
        RETURN = "return", _("Return")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        CONFIRMED = "confirmed", _("Confirmed")
        SHIPPED = "shipped", _("Shipped")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    # the order workflow: confirmed → shipped → completed, or cancelled on the way
    STATUS_FLOW: dict[str, tuple[str, ...]] = {
        Status.DRAFT: (Status.CONFIRMED, Status.CANCELLED),
        Status.CONFIRMED: (Status.SHIPPED, Status.CANCELLED),
        Status.SHIPPED: (Status.COMPLETED, Status.CANCELLED),
        Status.COMPLETED: (),
        Status.CANCELLED: (),
    }
    # a return is announced (confirmed), then received (completed), never shipped
    RETURN_STATUS_FLOW: dict[str, tuple[str, ...]] = {
        Status.DRAFT: (Status.CONFIRMED, Status.CANCELLED),
        Status.CONFIRMED: (Status.COMPLETED, Status.CANCELLED),
        Status.COMPLETED: (),
        Status.CANCELLED: (),
    }
    # an order these statuses can be returned (not a draft, not a cancelled order)
    RETURNABLE_STATUSES = (Status.CONFIRMED, Status.SHIPPED, Status.COMPLETED)

    number = models.CharField(_("order number"), max_length=30, unique=True)
    customer = customer_field("orders", on_delete=models.PROTECT)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.SALE)
    original_order = models.ForeignKey(
        "self",
        verbose_name=_("returned order"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="returns",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.CONFIRMED
    )
    channel = models.CharField(
        _("channel"), max_length=20, choices=SalesChannel.choices, default=SalesChannel.WEB
    )
    ordered_at = models.DateTimeField(_("ordered at"))
    total_amount = money_field(_("total"), default=Decimal("0"))
    owner = user_field(_("sales owner"), related_name="orders")
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-ordered_at", "-id"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        indexes = [
            models.Index(fields=["customer", "-ordered_at"], name="order_customer_idx"),
            models.Index(fields=["-ordered_at", "-id"], name="order_date_idx"),
            models.Index(fields=["status", "-ordered_at"], name="order_status_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("sales:order_detail", args=[self.pk])

    @property
    def sign(self) -> int:
        return -1 if self.kind == self.Kind.RETURN else 1

    @property
    def status_flow(self) -> dict[str, tuple[str, ...]]:
        return self.RETURN_STATUS_FLOW if self.kind == self.Kind.RETURN else self.STATUS_FLOW

    @property
    def can_be_returned(self) -> bool:
        return self.kind == self.Kind.SALE and self.status in self.RETURNABLE_STATUSES


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        Product,
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="order_lines",
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=12,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0.001"))],
    )
    unit_price = models.DecimalField(
        _("unit price"),
        max_digits=14,
        decimal_places=4,
        validators=NOT_NEGATIVE,
    )
    discount_pct = models.DecimalField(
        _("discount %"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    line_total = money_field(_("line total"))
    # what makes an imported line the same line when the file is imported again
    source_key = models.CharField(max_length=64, null=True, blank=True, editable=False)

    class Meta:
        ordering = ["id"]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        constraints = [
            models.UniqueConstraint(
                fields=["order", "source_key"], name="orderline_source_key_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.description or self.product}"

    def compute_total(self) -> Decimal:
        gross = self.quantity * self.unit_price
        return (gross * (Decimal("100") - self.discount_pct) / Decimal("100")).quantize(
            Decimal("0.01")
        )


class Opportunity(models.Model):
    class Stage(models.TextChoices):
        QUALIFICATION = "qualification", _("Qualification")
        NEEDS_ANALYSIS = "needs_analysis", _("Needs analysis")
        PROPOSAL = "proposal", _("Proposal")
        NEGOTIATION = "negotiation", _("Negotiation")
        WON = "won", _("Won")
        LOST = "lost", pgettext_lazy("opportunity stage", "Lost")

    # default win probability (%) when an opportunity enters a stage
    STAGE_PROBABILITY = {
        Stage.QUALIFICATION: 10,
        Stage.NEEDS_ANALYSIS: 25,
        Stage.PROPOSAL: 50,
        Stage.NEGOTIATION: 75,
        Stage.WON: 100,
        Stage.LOST: 0,
    }
    OPEN_STAGES = (Stage.QUALIFICATION, Stage.NEEDS_ANALYSIS, Stage.PROPOSAL, Stage.NEGOTIATION)

    name = models.CharField(_("name"), max_length=200)
    customer = customer_field("opportunities", on_delete=models.PROTECT)
    contact = contact_field("opportunities")
    owner = user_field(_("owner"), related_name="opportunities")
    stage = models.CharField(
        _("stage"), max_length=20, choices=Stage.choices, default=Stage.QUALIFICATION
    )
    probability = models.PositiveSmallIntegerField(
        _("probability %"), default=10, validators=[MaxValueValidator(100)]
    )
    amount = money_field(_("amount"), default=Decimal("0"), validators=NOT_NEGATIVE)
    expected_close_date = models.DateField(_("expected close date"), null=True, blank=True)
    competitor = models.CharField(_("competitor"), max_length=200, blank=True)
    lost_reason = models.CharField(_("lost reason"), max_length=200, blank=True)
    source_channel = models.CharField(
        _("source channel"), max_length=20, choices=Customer.Channel.choices, blank=True
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    source_key = source_key_field()
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["expected_close_date", "id"]
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        indexes = [
            models.Index(fields=["stage", "expected_close_date"], name="opp_stage_idx"),
            models.Index(fields=["customer", "stage"], name="opp_customer_idx"),
            models.Index(fields=["owner", "stage"], name="opp_owner_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("sales:opportunity_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.stage in self.OPEN_STAGES

    @property
    def weighted_amount(self) -> Decimal:
        return (self.amount * self.probability / Decimal(100)).quantize(Decimal("0.01"))


class Activity(models.Model):
    """A task or appointment for a user, about a customer or an opportunity."""

    class Kind(models.TextChoices):
        CALL = "call", _("Call")
        MEETING = "meeting", _("Meeting")
        EMAIL = "email", _("Email")
        TASK = "task", _("Task")
        FOLLOW_UP = "follow_up", _("Follow-up")
        VISIT = "visit", _("Visit")

    subject = models.CharField(_("subject"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.TASK)
    customer = customer_field("activities", on_delete=models.CASCADE, optional=True)
    opportunity = models.ForeignKey(
        Opportunity,
        verbose_name=_("opportunity"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="activities",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="activities",
    )
    due_at = models.DateTimeField(_("due"))
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [
            models.Index(fields=["owner", "completed_at", "due_at"], name="activity_owner_idx"),
            models.Index(fields=["customer", "due_at"], name="activity_customer_idx"),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_done(self) -> bool:
        return self.completed_at is not None


class SalesTarget(models.Model):
    """The revenue a manager expects of a person over a period (both dates included):
    :mod:`kehu.crm.performance` sets it against the revenue of the orders the person is
    the sales owner of. One person's targets do not overlap
    (``sales.actions.set_sales_target`` checks it)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="sales_targets",
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    amount = money_field(_("target amount"), validators=[MinValueValidator(Decimal("0.01"))])
    set_by = user_field(_("set by"), related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["user", "-period_start"]
        verbose_name = _("sales target")
        verbose_name_plural = _("sales targets")
        indexes = [models.Index(fields=["user", "period_start"], name="salestarget_user_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gt=models.F("period_start")),
                name="salestarget_period_end_after_start",
                violation_error_message=_("The period must end after it starts."),
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0),
                name="salestarget_amount_positive",
                violation_error_message=_("The target must be a positive amount."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.period_start:%Y-%m-%d}–{self.period_end:%Y-%m-%d}"
