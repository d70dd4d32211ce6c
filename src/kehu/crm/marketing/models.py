"""Campaigns, the customers they target, the messages they send and what came of them.

A campaign's members are its experiment: each target is assigned, reproducibly, to the
treated group or to the control group held out of the campaign, and every result is
read as the difference between the two (uplift), not as a raw response rate.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kehu.crm.model_fields import NOT_NEGATIVE, customer_field, money_field, user_field


class TargetList(models.Model):
    """Who a campaign is for: a customer filter of the customer list (its query
    string's filters, as ``kehu.crm.intelligence.customer_filters`` reads them).
    A static list freezes its members when it is created; a dynamic one is evaluated
    again each time a campaign sends."""

    name = models.CharField(_("name"), max_length=200)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    dynamic = models.BooleanField(
        _("dynamic"),
        default=False,
        help_text=_("Evaluate the filter again at each send instead of freezing the members."),
    )
    rank_by_uplift = models.PositiveIntegerField(
        _("keep the top customers by predicted uplift"),
        null=True,
        blank=True,
        help_text=_(
            "Keep only this many customers, those the campaigns so far predict to "
            "respond most because of a campaign. Blank keeps everyone."
        ),
    )
    size = models.PositiveIntegerField(_("customers"), default=0)
    evaluated_at = models.DateTimeField(_("evaluated"), null=True, blank=True)
    created_by = user_field(_("created by"), "+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("target list")
        verbose_name_plural = _("target lists")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("marketing:target_list_detail", args=[self.pk])


class TargetListMember(models.Model):
    """A customer frozen into a static target list."""

    target_list = models.ForeignKey(TargetList, on_delete=models.CASCADE, related_name="members")
    customer = customer_field("+", on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["target_list", "customer"], name="target_list_member_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.target_list_id}:{self.customer_id}"


class Campaign(models.Model):
    class Goal(models.TextChoices):
        WIN_BACK = "win_back", _("Win back")
        RETENTION = "retention", _("Retention care")
        CROSS_SELL = "cross_sell", _("Cross-sell")
        UP_SELL = "up_sell", _("Up-sell")
        EVENT = "event", _("Event invitation")
        SURVEY = "survey", _("Satisfaction survey")

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("SMS")
        PHONE = "phone", _("Phone call list")
        LETTER = "letter", _("Letter")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        CANCELLED = "cancelled", _("Cancelled")

    name = models.CharField(_("name"), max_length=200)
    goal = models.CharField(_("goal"), max_length=20, choices=Goal.choices)
    # in order of preference: each customer is reached on the first channel they
    # consented to and have an address for
    channels = models.JSONField(_("channels"), default=list)
    target_list = models.ForeignKey(
        TargetList,
        verbose_name=_("target list"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="campaigns",
    )
    owner = user_field(_("owner"), "campaigns")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    budget = money_field(_("budget"), default=Decimal(0), validators=NOT_NEGATIVE)
    cost = money_field(
        _("cost so far"),
        default=Decimal(0),
        validators=NOT_NEGATIVE,
        help_text=_("What the campaign has cost: design, postage, SMS fees, staff time."),
    )
    starts_on = models.DateField(_("send on"))
    ends_on = models.DateField(
        _("count responses until"),
        help_text=_("Orders and replies until this day count as the campaign's results."),
    )
    control_share = models.FloatField(
        _("control group share"),
        default=0.1,
        validators=[MinValueValidator(0.0), MaxValueValidator(0.5)],
        help_text=_(
            "The share of the target list held out, to measure what the campaign "
            "changed. 0.1 holds out one customer in ten."
        ),
    )
    quiet_days = models.PositiveSmallIntegerField(
        _("quiet period (days)"),
        default=7,
        validators=[MaxValueValidator(365)],
        help_text=_("A customer who got any campaign message in this many days is skipped."),
    )
    always_on = models.BooleanField(
        _("always on"),
        default=False,
        help_text=_("Keep sending to customers as rules or a dynamic list add them."),
    )
    subject_en = models.CharField(_("subject (English)"), max_length=200, blank=True)
    body_en = models.TextField(_("message (English)"), blank=True)
    subject_zh = models.CharField(_("subject (Chinese)"), max_length=200, blank=True)
    body_zh = models.TextField(_("message (Chinese)"), blank=True)
    # the seed of the control group: the same seed and customer give the same group
    seed = models.PositiveIntegerField(editable=False, default=0)
    progress_text = models.CharField(max_length=200, blank=True)
    send_started_at = models.DateTimeField(_("sending started"), null=True, blank=True)
    send_finished_at = models.DateTimeField(_("sending finished"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        permissions = [("send_campaign", "Can send a campaign")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("marketing:campaign_detail", args=[self.pk])


class CampaignMember(models.Model):
    """One targeted customer of a campaign: the group they were assigned to, the
    message sent to them (or why none was), what they did with it, and what they did
    in the campaign's window (``converted``, ``revenue``: refreshed from the orders,
    for the control group too)."""

    class Group(models.TextChoices):
        TREATED = "treated", _("Targeted")
        CONTROL = "control", _("Control")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to send")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Skipped")
        FAILED = "failed", _("Failed")
        UNKNOWN = "unknown", _("Not known (sending was interrupted)")
        HELD_OUT = "held_out", _("Held out (control)")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="members")
    customer = customer_field("campaign_memberships", on_delete=models.CASCADE)
    # blank for a customer who could not be reached on any channel: not in the experiment
    group = models.CharField(_("group"), max_length=10, choices=Group.choices, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    skip_reason = models.CharField(_("why not sent"), max_length=40, blank=True)
    channel = models.CharField(_("channel"), max_length=10, blank=True)
    address = models.CharField(_("sent to"), max_length=254, blank=True)
    error = models.CharField(max_length=300, blank=True)
    # the customer as the analysis saw them when enrolled: the campaign's results by
    # segment, and the features the response models learn from
    tier = models.CharField(_("tier"), max_length=20, blank=True)
    segment = models.PositiveSmallIntegerField(_("segment"), null=True, blank=True)
    features = models.JSONField(default=dict, blank=True)
    enrolled_at = models.DateTimeField(_("enrolled"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    clicked_at = models.DateTimeField(_("clicked"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("unsubscribed"), null=True, blank=True)
    responded_at = models.DateTimeField(_("replied"), null=True, blank=True)
    converted = models.BooleanField(_("ordered"), default=False)
    orders = models.PositiveIntegerField(_("orders in the window"), default=0)
    revenue = money_field(_("revenue in the window"), default=Decimal(0))

    class Meta:
        verbose_name = _("campaign member")
        verbose_name_plural = _("campaign members")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "customer"], name="campaign_member_unique")
        ]
        indexes = [
            models.Index(fields=["campaign", "status", "id"], name="campaign_member_status_idx"),
            models.Index(fields=["customer", "-sent_at"], name="campaign_member_sent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.customer_id}"


class Suppression(models.Model):
    """An address that must not get campaign messages on a channel, whoever's it is
    now: an unsubscribe, a bounce, a complaint, or entered by hand."""

    class Reason(models.TextChoices):
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
        BOUNCED = "bounced", _("Bounced")
        COMPLAINED = "complained", _("Complained")
        MANUAL = "manual", _("Added by hand")

    channel = models.CharField(_("channel"), max_length=10, choices=Campaign.Channel.choices)
    # lower-cased email, or the phone number's digits
    address = models.CharField(_("address"), max_length=254)
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    customer = customer_field("+", on_delete=models.SET_NULL, optional=True)
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("suppressed address")
        verbose_name_plural = _("suppression list")
        constraints = [
            models.UniqueConstraint(fields=["channel", "address"], name="suppression_unique")
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.address}"


class ResponseScore(models.Model):
    """What the campaigns so far predict for a customer: the chance they respond to a
    campaign (propensity) and how much a campaign raises it (uplift), learnt after
    each analysis run from the campaigns with a control group."""

    customer = models.OneToOneField(
        "customers.Customer",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="response_score",
    )
    propensity = models.FloatField(_("response propensity"))
    uplift = models.FloatField(_("predicted uplift"), null=True)
    scored_at = models.DateTimeField(_("scored"))

    class Meta:
        verbose_name = _("response score")
        verbose_name_plural = _("response scores")
        indexes = [models.Index(fields=["-uplift"], name="response_uplift_idx")]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.propensity:.2f}"


class ResponseLearning(models.Model):
    """What the campaigns taught after one analysis run: how many members of which
    campaigns the response models learnt from, which uplift model won and how well
    (cross-validated Qini), or why nothing could be learnt yet."""

    run_id = models.PositiveIntegerField(_("analysis run"), null=True)
    learnt_at = models.DateTimeField(_("learnt"), auto_now_add=True)
    campaigns = models.PositiveIntegerField(_("campaigns"), default=0)
    members = models.PositiveIntegerField(_("members"), default=0)
    scored = models.PositiveIntegerField(_("customers scored"), default=0)
    summary = models.JSONField(default=dict, blank=True)
    skipped = models.CharField(_("not learnt because"), max_length=300, blank=True)

    class Meta:
        ordering = ["-learnt_at", "-id"]
        verbose_name = _("response learning")
        verbose_name_plural = _("response learnings")

    def __str__(self) -> str:
        return f"{self.learnt_at:%Y-%m-%d %H:%M}: {self.members} members"
