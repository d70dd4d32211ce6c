"""Model fields that the apps declare alike: the link to a customer, to one of its
contacts and to a user, an imported record's key, and amounts of money.

Each function returns a new field, declared as it was in each model (the same
``verbose_name``, ``on_delete``, ``null``/``blank`` and ``related_name``), so that a
model reads ``customer = customer_field("orders", on_delete=models.PROTECT)`` and the
database does not change. Related models are named by label, as Django relates models
across apps: this module sits below every app and imports none.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

#: the validators of an amount that cannot be negative (a price, a cost, an amount)
NOT_NEGATIVE = (MinValueValidator(Decimal("0")),)

_OPTIONAL = {"null": True, "blank": True}


def customer_field(
    related_name: str, *, on_delete: Any, optional: bool = False
) -> models.ForeignKey[Any, Any]:
    """The customer a record belongs to."""
    return models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=on_delete,
        related_name=related_name,
        **(_OPTIONAL if optional else {}),
    )


def contact_field(related_name: str) -> models.ForeignKey[Any, Any]:
    """The customer's contact a record is about, if any (kept when the contact goes)."""
    return models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        on_delete=models.SET_NULL,
        related_name=related_name,
        **_OPTIONAL,
    )


def user_field(
    verbose_name: Any = None, related_name: str | None = None
) -> models.ForeignKey[Any, Any]:
    """A user who owns, handled or decided something, if any: the record stays when the
    user is deleted (``related_name="+"``: no way back from the user)."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        on_delete=models.SET_NULL,
        related_name=related_name,
        **_OPTIONAL,
    )


def source_key_field() -> models.CharField[Any, Any]:
    """The record's key in the file it was imported from ("id:<its id there>" or a hash
    of its natural key): importing the file again finds it instead of doubling it."""
    return models.CharField(max_length=100, editable=False, unique=True, **_OPTIONAL)


def money_field(verbose_name: Any, **options: Any) -> models.DecimalField[Any, Any]:
    """An amount in the company's currency, to the cent (up to 12 digits before the
    point)."""
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, **options)
