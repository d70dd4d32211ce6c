"""The customer master record: one row per customer, companies and persons alike."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Func
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from kehu.crm.model_fields import customer_field, source_key_field, user_field


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class Customer(models.Model):
    class Kind(models.TextChoices):
        COMPANY = "company", _("Company")
        PERSON = "person", _("Person")

    class Status(models.TextChoices):
        PROSPECT = "prospect", _("Prospect")
        ACTIVE = "active", _("Active")
        INACTIVE = "inactive", _("Inactive")
        LOST = "lost", _("Lost")

    class Channel(models.TextChoices):
        WEB = "web", _("Web")
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("Email")
        SMS = "sms", _("SMS")
        FAX = "fax", _("Fax")
        VISIT = "visit", _("Visit")
        EXHIBITION = "exhibition", _("Exhibition")
        REFERRAL = "referral", _("Referral")
        ADVERTISING = "advertising", _("Advertising")
        PARTNER = "partner", _("Partner")
        OTHER = "other", _("Other")

    code = models.CharField(
        _("customer code"),
        max_length=20,
        unique=True,
        editable=False,
        help_text=_("Unified customer code, the same in every department and channel."),
    )
    external_id = models.CharField(
        _("external id"),
        max_length=100,
        blank=True,
        db_default="",  # bulk writers that do not know the column (the demo loader)
        help_text=_("The customer's id in the system it was imported from."),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.COMPANY)
    name = models.CharField(_("name"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PROSPECT
    )
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=100, blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    website = models.URLField(_("website"), blank=True)
    source_channel = models.CharField(
        _("source channel"), max_length=20, choices=Channel.choices, default=Channel.OTHER
    )
    owner = user_field(_("owner"), related_name="owned_customers")
    consent_email = models.BooleanField(_("may email"), default=False)
    consent_sms = models.BooleanField(_("may text (SMS)"), default=False)
    consent_phone = models.BooleanField(_("may phone"), default=False)
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="customers")
    notes = models.TextField(_("notes"), blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_records",
        help_text=_("Set when a deduplication merged this record into another."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"], m2m_fields=[tags])

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        permissions = [
            ("access_all_customers", "Can see and edit every customer, not only owned ones"),
            ("export_customers", "Can export customer lists"),
        ]
        indexes = [
            models.Index(fields=["name", "id"], name="customer_name_idx"),
            models.Index(fields=["owner", "name", "id"], name="customer_owner_name_idx"),
            models.Index(fields=["status", "name", "id"], name="customer_status_name_idx"),
            models.Index(fields=["country", "name", "id"], name="customer_country_name_idx"),
            models.Index(fields=["-created_at", "id"], name="customer_created_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~models.Q(external_id=""),
                name="customer_external_id_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def get_absolute_url(self) -> str:
        return reverse("customers:detail", args=[self.pk])

    def clean(self) -> None:
        """Consent to a channel needs an address on that channel."""
        errors = {}
        if self.consent_email and not self.email:
            errors["email"] = ValidationError(
                _("Email consent needs an email address."), code="required"
            )
        if (self.consent_sms or self.consent_phone) and not self.phone:
            errors["phone"] = ValidationError(
                _("Phone or SMS consent needs a phone number."), code="required"
            )
        if errors:
            raise ValidationError(errors)


class CustomerSearchTerm(models.Model):
    """Lower-cased words of a customer's name, code, email and phone, so that a search
    is an index range scan instead of a scan of every customer's name."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="search_terms")
    term = models.CharField(max_length=200)

    class Meta:
        indexes = [models.Index(fields=["term", "customer"], name="customer_term_idx")]
        constraints = [
            models.UniqueConstraint(fields=["customer", "term"], name="customer_term_unique")
        ]

    def __str__(self) -> str:
        return self.term


class WithoutMark(Func):
    """``REPLACE(expr, 'mark', '')`` with the mark written into the SQL, not bound as a
    parameter: an expression index is used only by the very same SQL text."""

    template = "REPLACE(%(expressions)s, '%(mark)s', '')"

    def __init__(self, expression: Any, mark: str) -> None:
        if "'" in mark or "%" in mark:
            raise ValueError(f"mark must not contain a quote or %, got {mark!r}")
        super().__init__(expression, mark=mark, output_field=models.CharField())


def contact_expressions() -> dict[str, Any]:
    """Contact email lower-cased and phone as digits only: what search compares, each
    with its own expression index (the same expression, so the index is used)."""
    digits: Any = F("phone")
    for mark in ("(", ")", "+", "-", ".", "/", " "):
        digits = WithoutMark(digits, mark)
    return {"email": Lower("email"), "phone": digits}


class Contact(models.Model):
    customer = customer_field("contacts", on_delete=models.CASCADE)
    name = models.CharField(_("name"), max_length=200)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    department = models.CharField(_("department"), max_length=100, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)
    source_key = source_key_field()
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-is_primary", "name", "id"]
        indexes = [
            models.Index(contact_expressions()["email"], name="contact_email_lower_idx"),
            models.Index(contact_expressions()["phone"], name="contact_phone_digits_idx"),
        ]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return self.name
