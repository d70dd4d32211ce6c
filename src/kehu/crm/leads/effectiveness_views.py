"""The source and campaign effectiveness page, its chart and its CSV."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

import plotly.graph_objects as go
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from kehu.crm.charts import Chart, ChartTable, link_points, plotly_text, styled
from kehu.crm.leads.effectiveness import Effectiveness, by_campaign, by_source
from kehu.crm.lists import csv_response, list_filters
from kehu.crm.validation import Day, Param

FILTERS: dict[str, Param] = {"since": Day(), "until": Day()}


def _dates(request: HttpRequest) -> dict[str, Any]:
    filters = list_filters(request.GET, FILTERS)
    return {k: date.fromisoformat(v) for k, v in filters.items()}


def conversion_chart(sources: Sequence[Effectiveness]) -> Chart:
    """Leads and converted leads per source; a bar opens the source's leads."""
    labels = [plotly_text(s.label) for s in sources]
    leads = go.Bar(name=_("Leads"), x=labels, y=[s.n_leads for s in sources])
    converted = go.Bar(name=_("Converted"), x=labels, y=[s.n_converted for s in sources])
    urls = [f"{reverse('leads:list')}?source={s.key}" for s in sources]
    link_points(leads, urls)
    link_points(converted, [f"{u}&status=converted" for u in urls])
    figure = go.Figure([leads, converted])
    figure.update_layout(barmode="group")
    figure.update_yaxes(title_text=_("Leads"), rangemode="tozero")
    return Chart(
        key="lead-sources",
        title=_("Leads and conversions by source"),
        figure=styled(figure),
        table=ChartTable(
            headers=[_("Source"), _("Leads"), _("Converted"), _("Conversion rate")],
            rows=[
                [s.label, s.n_leads, s.n_converted, _percent(s.conversion_rate)] for s in sources
            ],
        ),
    )


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


@login_required
@permission_required("leads.view_lead", raise_exception=True)
def effectiveness(request: HttpRequest) -> HttpResponse:
    dates = _dates(request)
    sources = by_source(**dates)
    context = {
        "sources": sources,
        "campaigns": by_campaign(**dates),
        "chart": conversion_chart(sources) if sources else None,
        "filters": {k: v.isoformat() for k, v in dates.items()},
        "querystring": request.GET.urlencode(),
    }
    return render(request, "leads/effectiveness.html", context)


def _csv(sources: list[Effectiveness], campaigns: list[Effectiveness]) -> Iterator[list[Any]]:
    yield [
        "group",
        "key",
        "name",
        "leads",
        "qualified",
        "converted",
        "conversion_rate",
        "cost",
        "cost_per_lead",
        "revenue",
    ]
    for group, rows in (("source", sources), ("campaign", campaigns)):
        for r in rows:
            rate = r.conversion_rate
            yield [
                group,
                r.key,
                r.label,
                r.n_leads,
                r.n_qualified,
                r.n_converted,
                "" if rate is None else round(rate, 4),
                "" if r.cost is None else r.cost,
                "" if r.cost_per_lead is None else r.cost_per_lead,
                r.revenue,
            ]


@login_required
@permission_required("leads.view_lead", raise_exception=True)
def effectiveness_export(request: HttpRequest) -> HttpResponse:
    dates = _dates(request)
    return csv_response("lead-sources", _csv(by_source(**dates), by_campaign(**dates)))
