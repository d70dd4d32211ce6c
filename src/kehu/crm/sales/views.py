"""Orders, the opportunity pipeline (list, kanban board, detail) and activities."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.crm.accounts.roles import sees_all_customers
from kehu.crm.customers.models import Customer
from kehu.crm.history import changes_of
from kehu.crm.lists import csv_response, csv_rows, list_context, list_filters, render_list
from kehu.crm.sales import actions, queries
from kehu.crm.sales.forms import (
    ActivityForm,
    MoveForm,
    OpportunityForm,
    OrderForm,
    OrderStatusForm,
    customer_or_none,
    line_errors_into,
    order_line_formset,
    original_order_of,
    return_lines_initial,
)
from kehu.crm.sales.models import Activity, Opportunity, Order, SalesChannel
from kehu.crm.sales.pipeline_charts import pipeline_chart, stage_rows
from kehu.crm.validation import Choice, Day, Flag, Id, Param, Text, attach_errors, query_id

# How each list reads its filters: a value outside its choices is a 400 saying what is
# allowed.
ORDER_FILTERS: dict[str, Param] = {
    "q": Text(),
    "status": Choice(Order.Status.values),
    "kind": Choice(Order.Kind.values),
    "channel": Choice(SalesChannel.values),
    "customer": Id(),
    "mine": Flag(),
    "date_from": Day(),
    "date_to": Day(),
    "sort": Choice(queries.ORDER_SORTS),
}
OPPORTUNITY_FILTERS: dict[str, Param] = {
    "q": Text(),
    "stage": Choice(Opportunity.Stage.values),
    "state": Choice(["open", "closed"]),
    "mine": Flag(),
    "customer": Id(),
    "close_from": Day(),
    "close_to": Day(),
    "sort": Choice(queries.OPPORTUNITY_SORTS),
}
BOARD_FILTERS: dict[str, Param] = {"q": Text(), "mine": Flag(), "customer": Id()}
ACTIVITY_FILTERS: dict[str, Param] = {
    "who": Choice(["mine", "all"]),
    "state": Choice(["open", "done", "all"]),
    "overdue": Flag(),
    "kind": Choice(Activity.Kind.values),
    "customer": Id(),
    "opportunity": Id(),
    "sort": Choice(queries.ACTIVITY_SORTS),
}

ORDER_COLUMNS = [
    ("number", lambda o: o.number),
    ("ordered_at", lambda o: o.ordered_at),
    ("customer_code", lambda o: o.customer.code),
    ("customer", lambda o: o.customer.name),
    ("kind", lambda o: o.kind),
    ("status", lambda o: o.status),
    ("channel", lambda o: o.channel),
    ("total_amount", lambda o: o.total_amount),
    ("original_order", lambda o: o.original_order.number if o.original_order else ""),
    ("owner", lambda o: o.owner.username if o.owner else ""),
]
OPPORTUNITY_COLUMNS = [
    ("id", lambda o: o.pk),
    ("name", lambda o: o.name),
    ("customer_code", lambda o: o.customer.code),
    ("customer", lambda o: o.customer.name),
    ("stage", lambda o: o.stage),
    ("probability", lambda o: o.probability),
    ("amount", lambda o: o.amount),
    ("weighted_amount", lambda o: o.weighted_amount),
    ("expected_close_date", lambda o: o.expected_close_date),
    ("owner", lambda o: o.owner.username if o.owner else ""),
    ("source_channel", lambda o: o.source_channel),
    ("competitor", lambda o: o.competitor),
    ("lost_reason", lambda o: o.lost_reason),
    ("created_at", lambda o: o.created_at),
    ("closed_at", lambda o: o.closed_at),
]
ACTIVITY_COLUMNS = [
    ("due_at", lambda a: a.due_at),
    ("kind", lambda a: a.kind),
    ("subject", lambda a: a.subject),
    ("customer_code", lambda a: a.customer.code if a.customer else ""),
    ("customer", lambda a: a.customer.name if a.customer else ""),
    ("opportunity", lambda a: a.opportunity.name if a.opportunity else ""),
    ("owner", lambda a: a.owner.username),
    ("completed_at", lambda a: a.completed_at),
    ("notes", lambda a: a.notes),
]


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return fallback


# Orders


@login_required
@permission_required("sales.view_order", raise_exception=True)
def order_list(request: HttpRequest) -> HttpResponse:
    filters = list_filters(request.GET, ORDER_FILTERS)
    orders = queries.filtered_orders(request.user, **filters)
    context = list_context(
        request,
        orders,
        filters,
        "-date",
        totals=queries.order_totals(orders),
        statuses=Order.Status.choices,
        kinds=Order.Kind.choices,
        channels=SalesChannel.choices,
        customer=customer_or_none(request.user, filters.get("customer")),
    )
    return render_list(request, "sales/order_list.html", "sales/partials/order_rows.html", context)


@login_required
@permission_required("sales.view_order", raise_exception=True)
def order_export(request: HttpRequest) -> HttpResponse:
    orders = queries.filtered_orders(request.user, **list_filters(request.GET, ORDER_FILTERS))
    return csv_response("orders", csv_rows(orders, ORDER_COLUMNS))


def _order_initial(request: HttpRequest) -> tuple[dict[str, Any], Order | None]:
    """The new-order form's initial values from the query string; for a return
    (``?kind=return&original=SO...``) the original order's customer."""
    initial: dict[str, Any] = {"customer": str(query_id(request.GET, "customer") or "")}
    original = None
    if request.GET.get("kind") == Order.Kind.RETURN:
        initial["kind"] = Order.Kind.RETURN
        initial["original_order_number"] = request.GET.get("original", "")
        original = original_order_of(request.user, initial["original_order_number"])
        if original is not None:
            initial["customer"] = original.customer_id
    return initial, original


@login_required
@permission_required("sales.add_order", raise_exception=True)
def order_create(request: HttpRequest) -> HttpResponse:
    initial, original = _order_initial(request)
    if request.method == "POST":
        original = original_order_of(request.user, request.POST.get("original_order_number", ""))
    form = OrderForm(request.POST or None, user=request.user, initial=initial)
    returnable = (
        queries.returnable_lines(original)
        if original is not None and original.can_be_returned
        else None
    )
    lines_initial = (
        return_lines_initial(returnable) if returnable and request.method != "POST" else None
    )
    lines = order_line_formset(request.POST or None, original=original, initial=lines_initial)
    other_errors: list[str] = []
    if request.method == "POST" and all([form.is_valid(), lines.is_valid()]):
        try:
            order = actions.create_order(
                form.cleaned_data["customer"],
                [line.line() for line in lines.filled_forms()],
                by=request.user,
                **form.action_kwargs(),
            )
        except ValidationError as e:
            rest = line_errors_into(lines, getattr(e, "message_dict", {"__all__": e.messages}))
            other_errors = attach_errors(form, ValidationError(rest), keep_rest=True)
        else:
            messages.success(request, _("Order %(number)s created.") % {"number": order.number})
            return redirect(order)
    context = {
        "form": form,
        "lines": lines,
        "other_errors": other_errors,
        "original": original if original is not None and original.can_be_returned else None,
        "returnable": list(returnable.values()) if returnable else [],
    }
    return render(request, "sales/order_form.html", context, status=422 if request.POST else 200)


def _visible_order_or_404(request: HttpRequest, pk: int) -> Order:
    orders = queries.visible_orders(request.user).select_related(
        "customer", "owner", "original_order"
    )
    return get_object_or_404(orders, pk=pk)


@login_required
@permission_required("sales.view_order", raise_exception=True)
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = _visible_order_or_404(request, pk)
    return _render_order(request, order, OrderStatusForm(order=order))


def _render_order(
    request: HttpRequest, order: Order, status_form: OrderStatusForm, status: int = 200
) -> HttpResponse:
    left_to_return = order.can_be_returned and any(
        line.left > 0 for line in queries.returnable_lines(order).values()
    )
    context = {
        "order": order,
        "lines": order.lines.select_related("product"),
        "returns": order.returns.order_by("-ordered_at", "-id"),
        "status_form": status_form,
        "left_to_return": left_to_return,
        # billing's invoices of this order, through the link billing declares (a voided
        # one leaves the order to invoice again)
        "invoices": order.invoices.exclude(status="void"),  # type: ignore[attr-defined]
    }
    return render(request, "sales/order_detail.html", context, status=status)


@login_required
@permission_required("sales.change_order", raise_exception=True)
@require_POST
def order_status(request: HttpRequest, pk: int) -> HttpResponse:
    order = _visible_order_or_404(request, pk)
    form = OrderStatusForm(request.POST, order=order)
    if form.is_valid():
        actions.set_order_status(order, form.cleaned_data["status"])
        messages.success(request, _("Order status: %(s)s.") % {"s": order.get_status_display()})
        return redirect(order)
    return _render_order(request, order, form, status=422)


# Opportunities


@login_required
@permission_required("sales.view_opportunity", raise_exception=True)
def opportunity_list(request: HttpRequest) -> HttpResponse:
    filters = list_filters(request.GET, OPPORTUNITY_FILTERS)
    opportunities = queries.filtered_opportunities(request.user, **filters)
    context = list_context(
        request,
        opportunities,
        filters,
        "close",
        totals=queries.pipeline_totals(opportunities),
        stages=Opportunity.Stage.choices,
        customer=customer_or_none(request.user, filters.get("customer")),
    )
    return render_list(
        request, "sales/opportunity_list.html", "sales/partials/opportunity_rows.html", context
    )


@login_required
@permission_required("sales.view_opportunity", raise_exception=True)
def opportunity_export(request: HttpRequest) -> HttpResponse:
    filters = list_filters(request.GET, OPPORTUNITY_FILTERS)
    opportunities = queries.filtered_opportunities(request.user, **filters)
    return csv_response("opportunities", csv_rows(opportunities, OPPORTUNITY_COLUMNS))


def _board_context(request: HttpRequest, params: QueryDict) -> dict[str, Any]:
    filters = list_filters(params, BOARD_FILTERS)
    opportunities = queries.filtered_opportunities(request.user, **filters)
    query = QueryDict(mutable=True)
    query.update({k: v for k, v in filters.items() if v})
    columns = queries.board_columns(opportunities)
    return {
        "columns": columns,
        "pipeline_chart": pipeline_chart(stage_rows(columns, filters), filters),
        "totals": queries.pipeline_totals(opportunities),
        "filters": filters,
        "querystring": query.urlencode(),
        "stages": Opportunity.Stage.choices,
        "board_url": f"{reverse('sales:opportunity_board')}?{query.urlencode()}",
    }


@login_required
@permission_required("sales.view_opportunity", raise_exception=True)
def opportunity_board(request: HttpRequest) -> HttpResponse:
    context = _board_context(request, request.GET)
    return render_list(
        request, "sales/opportunity_board.html", "sales/partials/board.html", context
    )


@login_required
@permission_required("sales.change_opportunity", raise_exception=True)
@require_POST
def opportunity_move(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity = get_object_or_404(queries.visible_opportunities(request.user), pk=pk)
    form = MoveForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("Unknown stage."), status=400)
    try:
        actions.move_opportunity(opportunity, form.cleaned_data["stage"])
    except ValidationError as e:
        return HttpResponse("; ".join(e.messages), status=400)
    if request.htmx:
        return render(request, "sales/partials/board.html", _board_context(request, request.POST))
    return redirect(_safe_next(request, reverse("sales:opportunity_board")))


def _customer_from_query(request: HttpRequest) -> Customer | None:
    return customer_or_none(request.user, request.GET.get("customer"))


@login_required
@permission_required("sales.add_opportunity", raise_exception=True)
def opportunity_create(request: HttpRequest) -> HttpResponse:
    customer = _customer_from_query(request)
    form = OpportunityForm(
        request.POST or None,
        user=request.user,
        can_assign_owner=sees_all_customers(request.user),
        initial={"customer": customer.pk if customer else None},
    )
    if request.method == "POST" and form.is_valid():
        fields = form.opportunity_fields()
        try:
            opportunity = actions.create_opportunity(
                fields.pop("customer"), by=request.user, **fields
            )
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, _("Opportunity created."))
            return redirect(opportunity)
    return render(request, "sales/opportunity_form.html", {"form": form, "opportunity": None})


@login_required
@permission_required("sales.change_opportunity", raise_exception=True)
def opportunity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity = get_object_or_404(queries.visible_opportunities(request.user), pk=pk)
    picked = request.GET.get("customer") if request.htmx else None  # the contact select follows
    form = OpportunityForm(
        request.POST or None,
        instance=opportunity,
        user=request.user,
        can_assign_owner=sees_all_customers(request.user),
        initial={"customer": picked} if picked else None,
    )
    if request.method == "POST" and form.is_valid():
        opportunity.refresh_from_db()  # the form wrote its values onto the instance
        try:
            actions.update_opportunity(opportunity, **form.opportunity_fields())
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, _("Opportunity saved."))
            return redirect(opportunity)
    context = {"form": form, "opportunity": opportunity}
    return render(request, "sales/opportunity_form.html", context)


@login_required
@permission_required("sales.view_opportunity", raise_exception=True)
def opportunity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity = get_object_or_404(
        queries.visible_opportunities(request.user).select_related("customer", "contact", "owner"),
        pk=pk,
    )
    context = {
        "opportunity": opportunity,
        "activities": opportunity.activities.select_related("owner").order_by("due_at", "id"),
        "history": changes_of(opportunity, limit=50),
        "stages": Opportunity.Stage.choices,
        "now": timezone.now(),
    }
    return render(request, "sales/opportunity_detail.html", context)


# Activities


def _activity_filters(request: HttpRequest) -> dict[str, str]:
    filters = list_filters(request.GET, ACTIVITY_FILTERS)
    filters.setdefault("who", "mine")
    filters.setdefault("state", "open")
    return filters


@login_required
@permission_required("sales.view_activity", raise_exception=True)
def activity_list(request: HttpRequest) -> HttpResponse:
    filters = _activity_filters(request)
    activities = queries.filtered_activities(request.user, **filters)
    context = list_context(
        request,
        activities,
        filters,
        "due",
        kinds=Activity.Kind.choices,
        now=timezone.now(),
    )
    return render_list(
        request, "sales/activity_list.html", "sales/partials/activity_rows.html", context
    )


@login_required
@permission_required("sales.view_activity", raise_exception=True)
def activity_export(request: HttpRequest) -> HttpResponse:
    activities = queries.filtered_activities(request.user, **_activity_filters(request))
    return csv_response("activities", csv_rows(activities, ACTIVITY_COLUMNS))


@login_required
@permission_required("sales.add_activity", raise_exception=True)
def activity_create(request: HttpRequest) -> HttpResponse:
    initial = {k: str(pk) for k in ("customer", "opportunity") if (pk := query_id(request.GET, k))}
    opportunity_pk = initial.get("opportunity", "")
    if opportunity_pk.isdigit() and "customer" not in initial:
        opportunity = queries.visible_opportunities(request.user).filter(pk=int(opportunity_pk))
        initial["customer"] = opportunity.values_list("customer_id", flat=True).first()
    form = ActivityForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            activity = actions.create_activity(owner=request.user, **form.cleaned_data)
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, _("Activity added."))
            fallback = (
                activity.opportunity.get_absolute_url()
                if activity.opportunity
                else reverse("sales:activity_list")
            )
            return redirect(_safe_next(request, fallback))
    context = {"form": form, "next": request.GET.get("next", "")}
    return render(request, "sales/activity_form.html", context)


@login_required
@permission_required("sales.change_activity", raise_exception=True)
@require_POST
def activity_complete(request: HttpRequest, pk: int) -> HttpResponse:
    activities = queries.visible_activities(request.user).select_related(
        "customer", "opportunity", "owner"
    )
    activity = get_object_or_404(activities, pk=pk)
    actions.complete_activity(activity, done=not activity.is_done)
    if request.htmx:
        context = {
            "a": activity,
            "now": timezone.now(),
            "compact": request.POST.get("compact"),
            "next": _safe_next(request, reverse("sales:activity_list")),
        }
        return render(request, "sales/partials/activity_row.html", context)
    return redirect(_safe_next(request, reverse("sales:activity_list")))
