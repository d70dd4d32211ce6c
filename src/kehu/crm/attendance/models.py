"""Who comes to an event: its participants (exhibitors and visitors, each with a badge
whose code is checked at the door) and the booths of a fair, booked and assigned to
exhibitors. The writes are in :mod:`kehu.crm.attendance.actions`."""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kehu.crm.model_fields import (
    NOT_NEGATIVE,
    contact_field,
    customer_field,
    money_field,
    user_field,
)

#: the characters of a badge code: no 0/O nor 1/I/L, so that it can be typed from a badge
BADGE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
#: a badge code's length: 31**10 (about 8e14) codes, not to be guessed at a door
BADGE_LENGTH = 10


def new_badge_code() -> str:
    """A random, unguessable badge code (``secrets``, not ``random``)."""
    return "".join(secrets.choice(BADGE_ALPHABET) for _i in range(BADGE_LENGTH))


class Participant(models.Model):
    """Someone who exhibits at or visits an event: linked to a customer and one of its
    contacts when known, else to the lead their registration captured."""

    class Kind(models.TextChoices):
        EXHIBITOR = "exhibitor", _("Exhibitor")
        PROFESSIONAL = "professional", _("Professional visitor")
        TRADE_BUYER = "trade_buyer", _("Trade buyer")
        GENERAL = "general", _("General visitor")

    class Status(models.TextChoices):
        INVITED = "invited", _("Invited")
        REGISTERED = "registered", _("Registered")
        CONFIRMED = "confirmed", pgettext_lazy("participant status", "Confirmed")
        CHECKED_IN = "checked_in", _("Checked in")
        CANCELLED = "cancelled", _("Cancelled")
        NO_SHOW = "no_show", _("No-show")

    class Source(models.TextChoices):
        STAFF = "staff", _("Staff")
        WEB = "web", _("Web registration")
        INVITATION = "invitation", _("Invitation")
        IMPORT = "import", _("Import")

    # the statuses that take a place at the event (capacity counts them)
    ATTENDING = (Status.REGISTERED, Status.CONFIRMED, Status.CHECKED_IN)

    event = models.ForeignKey(
        "events.Event",
        verbose_name=_("event"),
        on_delete=models.CASCADE,
        related_name="participants",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.GENERAL)
    customer = customer_field("participations", on_delete=models.SET_NULL, optional=True)
    contact = contact_field("participations")
    name = models.CharField(_("name"), max_length=200)
    company = models.CharField(_("company"), max_length=200, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.REGISTERED
    )
    badge_code = models.CharField(
        _("badge code"), max_length=20, unique=True, default=new_badge_code, editable=False
    )
    registered_at = models.DateTimeField(_("registered at"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    source = models.CharField(
        _("source"), max_length=20, choices=Source.choices, default=Source.STAFF
    )
    # the lead a registrant who matched no customer was captured as
    lead = models.ForeignKey(
        "leads.Lead",
        verbose_name=_("lead"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="participations",
    )
    # the satisfaction survey after the event: the link's unguessable token, set when the
    # invitation is sent (attendance/followup.py)
    survey_token = models.CharField(
        _("survey token"), max_length=64, unique=True, null=True, blank=True, editable=False
    )
    survey_sent_at = models.DateTimeField(_("survey sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["event", "status"], name="participant_event_status_idx"),
            models.Index(fields=["event", "kind"], name="participant_event_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.company})" if self.company else self.name


class Booth(models.Model):
    """A stand on the floor of a fair: booked (reserved) first, then assigned to an
    exhibitor; released back to available."""

    class Status(models.TextChoices):
        AVAILABLE = "available", _("Available")
        BOOKED = "booked", _("Booked")
        ASSIGNED = "assigned", _("Assigned")

    event = models.ForeignKey(
        "events.Event", verbose_name=_("event"), on_delete=models.CASCADE, related_name="booths"
    )
    code = models.CharField(_("booth"), max_length=20)
    hall = models.CharField(_("hall"), max_length=60, blank=True)
    size_m2 = models.DecimalField(
        _("size (m²)"), max_digits=8, decimal_places=2, validators=NOT_NEGATIVE
    )
    price = money_field(_("price"), default=Decimal(0), validators=NOT_NEGATIVE)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.AVAILABLE
    )
    exhibitor = models.ForeignKey(
        Participant,
        verbose_name=_("exhibitor"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="booths",
    )
    booked_at = models.DateTimeField(_("booked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("booth")
        verbose_name_plural = _("booths")
        ordering = ["hall", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "code"],
                name="booth_code_per_event",
                violation_error_message=_("This event already has a booth with this code."),
            )
        ]

    def __str__(self) -> str:
        return self.code


class EventCost(models.Model):
    """What an event cost, by category: set against the revenue and pipeline it brought
    on the event's results page."""

    class Category(models.TextChoices):
        VENUE = "venue", _("Venue")
        BOOTH_BUILD = "booth_build", _("Booth build")
        TRAVEL = "travel", _("Travel")
        MARKETING = "marketing", _("Marketing")
        STAFF = "staff", _("Staff")
        OTHER = "other", _("Other")

    event = models.ForeignKey(
        "events.Event", verbose_name=_("event"), on_delete=models.CASCADE, related_name="costs"
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    amount = money_field(_("amount"), validators=NOT_NEGATIVE)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("event cost")
        verbose_name_plural = _("event costs")
        ordering = ["category", "id"]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.amount}"


class SurveyResponse(models.Model):
    """A participant's answer to the satisfaction survey sent after the event."""

    participant = models.OneToOneField(
        Participant,
        verbose_name=_("participant"),
        on_delete=models.CASCADE,
        related_name="survey_response",
    )
    rating = models.PositiveSmallIntegerField(
        _("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    would_return = models.BooleanField(_("would come again"))
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    answered_at = models.DateTimeField(_("answered at"))

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        ordering = ["-answered_at", "-id"]

    def __str__(self) -> str:
        return f"{self.participant}: {self.rating}"


class FollowUp(models.Model):
    """The follow-up of an event, done once: the activities given to the owners of the
    visitors' customers and leads, the follow-up campaign (a draft for the marketer)
    and the survey invitations sent."""

    event = models.OneToOneField(
        "events.Event", verbose_name=_("event"), on_delete=models.CASCADE, related_name="follow_up"
    )
    created_by = user_field(_("created by"), "+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    n_activities = models.PositiveIntegerField(_("activities"), default=0)
    n_lead_activities = models.PositiveIntegerField(_("lead follow-ups"), default=0)
    n_invitations = models.PositiveIntegerField(_("survey invitations"), default=0)
    target_list = models.ForeignKey(
        "marketing.TargetList",
        verbose_name=_("target list"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    campaign = models.ForeignKey(
        "marketing.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("event follow-up")
        verbose_name_plural = _("event follow-ups")

    def __str__(self) -> str:
        return str(self.event)
