"""Who comes to an event: its participants (exhibitors and visitors, each with a badge
whose code is checked at the door) and the booths of a fair, booked and assigned to
exhibitors. The writes are in :mod:`kehu.crm.attendance.actions`."""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kehu.crm.model_fields import NOT_NEGATIVE, contact_field, customer_field, money_field

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
