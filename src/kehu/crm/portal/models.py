"""The customer portal's own records: which contacts may sign in, the one-time sign-in
tokens (an emailed link or a texted code), the sign-in requests the throttle counts,
the tickets opened there and the changes a contact made to their details and consent.

A portal visitor is a :class:`~kehu.crm.customers.models.Contact`, never a staff
``User``: the portal keeps its own session key (``portal_contact_id``)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kehu.crm.model_fields import customer_field, user_field


class PortalAccess(models.Model):
    """A contact's permission to use the portal. Revoking keeps the row (``enabled``
    false) so that the invitation and last sign-in stay on record."""

    contact = models.OneToOneField(
        "customers.Contact",
        verbose_name=_("contact"),
        on_delete=models.CASCADE,
        related_name="portal_access",
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    invited_at = models.DateTimeField(_("invited"), null=True, blank=True)
    invited_by = user_field(_("invited by"), related_name="+")
    last_login_at = models.DateTimeField(_("last sign-in"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("portal access")
        verbose_name_plural = _("portal accesses")

    def __str__(self) -> str:
        return f"{self.contact_id} {'on' if self.enabled else 'off'}"


class SignInToken(models.Model):
    """A one-time sign-in: the link's nonce or the code, kept only as a keyed hash."""

    class Kind(models.TextChoices):
        LINK = "link", _("Email link")
        CODE = "code", _("Text message code")

    access = models.ForeignKey(
        PortalAccess, on_delete=models.CASCADE, related_name="tokens", verbose_name=_("access")
    )
    kind = models.CharField(_("kind"), max_length=4, choices=Kind.choices)
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created"))
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(_("failed attempts"), default=0)

    class Meta:
        verbose_name = _("sign-in token")
        verbose_name_plural = _("sign-in tokens")
        indexes = [models.Index(fields=["access", "kind", "-created_at"], name="portal_token_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.access_id}"


class SignInRequest(models.Model):
    """A request for a link or a code, or a wrong code: what the throttle counts, per
    address asked for (hashed, known or not) and per client address."""

    class Kind(models.TextChoices):
        LINK = "link", _("Email link")
        CODE = "code", _("Text message code")
        FAILED_CODE = "failed_code", _("Wrong code")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    address_hash = models.CharField(max_length=64)
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(_("when"))

    class Meta:
        indexes = [
            models.Index(fields=["address_hash", "at"], name="portal_request_address_idx"),
            models.Index(fields=["ip", "at"], name="portal_request_ip_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M}"


class PortalTicket(models.Model):
    """A ticket opened on the portal, and by which contact."""

    ticket = models.OneToOneField(
        "service.Ticket",
        verbose_name=_("ticket"),
        on_delete=models.CASCADE,
        related_name="portal_origin",
    )
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    rating_comment = models.TextField(_("rating comment"), blank=True)

    class Meta:
        verbose_name = _("ticket from the portal")
        verbose_name_plural = _("tickets from the portal")

    def __str__(self) -> str:
        return str(self.ticket_id)


class PortalChange(models.Model):
    """A change a contact made on the portal to their details or their company's consent."""

    customer = customer_field("portal_changes", on_delete=models.CASCADE)
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    field = models.CharField(_("field"), max_length=40)
    old_value = models.CharField(_("before"), max_length=254, blank=True)
    new_value = models.CharField(_("after"), max_length=254, blank=True)
    at = models.DateTimeField(_("when"))

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("change made on the portal")
        verbose_name_plural = _("changes made on the portal")

    LABELS = {
        "name": _("Name"),
        "email": _("Email"),
        "phone": _("Mobile number"),
        "consent_email": _("News and offers by email"),
        "consent_sms": _("News and offers by text message"),
    }

    def __str__(self) -> str:
        return f"{self.field}: {self.old_value} -> {self.new_value}"

    @property
    def label(self) -> str:
        return str(self.LABELS.get(self.field, self.field))

    def _display(self, value: str) -> str:
        if self.field.startswith("consent_"):
            return str(_("yes") if value == "True" else _("no"))
        return value or "—"

    @property
    def old_display(self) -> str:
        return self._display(self.old_value)

    @property
    def new_display(self) -> str:
        return self._display(self.new_value)
