"""Figures as the performance pages write them, in the page's language; a dash where
there is nothing to count (no deal closed, no target set)."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.formats import number_format

register = template.Library()

DASH = "—"


@register.filter
def rate(value: float | None) -> str:
    """A share as a percent with no decimals ("65%")."""
    return DASH if value is None else f"{number_format(value * 100, 0)}%"


@register.filter
def money(value: Decimal | None) -> str:
    return DASH if value is None else number_format(value, 2, force_grouping=True)


@register.filter
def one_decimal(value: float | None) -> str:
    return DASH if value is None else number_format(value, 1, force_grouping=True)
