"""Change history (who changed what, when) of a record tracked by django-simple-history,
as rows a template can show."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Model


@dataclass
class Change:
    at: datetime
    by: str
    kind: str  # "+" created, "~" changed, "-" deleted
    fields: list[tuple[str, Any, Any]] = field(default_factory=list)


def _label(model: type[Model], name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name)
    except Exception:
        return name


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
            by=str(newer.history_user or "system"),
            kind=newer.history_type,
        )
        if older is not None and newer.history_type == "~":
            delta = newer.diff_against(older)
            change.fields = [
                (
                    _label(model, c.field),
                    _display(model, c.field, c.old),
                    _display(model, c.field, c.new),
                )
                for c in delta.changes
            ]
        result.append(change)
    return result


def _display(model: type[Model], name: str, value: Any) -> Any:
    if isinstance(value, list):  # m2m fields come as lists of through-rows
        return ", ".join(str(v) for v in value) or "–"
    if value in (None, ""):
        return "–"
    try:
        choices = dict(model._meta.get_field(name).flatchoices)
    except Exception:
        return value
    return choices.get(value, value)
