"""``{% load charts %}{% chart chart %}``: draws a :class:`kehu.crm.charts.Chart`.

Registered as the template library ``charts`` in ``settings.TEMPLATES`` (the charts
belong to no app). The first chart of a response also writes the two scripts that draw
it, so a page (or an htmx partial) needs nothing in its ``<head>``.
"""

from __future__ import annotations

from django import template
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from kehu.crm.charts import Chart, cell_text

register = template.Library()


@register.simple_tag(takes_context=True)
def chart(context: template.Context, chart: Chart) -> SafeString:
    request: HttpRequest | None = context.get("request")
    first = request is not None and not getattr(request, "_kehu_chart_scripts", False)
    if request is not None:
        request._kehu_chart_scripts = True  # type: ignore[attr-defined]
    rows = [[cell_text(value) for value in row] for row in chart.table.rows]
    return render_to_string(
        "includes/chart.html",
        {"chart": chart, "rows": rows, "figure_json": chart.figure_json(), "scripts": first},
        request=request,
    )
