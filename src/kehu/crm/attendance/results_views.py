"""The results tab of an event (``events:results``): the funnel, the survey, the costs
(entered here) against the revenue and pipeline, the follow-up button, and the lists
behind each chart (``events:results_list``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kehu.crm.attendance import followup, results
from kehu.crm.attendance.models import EventCost, Participant
from kehu.crm.attendance.results_charts import funnel_chart, money_chart, satisfaction_chart
from kehu.crm.events.models import Event
from kehu.crm.lists import list_filters, page_of, querystring_without
from kehu.crm.validation import Choice, Param, attach_errors

WINDOWS = ("30", "60", "90", "180", "365")
RESULTS_FILTERS: dict[str, Param] = {"days": Choice(WINDOWS)}
LIST_FILTERS: dict[str, Param] = {
    "days": Choice(WINDOWS),
    "rating": Choice([str(r) for r in results.RATINGS]),
    "stage": Choice(["invited", "registered", "checked_in"]),
}
LISTS = {
    "participants": gettext_lazy("Participants"),
    "responses": gettext_lazy("Survey answers"),
    "orders": gettext_lazy("Orders after the event"),
    "opportunities": gettext_lazy("Opportunities opened"),
    "leads": gettext_lazy("Leads captured at the event"),
}


class CostForm(forms.Form):
    category = forms.ChoiceField(label=gettext_lazy("Category"), choices=EventCost.Category)
    amount = forms.DecimalField(
        label=gettext_lazy("Amount"), max_digits=14, decimal_places=2, min_value=0
    )
    note = forms.CharField(label=gettext_lazy("Note"), max_length=200, required=False)


class FollowUpForm(forms.Form):
    exhibitors = forms.BooleanField(
        label=gettext_lazy("Exhibitors too"), required=False, initial=False
    )
    survey = forms.BooleanField(
        label=gettext_lazy("Email the satisfaction survey"), required=False, initial=True
    )
    due_days = forms.IntegerField(
        label=gettext_lazy("Activities due in (days)"),
        min_value=0,
        max_value=90,
        initial=followup.DUE_DAYS,
    )


def _days(request: HttpRequest, spec: dict[str, Param]) -> tuple[dict[str, str], int]:
    filters = list_filters(request.GET, spec)
    return filters, int(filters.get("days", results.WINDOW_DAYS))


def _render(
    request: HttpRequest,
    event: Event,
    days: int,
    cost_form: CostForm | None = None,
    follow_form: FollowUpForm | None = None,
    status: int = 200,
) -> HttpResponse:
    data = results.event_results(event, days)
    costs = list(EventCost.objects.filter(event=event))
    audience = followup.follow_up_audience(event)
    unassigned = audience.filter(customer__isnull=True, lead__isnull=True)
    context: dict[str, Any] = {
        "event": event,
        "tab": "results",
        "r": data,
        "days": days,
        "windows": WINDOWS,
        "costs": costs,
        "charts": [funnel_chart(data), satisfaction_chart(data), money_chart(data)],
        "cost_form": cost_form or CostForm(),
        "follow_form": follow_form or FollowUpForm(),
        "n_audience": audience.count(),
        "unassigned": list(unassigned[:50]),
        "n_unassigned": unassigned.count(),
    }
    return render(request, "attendance/results.html", context, status=status)


@login_required
@permission_required("attendance.view_eventcost", raise_exception=True)
def event_results(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(Event, pk=pk)
    _filters, days = _days(request, RESULTS_FILTERS)
    return _render(request, event, days)


@login_required
@permission_required("attendance.add_eventcost", raise_exception=True)
@require_POST
def cost_add(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(Event, pk=pk)
    form = CostForm(request.POST)
    if form.is_valid():
        try:
            cost = followup.add_cost(event, **form.cleaned_data)
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(
                request,
                _("%(category)s: %(amount)s added to the costs.")
                % {"category": cost.get_category_display(), "amount": cost.amount},
            )
            return redirect(reverse("events:results", args=[event.pk]) + "#costs")
    return _render(request, event, results.WINDOW_DAYS, cost_form=form, status=422)


@login_required
@permission_required("attendance.delete_eventcost", raise_exception=True)
@require_POST
def cost_delete(request: HttpRequest, pk: int, cost_pk: int) -> HttpResponse:
    cost = get_object_or_404(EventCost, pk=cost_pk, event_id=pk)
    followup.delete_cost(cost)
    messages.success(request, _("Cost removed."))
    return redirect(reverse("events:results", args=[pk]) + "#costs")


@login_required
@permission_required("attendance.add_followup", raise_exception=True)
@require_POST
def follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(Event, pk=pk)
    form = FollowUpForm(request.POST)
    if form.is_valid():
        try:
            done = followup.create_follow_up(event, by=request.user, **form.cleaned_data)
        except ValidationError as e:
            for message in attach_errors(form, e, keep_rest=True):
                messages.error(request, message)
        else:
            f = done.follow_up
            messages.success(
                request,
                _(
                    "Follow-up created: %(activities)s activities for the customers' owners, "
                    "%(leads)s for leads, %(invitations)s survey invitations sent."
                )
                % {
                    "activities": f.n_activities,
                    "leads": f.n_lead_activities,
                    "invitations": f.n_invitations,
                },
            )
            if done.survey_error:
                messages.error(request, done.survey_error)
            return redirect("events:results", pk=event.pk)
    return _render(request, event, results.WINDOW_DAYS, follow_form=form, status=422)


def _rows(event: Event, what: str, filters: dict[str, str], days: int) -> QuerySet[Any]:
    if what == "participants":
        stage = filters.get("stage", "invited")
        rows: QuerySet[Any] = results.funnel_participants(event, stage)
        return rows.select_related("customer").order_by("name", "pk")
    if what == "responses":
        answers = results.responses(event).select_related("participant")
        if "rating" in filters:
            answers = answers.filter(rating=int(filters["rating"]))
        return answers
    if what == "orders":
        return (
            results.revenue_orders(event, days)
            .select_related("customer")
            .order_by("-ordered_at", "-pk")
        )
    if what == "opportunities":
        return (
            results.pipeline_opportunities(event, days)
            .select_related("customer")
            .order_by("-created_at", "-pk")
        )
    return results.event_leads(event).select_related("owner").order_by("name", "pk")


@login_required
@permission_required("attendance.view_eventcost", raise_exception=True)
def results_list(request: HttpRequest, pk: int, what: str) -> HttpResponse:
    if what not in LISTS:
        raise Http404(what)
    event = get_object_or_404(Event, pk=pk)
    filters, days = _days(request, LIST_FILTERS)
    _start, end = results.window(event, days)
    context = {
        "event": event,
        "tab": "results",
        "what": what,
        "title": LISTS[what],
        "filters": filters,
        "days": days,
        "window_end": (end - timedelta(days=1)).date(),
        "page": page_of(request, _rows(event, what, filters, days)),
        "querystring": querystring_without(request, "page"),
        "stages": dict(Participant.Status.choices),
    }
    return render(request, "attendance/results_list.html", context)
