"""Writes of interactions."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kehu.crm.customers.models import Contact, Customer
from kehu.crm.engagement.models import Interaction
from kehu.crm.unset import UNSET, Unset, set_given
from kehu.crm.validation import validate


def _validate(interaction: Interaction) -> None:
    """The model's checks, and the contact (if any) is one of the customer's own."""
    validate(interaction)
    if (
        interaction.contact_id is not None
        and interaction.contact.customer_id != interaction.customer_id
    ):
        raise ValidationError({"contact": ["this contact belongs to another customer"]})


@transaction.atomic
def log_interaction(
    customer: Customer,
    *,
    channel: str,
    subject: str,
    by: AbstractBaseUser | None = None,
    direction: str = Interaction.Direction.OUTBOUND,
    contact: Contact | None = None,
    body: str = "",
    occurred_at: datetime | None = None,
    duration_minutes: int | None = None,
) -> Interaction:
    """Record a conversation with a customer on any channel.

    ``channel`` is an :class:`~kehu.crm.choices.InteractionChannel`, ``direction``
    inbound or outbound; ``contact`` (one of the customer's own) is who it was with,
    ``by`` who logged it, ``occurred_at`` when (now when None).
    """
    interaction = Interaction(
        customer=customer,
        user=by,
        channel=channel,
        subject=subject,
        direction=direction,
        contact=contact,
        body=body,
        occurred_at=occurred_at or timezone.now(),
        duration_minutes=duration_minutes,
    )
    _validate(interaction)
    interaction.save()
    return interaction


@transaction.atomic
def update_interaction(
    interaction: Interaction,
    *,
    channel: str | Unset = UNSET,
    subject: str | Unset = UNSET,
    direction: str | Unset = UNSET,
    contact: Contact | None | Unset = UNSET,
    body: str | Unset = UNSET,
    occurred_at: datetime | Unset = UNSET,
    duration_minutes: int | None | Unset = UNSET,
) -> Interaction:
    """Correct the fields given of a logged interaction (see :func:`log_interaction`);
    its customer and author stay."""
    set_given(
        interaction,
        channel=channel,
        subject=subject,
        direction=direction,
        contact=contact,
        body=body,
        occurred_at=occurred_at,
        duration_minutes=duration_minutes,
    )
    _validate(interaction)
    interaction.save()
    return interaction


@transaction.atomic
def delete_interaction(interaction: Interaction) -> None:
    interaction.delete()
