from __future__ import annotations

from django import template
from django.utils.functional import Promise

from kehu.crm.intelligence.labels import label

register = template.Library()


@register.filter
def value_label(value: str) -> str | Promise:
    """The display name of a tier, RFM segment, lifecycle or loyalty stage."""
    return label(value or "")


@register.filter
def percent(value: float | None, digits: int = 0) -> str:
    """0.1234 -> "12%" (or "12.3%" with digits=1); blank for None."""
    if value is None:
        return ""
    return f"{100 * float(value):.{int(digits)}f}%"
