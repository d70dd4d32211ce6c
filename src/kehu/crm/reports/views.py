"""The reports pages: the list of ready-made reports, the pivot explorer and its
exports, and building the warehouse on demand.

The warehouse holds every customer, so these pages are for those who see every
customer (managers, service, marketing, analysts, administrators); a sales user
without manager rights gets the 403 page and no menu entry.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kehu.crm.intelligence import warehouse
from kehu.crm.reports import controls, exports, presets, state
from kehu.crm.reports.access import can_build, open_engine, require_viewer
from kehu.crm.reports.pivot_chart import pivot_chart
from kehu.crm.reports.table import PivotTable, build
from kehu.crm.sales.models import OrderLine
from kehu.insight import olap
from kehu.insight.errors import InsightError

logger = logging.getLogger(__name__)
# A store this small is built while the page waits (a second or two on the demo's 41,000
# lines); a larger one in the background, since a million customers take minutes.
BUILD_WHILE_WAITING_LINES = 500_000


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    require_viewer(request)
    engine = open_engine()
    last_sale = None
    if engine is not None:
        with engine:
            last_sale = olap.date_span(engine)[1]
    context = {
        "reports": presets.reports(last_sale),
        "last_build": warehouse.last_build(),
        "building": warehouse.is_building(),
        "can_build": can_build(request.user),
    }
    return render(request, "reports/index.html", context)


def _pivot(request: HttpRequest) -> tuple[dict[str, Any], int, PivotTable | None]:
    """What the explorer shows for this request, the HTTP status, and the table (None
    when there is none: a bad parameter, no warehouse)."""
    context: dict[str, Any] = {
        "can_build": can_build(request.user),
        "last_build": warehouse.last_build(),
        "building": warehouse.is_building(),
        "base_url": reverse("reports:explore"),
    }
    try:
        query = state.read(request.GET)
    except olap.PivotError as e:
        context |= {"error": state.error_message(e), "error_detail": str(e)}
        context["controls"] = controls.from_params(request.GET)
        return context, 400, None
    context["query"] = query
    context["controls"] = controls.from_query(query)
    engine = open_engine()
    if engine is None:
        context["not_built"] = True
        return context, 200, None
    with engine:
        try:
            result = olap.run_pivot(engine, query)
        except olap.PivotError as e:
            context |= {"error": state.error_message(e), "error_detail": str(e)}
            return context, 400, None
        context |= controls.filter_context(engine, query, request.GET)
    sort = state.read_sort(query, request.GET)
    table = build(
        result,
        drill=lambda level, member: state.drill_down_querystring(query, level, member),
        up=lambda level: state.drill_up_querystring(query, level),
        sort=sort,
    )
    table.sort_links = state.sort_links(query, sort, table.value_columns)
    context["table"] = table
    context["chart"] = pivot_chart(table, query.measures, context["base_url"])
    context["querystring"] = state.with_sort(state.querystring(query), sort)
    context["swap"] = state.swap_querystring(query)
    return context, 200, table


@login_required
@require_GET
def explore(request: HttpRequest) -> HttpResponse:
    require_viewer(request)
    context, status, _table = _pivot(request)
    return render(request, "reports/explore.html", context, status=status)


def _export(request: HttpRequest, kind: str) -> HttpResponse:
    require_viewer(request)
    context, status, table = _pivot(request)
    if table is None:
        if status == 200:  # never built: nothing to export
            status = 409
        return render(request, "reports/explore.html", context, status=status)
    if kind == "csv":
        return exports.csv_of(table, "pivot")
    return exports.xlsx_of(table, "pivot", _("Pivot"))


@login_required
@require_GET
def export_csv(request: HttpRequest) -> HttpResponse:
    return _export(request, "csv")


@login_required
@require_GET
def export_xlsx(request: HttpRequest) -> HttpResponse:
    return _export(request, "xlsx")


@login_required
@require_POST
def build_now(request: HttpRequest) -> HttpResponse:
    """Build the warehouse now (analysts and administrators, who run the analysis)."""
    if not can_build(request.user):
        raise PermissionDenied
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = reverse("reports:index")
    if warehouse.is_building():
        messages.info(request, _("The sales warehouse is being built; reload in a while."))
        return redirect(back)
    if OrderLine.objects.count() > BUILD_WHILE_WAITING_LINES:
        warehouse.launch_build()
        messages.success(
            request,
            _(
                "The sales warehouse is being built in the background (minutes for a large "
                "database); the reports read the new build when it is done."
            ),
        )
        return redirect(back)
    try:
        built = warehouse.build_warehouse()
    except (InsightError, OSError) as e:  # a step failed, or the disk: keep the last build
        logger.exception("building the sales warehouse failed")
        reason = getattr(e, "reason", None) or str(e)
        messages.error(
            request, _("The sales warehouse could not be built: %(reason)s") % {"reason": reason}
        )
    else:
        messages.success(
            request, _("The sales warehouse was built: %(n)s sales lines.") % {"n": _count(built)}
        )
    return redirect(back)


def _count(built: warehouse.WarehouseBuild) -> str:
    return number_format(built.rows.get("fact_sales", 0), force_grouping=True)
