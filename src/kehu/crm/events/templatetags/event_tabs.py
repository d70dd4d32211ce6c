"""``{% load event_tabs %}{% optional_url "events:participants" event.pk as url %}``:
the URL of a page another app may add to the ``events`` namespace, or "" when no
installed app provides it (the event page shows only the tabs that resolve)."""

from __future__ import annotations

from django import template
from django.urls import NoReverseMatch, reverse

register = template.Library()


@register.simple_tag
def optional_url(name: str, *args: object) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""
