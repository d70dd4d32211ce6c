"""Leads: people and companies that showed an interest but are not customers yet.

A lead is captured (web form, import, event, API, staff), worked, then qualified or
disqualified with a reason, and a qualified (or still open) lead is converted into a
customer, a contact and, optionally, an opportunity. Its email and phone are stored
normalised (lower-cased email, phone as ``+`` and digits) so that the duplicate check on
the way in is an index lookup. Each status change and each activity logged on a lead is a
:class:`LeadEvent` (the lead's timeline).
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kehu.crm.model_fields import customer_field, source_key_field, user_field


class Lead(models.Model):
    class Source(models.TextChoices):
        WEB_FORM = "web_form", _("Web form")
        IMPORT = "import", _("Import")
        EVENT = "event", pgettext_lazy("lead source", "Event")
        API = "api", _("API")
        MANUAL = "manual", _("Entered by staff")
        REFERRAL = "referral", _("Referral")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        WORKING = "working", _("Working")
        QUALIFIED = "qualified", _("Qualified")
        DISQUALIFIED = "disqualified", _("Disqualified")
        CONVERTED = "converted", _("Converted")

    class DisqualifyReason(models.TextChoices):
        NO_BUDGET = "no_budget", _("No budget")
        NO_NEED = "no_need", _("No need")
        COMPETITOR = "competitor", _("Chose a competitor")
        UNREACHABLE = "unreachable", _("Unreachable")
        DUPLICATE = "duplicate", _("Duplicate")
        SPAM = "spam", _("Spam")
        OTHER = "other", _("Other")

    #: statuses of a lead still being worked (a new capture with its email or phone
    #: updates it rather than doubling it)
    OPEN_STATUSES = (Status.NEW, Status.WORKING, Status.QUALIFIED)

    name = models.CharField(_("name"), max_length=200)
    company = models.CharField(_("company"), max_length=200, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    campaign = models.ForeignKey(
        "marketing.Campaign",
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    source_detail = models.CharField(_("source detail"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.NEW
    )
    disqualify_reason = models.CharField(
        _("disqualification reason"), max_length=12, choices=DisqualifyReason.choices, blank=True
    )
    disqualify_note = models.CharField(_("disqualification note"), max_length=500, blank=True)
    owner = user_field(_("owner"), related_name="owned_leads")
    score = models.FloatField(
        _("score"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text=_("The probability that the lead converts, learnt from past leads."),
    )
    score_reasons = models.JSONField(_("score reasons"), default=list, blank=True)
    scored_at = models.DateTimeField(_("scored at"), null=True, blank=True)
    customer = customer_field("leads", on_delete=models.SET_NULL, optional=True)
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    opportunity = models.ForeignKey(
        "sales.Opportunity",
        verbose_name=_("opportunity"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    converted_at = models.DateTimeField(_("converted at"), null=True, blank=True)
    created_at = models.DateTimeField(_("captured at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    source_key = source_key_field()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        permissions = [("score_lead", "Can score the open leads")]
        indexes = [
            models.Index(fields=["status", "-created_at", "id"], name="lead_status_created_idx"),
            models.Index(fields=["status", "-score", "id"], name="lead_status_score_idx"),
            models.Index(fields=["-score", "id"], name="lead_score_idx"),
            models.Index(fields=["source", "-created_at"], name="lead_source_idx"),
            models.Index(fields=["campaign", "-created_at"], name="lead_campaign_idx"),
            models.Index(fields=["owner", "-created_at"], name="lead_owner_idx"),
            models.Index(fields=["email"], name="lead_email_idx"),
            models.Index(fields=["phone"], name="lead_phone_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.company})" if self.company else self.name

    def get_absolute_url(self) -> str:
        return reverse("leads:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class LeadEvent(models.Model):
    """One entry of a lead's timeline: a status change (``from_status`` → ``to_status``)
    or an activity logged on it (a call, an email, a meeting, a note)."""

    class Kind(models.TextChoices):
        CAPTURED = "captured", _("Captured")
        RECAPTURED = "recaptured", _("Captured again")
        STATUS = "status", _("Status changed")
        ASSIGNED = "assigned", _("Assigned")
        CALL = "call", _("Call")
        EMAIL = "email", _("Email")
        MEETING = "meeting", _("Meeting")
        NOTE = "note", _("Note")

    #: the kinds that count as activities logged on the lead (a scoring feature)
    ACTIVITY_KINDS = (Kind.CALL, Kind.EMAIL, Kind.MEETING, Kind.NOTE)

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    from_status = models.CharField(
        _("from"), max_length=12, choices=Lead.Status.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=12, choices=Lead.Status.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    actor = user_field(_("by"), related_name="+")
    occurred_at = models.DateTimeField(_("when"))

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("lead event")
        verbose_name_plural = _("lead events")
        indexes = [models.Index(fields=["lead", "-occurred_at"], name="leadevent_lead_idx")]

    def __str__(self) -> str:
        return f"{self.lead_id}:{self.kind}"
