"""``{% load event_plan %}{% item_options plan selected %}``: the ``<option>`` list of a
plan's work items, built once in Python (a plan may have thousands of items; Django's
select widget renders a template per option)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from kehu.crm.events.queries import Plan

register = template.Library()


@register.simple_tag
def item_options(plan: Plan, selected: object = None) -> SafeString:
    chosen = str(selected) if selected not in (None, "") else None
    return format_html(
        '<option value="">---------</option>{}',
        format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (pk, " selected" if str(pk) == chosen else "", row.item.name)
                for _phase, rows in plan.phases
                for row in rows
                for pk in (row.item.pk,)
            ),
        ),
    )
