"""The check every action runs before it saves a record."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db.models import Model


def validate(instance: Model, exclude: Iterable[str] | None = None) -> None:
    """``full_clean`` plus what it lets through: ``None`` in a column that cannot be NULL.

    Django skips validation of empty values in ``blank=True`` text fields, so a ``None``
    there would reach the database and fail as an IntegrityError (a 500 for a user).
    """
    skipped = set(exclude or ())
    nulls = {
        field.name: ValidationError("this field cannot be null", code="null")
        for field in instance._meta.concrete_fields
        if not field.null
        and not field.primary_key
        and field.name not in skipped
        and getattr(instance, field.attname) is None
        and not getattr(field, "auto_now", False)
        and not getattr(field, "auto_now_add", False)
    }
    if nulls:
        raise ValidationError(nulls)
    instance.full_clean(exclude=list(skipped) or None)
