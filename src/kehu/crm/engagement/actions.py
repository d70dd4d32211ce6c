"""Writes of interactions."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kehu.crm.customers.models import Customer
from kehu.crm.engagement.models import Interaction
from kehu.crm.validation import validate


@transaction.atomic
def log_interaction(
    customer: Customer, *, by: AbstractBaseUser | None = None, **fields: Any
) -> Interaction:
    """Record a conversation with a customer on any channel."""
    fields.setdefault("occurred_at", timezone.now())
    interaction = Interaction(customer=customer, user=by, **fields)
    validate(interaction)
    if interaction.contact_id is not None and interaction.contact.customer_id != customer.pk:
        raise ValidationError({"contact": ["this contact belongs to another customer"]})
    interaction.save()
    return interaction


@transaction.atomic
def update_interaction(interaction: Interaction, **fields: Any) -> Interaction:
    """Correct a logged interaction (its customer stays)."""
    fields.pop("customer", None)
    for name, value in fields.items():
        setattr(interaction, name, value)
    validate(interaction)
    if (
        interaction.contact_id is not None
        and interaction.contact.customer_id != interaction.customer_id
    ):
        raise ValidationError({"contact": ["this contact belongs to another customer"]})
    interaction.save()
    return interaction


@transaction.atomic
def delete_interaction(interaction: Interaction) -> None:
    interaction.delete()
