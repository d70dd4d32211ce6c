"""The event pages: the list, creating (from a template or an earlier event) and
editing an event, and the event's page with its Plan tab (phases, work items with their
schedule figures, the control steps, dependencies, the Gantt chart, the delay warning).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.crm.events import actions, queries
from kehu.crm.events.forms import (
    DependencyEditForm,
    DependencyForm,
    EventForm,
    NewEventForm,
    PhaseForm,
    WorkItemForm,
)
from kehu.crm.events.gantt import gantt_chart
from kehu.crm.events.models import Dependency, Event, WorkItem
from kehu.crm.events.plan_templates import TEMPLATES
from kehu.crm.lists import list_context, list_filters, render_list
from kehu.crm.validation import Choice, Day, Param, Text, attach_errors

EVENT_FILTERS: dict[str, Param] = {
    "q": Text(),
    "kind": Choice(Event.Kind.values),
    "status": Choice(Event.Status.values),
    "when": Choice(["upcoming", "past"]),
    "since": Day(),
    "until": Day(),
    "sort": Choice(queries.EVENT_SORTS),
}


@login_required
@permission_required("events.view_event", raise_exception=True)
def event_list(request: HttpRequest) -> HttpResponse:
    filters = list_filters(request.GET, EVENT_FILTERS)
    events = queries.filtered_events(**filters)
    context = list_context(
        request, events, filters, "-starts", kinds=Event.Kind.choices, statuses=Event.Status.choices
    )
    return render_list(
        request, "events/event_list.html", "events/partials/event_rows.html", context
    )


def _start_plan(event: Event, plan_from: str, user: Any) -> int:
    """Fill the new event's plan from ``template:<key>`` or ``event:<id>``."""
    kind, _sep, key = plan_from.partition(":")
    if kind == "template" and key in TEMPLATES:
        return actions.apply_template(TEMPLATES[key], event, owner=user)
    if kind == "event" and key.isascii() and key.isdigit():
        source = Event.objects.filter(pk=int(key)).first()
        if source is not None:
            return actions.copy_plan(source, event)
    return 0


def _initial_from(request: HttpRequest) -> dict[str, Any]:
    """``?from=event:<id>`` (the "New event from…" link) picks that plan and kind."""
    plan_from = request.GET.get("from", "")
    initial: dict[str, Any] = {"plan_from": plan_from}
    kind, _sep, key = plan_from.partition(":")
    if kind == "event" and key.isascii() and key.isdigit():
        source = Event.objects.filter(pk=int(key)).first()
        if source is not None:
            initial |= {"kind": source.kind, "venue": source.venue, "city": source.city}
    elif kind == "template" and key in TEMPLATES:
        initial["kind"] = key
    return initial


@login_required
@permission_required("events.add_event", raise_exception=True)
def event_create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = NewEventForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            plan_from = data.pop("plan_from") or ""
            try:
                with transaction.atomic():
                    event = actions.create_event(**data)
                    n = _start_plan(event, plan_from, request.user)
            except ValidationError as e:
                attach_errors(form, e)
            else:
                messages.success(
                    request,
                    _("Event created with %(n)s work items in its plan.") % {"n": n}
                    if n
                    else _("Event created."),
                )
                return redirect(event)
        return render(request, "events/event_form.html", {"form": form, "new": True}, status=422)
    form = NewEventForm(initial={"owner": request.user.pk, **_initial_from(request)})
    return render(request, "events/event_form.html", {"form": form, "new": True})


@login_required
@permission_required("events.change_event", raise_exception=True)
def event_edit(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(Event, pk=pk)
    if request.method == "POST":
        form = EventForm(request.POST, instance=event)
        if form.is_valid():
            try:
                actions.update_event(event, **form.cleaned_data)
            except ValidationError as e:
                attach_errors(form, e)
            else:
                messages.success(request, _("Event saved."))
                return redirect(event)
        event.refresh_from_db()
        context = {"form": form, "event": event}
        return render(request, "events/event_form.html", context, status=422)
    return render(
        request, "events/event_form.html", {"form": EventForm(instance=event), "event": event}
    )


def may_change_item(user: Any, item: WorkItem) -> bool:
    """Planners (who may change events) change any item; others with the right to
    change work items (sales) only the items they own."""
    if user.has_perm("events.change_event"):
        return True
    return bool(user.has_perm("events.change_workitem") and item.owner_id == user.pk)


def _render_plan(
    request: HttpRequest, event: Event, status: int = 200, **forms: Any
) -> HttpResponse:
    plan = queries.event_plan(event)
    planner = request.user.has_perm("events.change_event")
    context = {
        "event": event,
        "plan": plan,
        "gantt": gantt_chart(plan) if plan.rows else None,
        "planner": planner,
        "editable": {
            pk for pk, row in plan.rows.items() if may_change_item(request.user, row.item)
        },
        "dependency_form": forms.get("dependency_form") or DependencyForm(event=event),
        "phase_form": forms.get("phase_form") or PhaseForm(),
        "tab": "plan",
    }
    return render(request, "events/event_detail.html", context, status=status)


@login_required
@permission_required("events.view_event", raise_exception=True)
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_plan(request, get_object_or_404(Event, pk=pk))


@login_required
@permission_required("events.add_phase", raise_exception=True)
@require_POST
def phase_add(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(Event, pk=pk)
    form = PhaseForm(request.POST)
    if form.is_valid():
        try:
            actions.add_phase(event, name=form.cleaned_data["name"])
        except ValidationError as e:
            attach_errors(form, e)
        else:
            return redirect(event)
    return _render_plan(request, event, status=422, phase_form=form)


@login_required
@permission_required("events.add_workitem", raise_exception=True)
def item_add(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(Event, pk=pk)
    if not event.phases.exists():
        messages.error(request, _("Add a phase to the plan first."))
        return redirect(event)
    if request.method == "POST":
        form = WorkItemForm(request.POST, event=event)
        if form.is_valid():
            data = dict(form.cleaned_data)
            phase = data.pop("phase")
            name = data.pop("name")
            try:
                actions.add_work_item(event, phase=phase, name=name, **data)
            except ValidationError as e:
                attach_errors(form, e)
            else:
                messages.success(request, _("Work item added."))
                return redirect(event)
        context = {"form": form, "event": event}
        return render(request, "events/item_form.html", context, status=422)
    initial = {"phase": request.GET.get("phase"), "owner": request.user.pk}
    form = WorkItemForm(event=event, initial=initial)
    return render(request, "events/item_form.html", {"form": form, "event": event})


def _item_or_404(pk: int) -> WorkItem:
    return get_object_or_404(WorkItem.objects.select_related("event", "phase"), pk=pk)


@login_required
@permission_required("events.view_workitem", raise_exception=True)
def item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item_or_404(pk)
    event = item.event
    allowed = may_change_item(request.user, item)
    if request.method == "POST":
        if not allowed:
            raise PermissionDenied
        form = WorkItemForm(request.POST, instance=item, event=event)
        if form.is_valid():
            try:
                actions.update_work_item(item, **form.cleaned_data)
            except ValidationError as e:
                attach_errors(form, e)
            else:
                messages.success(request, _("Work item saved."))
                return redirect(event)
        item.refresh_from_db()
        context = {"form": form, "event": event, "item": item, "allowed": allowed}
        return render(request, "events/item_form.html", context, status=422)
    form = WorkItemForm(instance=item, event=event)
    links = Dependency.objects.filter(successor=item).select_related("predecessor")
    context = {"form": form, "event": event, "item": item, "allowed": allowed, "links": links}
    return render(request, "events/item_form.html", context)


@login_required
@permission_required("events.change_workitem", raise_exception=True)
@require_POST
def item_advance(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item_or_404(pk)
    if not may_change_item(request.user, item):
        raise PermissionDenied
    try:
        actions.advance_step(item)
    except ValidationError as e:
        for message in e.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("“%(item)s” is now at %(step)s.")
            % {"item": item.name, "step": item.get_step_display()},
        )
    return redirect(item.event)


@login_required
@permission_required("events.delete_workitem", raise_exception=True)
@require_POST
def item_delete(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item_or_404(pk)
    event = item.event
    actions.delete_work_item(item)
    messages.success(request, _("Work item deleted."))
    return redirect(event)


@login_required
@permission_required("events.add_dependency", raise_exception=True)
@require_POST
def dependency_add(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(Event, pk=pk)
    form = DependencyForm(request.POST, event=event)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.add_dependency(
                data["predecessor"],
                data["successor"],
                kind=data["kind"],
                lag_days=data["lag_days"] or 0,
            )
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, _("Dependency added."))
            return redirect(event)
    return _render_plan(request, event, status=422, dependency_form=form)


@login_required
@permission_required("events.change_dependency", raise_exception=True)
def dependency_edit(request: HttpRequest, pk: int) -> HttpResponse:
    links = Dependency.objects.select_related("predecessor", "successor__event")
    dependency = get_object_or_404(links, pk=pk)
    event = dependency.successor.event
    form = DependencyEditForm(request.POST or None, instance=dependency)
    context = {"form": form, "event": event, "dependency": dependency}
    if request.method == "POST":
        if form.is_valid():
            try:
                actions.update_dependency(dependency, **form.cleaned_data)
            except ValidationError as e:
                attach_errors(form, e)
            else:
                messages.success(request, _("Dependency saved."))
                return redirect(event)
        return render(request, "events/dependency_form.html", context, status=422)
    return render(request, "events/dependency_form.html", context)


@login_required
@permission_required("events.delete_dependency", raise_exception=True)
@require_POST
def dependency_remove(request: HttpRequest, pk: int) -> HttpResponse:
    dependency = get_object_or_404(Dependency.objects.select_related("successor__event"), pk=pk)
    event = dependency.successor.event
    actions.remove_dependency(dependency)
    messages.success(request, _("Dependency removed."))
    return redirect(event)
