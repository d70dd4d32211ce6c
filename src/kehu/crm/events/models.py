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

from kehu.crm.model_fields import NOT_NEGATIVE, money_field, user_field


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
    # Chinese names keep their characters: /e/客户大会-2027/, not /e/2027/
    slug = models.SlugField(_("web address"), max_length=80, unique=True, allow_unicode=True)
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


class Phase(models.Model):
    """A stage of an event's plan (for a fair: before, during, after), in order."""

    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="phases"
    )
    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        ordering = ["event", "position", "id"]

    def __str__(self) -> str:
        return self.name


class WorkItem(models.Model):
    """One task of a phase: a goal, a measurable target, who answers for it, when, and
    where it stands in the control steps (planning → carrying out → supervising →
    checking → confirmed)."""

    class Step(models.TextChoices):
        PLANNING = "planning", pgettext_lazy("control step", "Planning")
        CARRYING_OUT = "carrying_out", pgettext_lazy("control step", "Carrying out")
        SUPERVISING = "supervising", pgettext_lazy("control step", "Supervising")
        CHECKING = "checking", pgettext_lazy("control step", "Checking")
        CONFIRMED = "confirmed", pgettext_lazy("control step", "Confirmed")

    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="work_items"
    )
    phase = models.ForeignKey(
        Phase, verbose_name=_("phase"), on_delete=models.CASCADE, related_name="items"
    )
    name = models.CharField(_("name"), max_length=200)
    goal = models.TextField(_("goal"), blank=True)
    target = models.CharField(
        _("measurable target"),
        max_length=200,
        blank=True,
        help_text=_("How you will know it is done, e.g. “40 exhibitors signed”."),
    )
    owner = user_field(_("owner"), "+")
    planned_start = models.DateField(
        _("planned start"),
        null=True,
        blank=True,
        help_text=_("Leave empty to start as soon as what it depends on is done."),
    )
    duration_days = models.PositiveIntegerField(_("duration (days)"), default=1)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    step = models.CharField(
        _("control step"), max_length=20, choices=Step.choices, default=Step.PLANNING
    )
    actual_start = models.DateField(_("actual start"), null=True, blank=True)
    actual_finish = models.DateField(_("actual finish"), null=True, blank=True)
    expected_finish = models.DateField(
        _("expected finish"),
        null=True,
        blank=True,
        help_text=_("When the owner now expects an unfinished item to be done."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("work item")
        verbose_name_plural = _("work items")
        ordering = ["phase__position", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(actual_finish__isnull=True)
                | models.Q(actual_start__isnull=True)
                | models.Q(actual_finish__gte=models.F("actual_start")),
                name="workitem_finish_after_start",
                violation_error_message=_("An item cannot finish before it starts."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def next_step(self) -> WorkItem.Step | None:
        """The control step after this one (None once confirmed)."""
        steps = list(WorkItem.Step)
        at = steps.index(WorkItem.Step(self.step))
        return steps[at + 1] if at + 1 < len(steps) else None


class Dependency(models.Model):
    """``successor`` cannot start before ``predecessor`` has finished (plus ``lag_days``):
    in time, or in space (the booth must exist before it is assigned)."""

    class Kind(models.TextChoices):
        TIME = "time", _("Time: cannot start before the other ends")
        SPACE = "space", _("Space: needs what the other builds")

    predecessor = models.ForeignKey(
        WorkItem,
        verbose_name=_("must finish first"),
        on_delete=models.CASCADE,
        related_name="successor_links",
    )
    successor = models.ForeignKey(
        WorkItem,
        verbose_name=_("item"),
        on_delete=models.CASCADE,
        related_name="predecessor_links",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.TIME)
    lag_days = models.IntegerField(
        _("lag (days)"), default=0, help_text=_("Days to wait after it finishes.")
    )

    class Meta:
        verbose_name = _("dependency")
        verbose_name_plural = _("dependencies")
        constraints = [
            models.UniqueConstraint(
                fields=["predecessor", "successor"],
                name="dependency_once",
                violation_error_message=_("This dependency exists already."),
            ),
            models.CheckConstraint(
                condition=~models.Q(predecessor=models.F("successor")),
                name="dependency_not_on_itself",
                violation_error_message=_("An item cannot depend on itself."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor}"
