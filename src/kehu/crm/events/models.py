"""Events and exhibitions, planned as projects: an event runs through phases, each a
list of work items with owners, deadlines and finish-to-start dependencies (the
planning models live beside this one; the participants, booths and badges in
:mod:`kehu.crm.attendance`)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kehu.crm.model_fields import NOT_NEGATIVE, money_field


class Event(models.Model):
    """A fair, conference, seminar or customer visit day."""

    class Kind(models.TextChoices):
        FAIR = "fair", _("Fair")
        CONFERENCE = "conference", _("Conference")
        SEMINAR = "seminar", _("Seminar")
        VISIT_DAY = "visit_day", _("Customer visit day")

    class Status(models.TextChoices):
        PLANNING = "planning", _("Planning")
        OPEN = "open", pgettext_lazy("event status", "Open for registration")
        RUNNING = "running", _("Running")
        CLOSED = "closed", pgettext_lazy("event status", "Closed")
        CANCELLED = "cancelled", _("Cancelled")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PLANNING
    )
    # the public registration form's address: /e/<slug>/
    slug = models.SlugField(_("web address"), max_length=80, unique=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    budget = money_field(_("budget"), default=Decimal(0), validators=NOT_NEGATIVE)
    capacity = models.PositiveIntegerField(
        _("capacity"), null=True, blank=True, help_text=_("Leave empty for no limit.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-starts_on", "name"]
        indexes = [models.Index(fields=["starts_on"], name="event_starts_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="event_ends_after_start",
                violation_error_message=_("The event must end on or after the day it starts."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("events:detail", args=[self.pk])
