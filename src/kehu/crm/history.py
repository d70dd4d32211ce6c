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
    """The most recent changes of ``obj``, newest first, with old and new values.

    A fixed number of queries however long the history: the many-to-many rows of every
    record in one query per field, and the names of related records in one query per
    related model (simple-history's ``diff_against`` would query both per record)."""
    records = list(
        obj.history.select_related("history_user").order_by("-history_date", "-history_id")[
            : limit + 1
        ]
    )
    model = type(obj)
    many = [f.name for f in getattr(obj.history.model, "_history_m2m_fields", [])]
    rows = _m2m_rows(model, records, many)
    raw: list[tuple[Change, list[tuple[str, Any, Any]]]] = []
    for newer, older in zip(records, [*records[1:], None], strict=False):
        if len(raw) == limit:
            break
        change = Change(
            at=newer.history_date,
            by=str(newer.history_user or _("system")),
            kind=newer.history_type,
        )
        deltas: list[tuple[str, Any, Any]] = []
        if older is not None and newer.history_type == "~":
            plain = newer.diff_against(older, excluded_fields=many)
            deltas = [(c.field, c.old, c.new) for c in plain.changes]
            for name in many:
                old, new = rows[name].get(older.pk, []), rows[name].get(newer.pk, [])
                if old != new:
                    deltas.append((name, old, new))
        raw.append((change, deltas))
    names = _names_of(model, [d for _change, deltas in raw for d in deltas])
    for change, deltas in raw:
        change.fields = [
            (
                _label(model, name),
                display_value(model, name, old, names),
                display_value(model, name, new, names),
            )
            for name, old, new in deltas
        ]
    return [change for change, _deltas in raw]


def _m2m_rows(model: type[Model], records: list[Any], many: list[str]) -> dict[str, dict]:
    """Per many-to-many field, each history record's related ids (sorted)."""
    out: dict[str, dict[Any, list[Any]]] = {}
    for name in many:
        f = model._meta.get_field(name)
        through = getattr(records[0], name).model if records else None
        out[name] = {}
        if through is None:
            continue
        pairs = through._default_manager.filter(history__in=[r.pk for r in records])
        for history_id, related_id in pairs.values_list("history", f.m2m_reverse_field_name()):
            out[name].setdefault(history_id, []).append(related_id)
        for ids in out[name].values():
            ids.sort()
    return out


def _names_of(model: type[Model], deltas: list[tuple[str, Any, Any]]) -> dict[type, dict]:
    """The related records every delta refers to, one query per related model."""
    wanted: dict[type[Model], set[Any]] = {}
    for name, old, new in deltas:
        f = _field(model, name)
        if isinstance(f, (ForeignKey, ManyToManyField)):
            ids = wanted.setdefault(f.related_model, set())
            for value in (old, new):
                for v in value if isinstance(value, list) else [value]:
                    v = v.pk if isinstance(v, Model) else v
                    if v not in (None, ""):
                        ids.add(v)
    return {target: target._default_manager.in_bulk(ids) for target, ids in wanted.items()}


def _related_names(
    target: type[Model], ids: list[Any], names: dict[type, dict] | None = None
) -> list[str]:
    """The names of related records in the order of ``ids``; a deleted one as #id."""
    found = (names or {}).get(target)
    if found is None:
        found = target._default_manager.in_bulk([i for i in ids if i is not None])
    return [str(found[i]) if i in found else f"#{i}" for i in ids]


def _many(f: ManyToManyField, rows: list[Any], names: dict[type, dict] | None) -> str:
    """The related records' names of a many-to-many value: ids, or simple-history's
    through-rows (dicts holding both ends' ids)."""
    key = f.m2m_reverse_field_name()
    ids = [row.get(key) if isinstance(row, dict) else row for row in rows]
    return ", ".join(sorted(_related_names(f.related_model, ids, names))) or EMPTY


def display_value(
    model: type[Model], name: str, value: Any, names: dict[type, dict] | None = None
) -> str:
    """``value`` of field ``name`` as the user reads it, in the active language;
    ``names`` holds related records already fetched (by model, then id)."""
    f = _field(model, name)
    if isinstance(f, ManyToManyField) and isinstance(value, list):
        return _many(f, value, names)
    if value in (None, "") or value == []:
        return EMPTY
    if isinstance(f, ForeignKey):
        pk = value.pk if isinstance(value, Model) else value
        return _related_names(f.related_model, [pk], names)[0]
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
