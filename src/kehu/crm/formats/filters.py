"""Template filters for showing values in the locale's format, loaded everywhere as a
template builtin (settings.TEMPLATES)."""

from __future__ import annotations

from datetime import date, datetime

from django import template

register = template.Library()


@register.filter
def as_date(value: object) -> object:
    """An ISO date or timestamp string (as the analytics store them, "2026-06-30") as a
    date, so that ``|date:"SHORT_DATE_FORMAT"`` shows it like every other date; anything
    else unchanged."""
    if isinstance(value, (date, datetime)) or not isinstance(value, str):
        return value
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return value
    return parsed.date() if len(value) == 10 else parsed
