"""Every conversation with a customer, whatever the channel."""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kehu.crm.choices import InteractionChannel
from kehu.crm.model_fields import contact_field, customer_field, source_key_field, user_field


class Interaction(models.Model):
    class Direction(models.TextChoices):
        INBOUND = "inbound", _("Inbound")
        OUTBOUND = "outbound", _("Outbound")

    customer = customer_field("interactions", on_delete=models.CASCADE)
    contact = contact_field("interactions")
    channel = models.CharField(_("channel"), max_length=20, choices=InteractionChannel.choices)
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, default=Direction.OUTBOUND
    )
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("notes"), blank=True)
    occurred_at = models.DateTimeField(_("when"))
    duration_minutes = models.PositiveIntegerField(
        _("duration (minutes)"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    user = user_field(_("by"), related_name="interactions")
    source_key = source_key_field()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        indexes = [
            models.Index(fields=["customer", "-occurred_at"], name="interaction_customer_idx"),
            models.Index(fields=["channel", "-occurred_at"], name="interaction_channel_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()}: {self.subject}"
