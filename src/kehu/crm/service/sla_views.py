"""The service-level page: attainment of first-response and resolution targets over a
period, by customer tier, ticket type and agent, beside the policies and the business
calendar in force (administrators edit them in the admin)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from kehu.crm.lists import list_filters
from kehu.crm.service import sla, sla_charts, sla_queries
from kehu.crm.service.models import BusinessCalendar, Holiday, SlaPolicy, Ticket
from kehu.crm.validation import Choice, Param

FILTERS: dict[str, Param] = {"days": Choice(sla_queries.PERIODS)}  # else a 400
TIER_ORDER = (*sla.TIERS, "")  # any tier last


def _tier_labels() -> dict[str, str]:
    labels = {tier: _(tier) for tier in TIER_ORDER if tier}
    labels[""] = _("No tier")
    return labels


@login_required
@permission_required("service.view_ticket", raise_exception=True)
def sla_dashboard(request: HttpRequest) -> HttpResponse:
    filters = list_filters(request.GET, FILTERS)
    days = filters.get("days") or sla_queries.DEFAULT_PERIOD
    tier_labels = _tier_labels()
    figures = sla_queries.attainment(
        request.user, days=int(days), tier_labels=tier_labels, unassigned=_("Unassigned")
    )
    policies = sorted(
        SlaPolicy.objects.all(),
        key=lambda p: (
            TIER_ORDER.index(p.tier) if p.tier in TIER_ORDER else len(TIER_ORDER),
            p.tier,
            -Ticket.Priority.values.index(p.priority),
        ),
    )
    calendar = BusinessCalendar.objects.order_by("pk").first() or BusinessCalendar()
    periods = sla_charts.attainment_by_period(request.user, days=int(days), now=figures.until)
    charts = [
        sla_charts.over_time_chart(periods, sla_charts.period_kind(int(days))),
        sla_charts.by_tier_chart(figures.by_tier),
    ]
    context = {
        "days": days,
        "periods": sla_queries.PERIODS,
        "figures": figures,
        "charts": [chart for chart in charts if chart is not None],
        "tables": [
            (_("By customer tier"), figures.by_tier),
            (_("By ticket type"), figures.by_type),
            (_("By agent"), figures.by_agent),
        ],
        "policies": [(p, tier_labels.get(p.tier, p.tier)) for p in policies],
        "now": sla_queries.flag_counts(request.user),
        "calendar": calendar,
        "weekdays": [
            calendar._meta.get_field(name).verbose_name
            for name in BusinessCalendar.WEEKDAY_FIELDS
            if getattr(calendar, name)
        ],
        "holidays": Holiday.objects.filter(date__gte=figures.until.date())[:10],
    }
    return render(request, "service/sla_dashboard.html", context)
