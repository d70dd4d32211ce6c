"""Change history (who changed what, when) of a record tracked by django-simple-history,
as rows a template can show: field labels and values as a user reads them (tag names,
usernames, choice labels, yes/no, numbers and dates in the user's locale), never raw
keys, ids or the rows of a many-to-many table."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Field, ForeignKey, ManyToManyField, Model
from django.template.defaultfilters import yesno
from django.utils import formats
from django.utils.translation import gettext as _

EMPTY = "–"


@dataclass
class Change:
    at: datetime
    by: str
    kind: str  # "+" created, "~" changed, "-" deleted
    fields: list[tuple[str, Any, Any]] = field(default_factory=list)


def _field(model: type[Model], name: str) -> Field | None:
    try:
        return model._meta.get_field(name)  # type: ignore[return-value]
    except FieldDoesNotExist:
        return None


def _label(model: type[Model], name: str) -> str:
    f = _field(model, name)
    return str(f.verbose_name) if f is not None else name.replace("_", " ")


def changes_of(obj: Model, limit: int = 50) -> list[Change]:
    """The most recent changes of ``obj``, newest first, with old and new values."""
    records = list(
        obj.history.select_related("history_user").order_by("-history_date", "-history_id")[
            : limit + 1
        ]
    )
    model = type(obj)
    result: list[Change] = []
    for newer, older in zip(records, [*records[1:], None], strict=False):
        if len(result) == limit:
            break
        change = Change(
            at=newer.history_date,
            by=str(newer.history_user or _("system")),
            kind=newer.history_type,
        )
        if older is not None and newer.history_type == "~":
            delta = newer.diff_against(older)
            change.fields = [
                (
                    _label(model, c.field),
                    display_value(model, c.field, c.old),
                    display_value(model, c.field, c.new),
                )
                for c in delta.changes
            ]
        result.append(change)
    return result


def _related_names(target: type[Model], ids: list[Any]) -> list[str]:
    """The names of related records in the order of ``ids``; a deleted one as #id."""
    found = target._default_manager.in_bulk([i for i in ids if i is not None])
    return [str(found[i]) if i in found else f"#{i}" for i in ids]


def _many(f: ManyToManyField, rows: list[Any]) -> str:
    """simple-history gives an m2m field's value as its through-rows (dicts holding both
    ends' ids): show the related records' names."""
    key = f.m2m_reverse_field_name()
    ids = [row.get(key) if isinstance(row, dict) else row for row in rows]
    return ", ".join(sorted(_related_names(f.related_model, ids))) or EMPTY


def display_value(model: type[Model], name: str, value: Any) -> str:
    """``value`` of field ``name`` as the user reads it, in the active language."""
    f = _field(model, name)
    if isinstance(f, ManyToManyField) and isinstance(value, list):
        return _many(f, value)
    if value in (None, "") or value == []:
        return EMPTY
    if isinstance(f, ForeignKey):
        pk = value.pk if isinstance(value, Model) else value
        return _related_names(f.related_model, [pk])[0]
    if f is not None and f.flatchoices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(value, bool):
        return yesno(value)
    if isinstance(value, datetime):
        return formats.date_format(value, "SHORT_DATETIME_FORMAT")
    if isinstance(value, date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, (int, float, Decimal)):
        return formats.number_format(value, use_l10n=True, force_grouping=True)
    return str(value)
