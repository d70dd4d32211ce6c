"""Tickets with a status workflow, an event log per ticket, and technician visits."""

from __future__ import annotations

from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from kehu.crm.choices import InteractionChannel
from kehu.crm.model_fields import contact_field, customer_field, source_key_field, user_field


class Ticket(models.Model):
    class Type(models.TextChoices):
        COMPLAINT = "complaint", _("Complaint")
        DISPUTE = "dispute", _("Dispute")
        DEFECT = "defect", _("Defect")
        ORDER_ISSUE = "order_issue", _("Order issue")
        INQUIRY = "inquiry", _("Inquiry")

    class Priority(models.TextChoices):
        LOW = "low", _("Low")
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("High")
        URGENT = "urgent", _("Urgent")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        OPEN = "open", pgettext_lazy("ticket status", "Open")
        PENDING = "pending", _("Waiting for customer")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")

    # the status workflow: which status may follow which
    TRANSITIONS: dict[str, tuple[str, ...]] = {
        Status.NEW: (Status.OPEN, Status.PENDING, Status.RESOLVED, Status.CLOSED),
        Status.OPEN: (Status.PENDING, Status.RESOLVED, Status.CLOSED),
        Status.PENDING: (Status.OPEN, Status.RESOLVED, Status.CLOSED),
        Status.RESOLVED: (Status.OPEN, Status.CLOSED),
        Status.CLOSED: (Status.OPEN,),
    }

    number = models.CharField(_("ticket number"), max_length=20, unique=True, editable=False)
    customer = customer_field("tickets", on_delete=models.PROTECT)
    contact = contact_field("tickets")
    # by label, as Django relates models across apps: service and sales are independent
    # layers (a ticket points at an order; no service code calls into sales)
    order = models.ForeignKey(
        "sales.Order",
        verbose_name=_("order"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    type = models.CharField(_("type"), max_length=20, choices=Type.choices, default=Type.INQUIRY)
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.NEW
    )
    channel = models.CharField(
        _("channel"),
        max_length=20,
        choices=InteractionChannel.choices,
        default=InteractionChannel.PHONE,
    )
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    assignee = user_field(_("assignee"), related_name="assigned_tickets")
    opened_at = models.DateTimeField(_("opened"))
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # service levels (kehu.crm.service.sla): the customer's tier when the ticket was
    # opened, and the due times its policy gave; "risk" is when it becomes at risk
    sla_tier = models.CharField(
        _("tier at opening"), max_length=20, blank=True, default="", db_default=""
    )
    first_response_due = models.DateTimeField(_("first response due"), null=True, blank=True)
    first_response_risk_at = models.DateTimeField(
        _("first response at risk from"), null=True, blank=True
    )
    resolution_due = models.DateTimeField(_("resolution due"), null=True, blank=True)
    resolution_risk_at = models.DateTimeField(_("resolution at risk from"), null=True, blank=True)
    source_key = source_key_field()
    satisfaction_score = models.PositiveSmallIntegerField(
        _("satisfaction (1-5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            models.Index(fields=["customer", "-opened_at"], name="ticket_customer_idx"),
            models.Index(fields=["status", "-opened_at"], name="ticket_status_idx"),
            models.Index(fields=["assignee", "status"], name="ticket_assignee_idx"),
            models.Index(fields=["-opened_at", "-id"], name="ticket_opened_idx"),
            models.Index(fields=["first_response_due"], name="ticket_response_due_idx"),
            models.Index(fields=["resolution_due"], name="ticket_resolution_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    def get_absolute_url(self) -> str:
        return reverse("service:ticket_detail", args=[self.pk])

    def allowed_transitions(self) -> tuple[str, ...]:
        return self.TRANSITIONS.get(self.status, ())


class TicketEvent(models.Model):
    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        STATUS = "status", _("Status changed")
        COMMENT = "comment", _("Comment")
        ASSIGNED = "assigned", _("Assigned")
        RESPONSE = "response", _("Reply to customer")
        VISIT = "visit", _("Technician visit")
        RATED = "rated", _("Satisfaction rated")

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    from_status = models.CharField(
        _("from status"), max_length=10, choices=Ticket.Status.choices, blank=True
    )
    to_status = models.CharField(
        _("to status"), max_length=10, choices=Ticket.Status.choices, blank=True
    )
    message = models.TextField(_("message"), blank=True)
    user = user_field(_("user"), related_name="+")
    occurred_at = models.DateTimeField(_("when"))

    class Meta:
        ordering = ["occurred_at", "id"]
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")
        indexes = [models.Index(fields=["ticket", "occurred_at"], name="ticketevent_ticket_idx")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind}"


class TechnicianVisit(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="visits")
    technician = user_field(_("technician"), related_name="technician_visits")
    scheduled_at = models.DateTimeField(_("scheduled for"))
    visited_at = models.DateTimeField(_("visited at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)

    class Meta:
        ordering = ["scheduled_at", "id"]
        verbose_name = _("technician visit")
        verbose_name_plural = _("technician visits")

    def __str__(self) -> str:
        return f"{self.ticket_id} @ {self.scheduled_at:%Y-%m-%d}"


class BusinessCalendar(models.Model):
    """When the service desk works (one row): the weekdays, the daily hours and the time
    zone that service-level targets count in, beside the :class:`Holiday` dates."""

    monday = models.BooleanField(_("Monday"), default=True)
    tuesday = models.BooleanField(_("Tuesday"), default=True)
    wednesday = models.BooleanField(_("Wednesday"), default=True)
    thursday = models.BooleanField(_("Thursday"), default=True)
    friday = models.BooleanField(_("Friday"), default=True)
    saturday = models.BooleanField(_("Saturday"), default=False)
    sunday = models.BooleanField(_("Sunday"), default=False)
    start_hour = models.PositiveSmallIntegerField(
        _("work starts (hour)"), default=9, validators=[MaxValueValidator(23)]
    )
    end_hour = models.PositiveSmallIntegerField(
        _("work ends (hour)"), default=17, validators=[MinValueValidator(1), MaxValueValidator(24)]
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, blank=True, help_text=_("Empty: the site's time zone.")
    )

    WEEKDAY_FIELDS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendar")

    def __str__(self) -> str:
        return str(_("business calendar"))

    def clean(self) -> None:
        hours = (self.start_hour, self.end_hour)
        if None not in hours and self.end_hour <= self.start_hour:
            raise ValidationError(
                {"end_hour": _("Work must end after it starts.")}, code="invalid_hours"
            )
        if not self.weekdays():
            raise ValidationError(_("Choose at least one working day."), code="no_weekdays")
        if self.time_zone:
            try:
                ZoneInfo(self.time_zone)
            except (ValueError, KeyError):
                raise ValidationError(
                    {"time_zone": _("Give an IANA time zone such as Asia/Shanghai.")},
                    code="invalid_time_zone",
                ) from None

    def weekdays(self) -> frozenset[int]:
        return frozenset(i for i, name in enumerate(self.WEEKDAY_FIELDS) if getattr(self, name))


class Holiday(models.Model):
    """A day off: no working hours count on it."""

    date = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}".strip()


class SlaPolicy(models.Model):
    """Service-level targets, in working hours, for tickets of a priority from customers
    of a tier; an empty tier is any tier. The most specific policy wins."""

    tier = models.CharField(
        _("customer tier"), max_length=20, blank=True, help_text=_("Empty: any tier.")
    )
    priority = models.CharField(_("priority"), max_length=10, choices=Ticket.Priority.choices)
    first_response_hours = models.DecimalField(
        _("first response within (working hours)"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.25"))],
    )
    resolution_hours = models.DecimalField(
        _("resolution within (working hours)"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.25"))],
    )

    class Meta:
        ordering = ["tier", "priority"]
        verbose_name = _("service-level policy")
        verbose_name_plural = _("service-level policies")
        constraints = [
            models.UniqueConstraint(fields=["tier", "priority"], name="sla_policy_tier_priority"),
        ]

    def __str__(self) -> str:
        return f"{self.tier or '*'} {self.priority}"
