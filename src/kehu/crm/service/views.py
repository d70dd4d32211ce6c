"""The service desk: ticket list with a small dashboard, CSV export, open/edit a ticket,
and the ticket page with its workflow, comments, assignment, rating and visits.

Every write goes through ``service.actions``. The actions on the ticket page answer an
htmx request with the refreshed work area (status, actions, event log) and a plain POST
with a redirect; a refused action answers 422 with the reason on the page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.crm.choices import InteractionChannel
from kehu.crm.customers.models import Customer
from kehu.crm.customers.queries import customer_scope, visible_customers
from kehu.crm.history import changes_of
from kehu.crm.lists import (
    csv_response,
    csv_rows,
    list_context,
    list_filters,
    render_list,
    rows_only,
)
from kehu.crm.service import actions, queries, sla
from kehu.crm.service.forms import (
    AssignForm,
    CommentForm,
    RateForm,
    TicketForm,
    TransitionForm,
    VisitRecordForm,
    VisitScheduleForm,
)
from kehu.crm.service.models import TechnicianVisit, Ticket
from kehu.crm.validation import Choice, Flag, Id, Param, Text, attach_errors, query_id

LIST_FILTERS: dict[str, Param] = {  # a value outside its choices is a 400
    "q": Text(),
    "type": Choice(Ticket.Type.values),
    "status": Choice(Ticket.Status.values),
    "priority": Choice(Ticket.Priority.values),
    "channel": Choice(InteractionChannel.values),
    "assignee": Id("me", "unassigned"),
    "open": Flag(),
    "sla": Choice(sla.FLAGS),
    "sort": Choice(queries.SORTABLE_FIELDS),
}
View = Callable[..., HttpResponse]
REFUSED = 422  # the request was understood, but the ticket's state does not allow it

EXPORT_COLUMNS = [
    ("number", lambda t: t.number),
    ("opened_at", lambda t: t.opened_at),
    ("customer_code", lambda t: t.customer.code),
    ("customer", lambda t: t.customer.name),
    ("contact", lambda t: t.contact.name if t.contact else ""),
    ("type", lambda t: t.type),
    ("priority", lambda t: t.priority),
    ("status", lambda t: t.status),
    ("channel", lambda t: t.channel),
    ("subject", lambda t: t.subject),
    ("assignee", lambda t: t.assignee.username if t.assignee else ""),
    ("first_response_at", lambda t: t.first_response_at),
    ("resolved_at", lambda t: t.resolved_at),
    ("closed_at", lambda t: t.closed_at),
    ("satisfaction_score", lambda t: t.satisfaction_score),
    ("sla_tier", lambda t: t.sla_tier),
    ("first_response_due", lambda t: t.first_response_due),
    ("resolution_due", lambda t: t.resolution_due),
]


def duration_text(value: timedelta | None) -> str:
    """A duration as people read it: "45 min", "3 h 20 min", "2 d 4 h"."""
    if value is None:
        return "–"
    minutes = max(0, int(value.total_seconds() // 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)d min") % {"minutes": minutes}


def visible_ticket_or_404(request: HttpRequest, pk: int) -> Ticket:
    tickets = queries.visible_tickets(request.user).select_related(
        "customer", "contact", "order", "assignee"
    )
    return get_object_or_404(tickets, pk=pk)


# ---- list and export ------------------------------------------------------------------


@login_required
@permission_required("service.view_ticket", raise_exception=True)
def ticket_list(request: HttpRequest) -> HttpResponse:
    filters = list_filters(request.GET, LIST_FILTERS)
    tickets = queries.filtered_tickets(request.user, **filters)
    context = list_context(request, tickets, filters, queries.DEFAULT_SORT)
    if not rows_only(request):
        dashboard = queries.dashboard(request.user)
        context.update(
            types=Ticket.Type.choices,
            statuses=Ticket.Status.choices,
            priorities=Ticket.Priority.choices,
            channels=InteractionChannel.choices,
            dashboard=dashboard,
            avg_first_response_text=duration_text(dashboard.avg_first_response),
            avg_resolution_text=duration_text(dashboard.avg_resolution),
        )
    return render_list(request, "service/list.html", "service/partials/ticket_rows.html", context)


@login_required
@permission_required("service.view_ticket", raise_exception=True)
def ticket_export(request: HttpRequest) -> HttpResponse:
    tickets = queries.filtered_tickets(request.user, **list_filters(request.GET, LIST_FILTERS))
    return csv_response("tickets", csv_rows(tickets, EXPORT_COLUMNS))


# ---- create and edit ------------------------------------------------------------------


def _preset_customer(request: HttpRequest) -> Customer | None:
    pk = query_id(request.GET, "customer")  # a 400 for anything but a record id
    if pk is None:
        return None
    return get_object_or_404(visible_customers(request.user), pk=pk)


@login_required
@permission_required("service.add_ticket", raise_exception=True)
def ticket_create(request: HttpRequest) -> HttpResponse:
    customer = _preset_customer(request)
    if request.method != "POST":
        initial = {k: v for k, v in request.GET.items() if k != "customer"}
        form = TicketForm(user=request.user, customer=customer, initial=initial)
        partial = "service/partials/ticket_form_fields.html"
        template = partial if request.htmx else "service/form.html"
        return render(request, template, {"form": form, "ticket": None})
    form = TicketForm(request.POST, user=request.user)
    if form.is_valid():
        fields = dict(form.cleaned_data)
        try:
            ticket = actions.open_ticket(fields.pop("customer"), by=request.user, **fields)
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, _("Ticket %(number)s opened.") % {"number": ticket.number})
            return redirect(ticket)
    return render(request, "service/form.html", {"form": form, "ticket": None}, status=REFUSED)


@login_required
@permission_required("service.change_ticket", raise_exception=True)
def ticket_edit(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = visible_ticket_or_404(request, pk)
    form = TicketForm(request.POST or None, instance=ticket, user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                actions.update_ticket(ticket, by=request.user, **form.cleaned_data)
            except ValidationError as e:
                attach_errors(form, e)
            else:
                messages.success(request, _("Ticket saved."))
                return redirect(ticket)
        status = REFUSED
        ticket.refresh_from_db()
    return render(request, "service/form.html", {"form": form, "ticket": ticket}, status=status)


# ---- the ticket page ------------------------------------------------------------------


def _timers(ticket: Ticket) -> dict[str, str]:
    now = timezone.now()
    if ticket.first_response_at:
        first_response = duration_text(ticket.first_response_at - ticket.opened_at)
    else:
        first_response = _("none yet, waiting %(t)s") % {"t": duration_text(now - ticket.opened_at)}
    if ticket.resolved_at:
        resolution = duration_text(ticket.resolved_at - ticket.opened_at)
    else:
        resolution = _("open for %(t)s") % {"t": duration_text(now - ticket.opened_at)}
    return {"first_response_time": first_response, "resolution_time": resolution}


def _work_context(ticket: Ticket, bound: dict[str, Any]) -> dict[str, Any]:
    """What the work area of the ticket page shows; ``bound`` holds forms that came back
    with errors, so that what the user typed is kept."""
    record_forms = bound.pop("record_forms", {})
    visits = list(queries.ticket_visits(ticket))
    for visit in visits:
        visit.record_form = record_forms.get(visit.pk) or VisitRecordForm(
            prefix=f"visit-{visit.pk}"
        )
    status_labels = dict(Ticket.Status.choices)
    context: dict[str, Any] = {
        "ticket": ticket,
        "events": queries.ticket_events(ticket),
        "visits": visits,
        "transitions": [(s, status_labels[s]) for s in ticket.allowed_transitions()],
        "can_rate": ticket.status in actions.RATEABLE_STATUSES,
        "transition_form": TransitionForm(),
        "comment_form": CommentForm(),
        "assign_form": AssignForm(initial={"assignee": ticket.assignee_id}),
        "rate_form": RateForm(initial={"score": ticket.satisfaction_score}),
        "visit_form": VisitScheduleForm(),
        "history": changes_of(ticket, limit=20),
        **_timers(ticket),
    }
    context.update(bound)
    return context


@login_required
@permission_required("service.view_ticket", raise_exception=True)
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = visible_ticket_or_404(request, pk)
    return render(request, "service/detail.html", _work_context(ticket, {}))


def _form_error_text(form: BaseForm) -> str:
    """The form's errors in one line, each after its field's label."""
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else None
        text = " ".join(str(m) for m in errors)
        parts.append(f"{label}: {text}" if label else text)
    return " ".join(parts)


def _action_error_text(error: ValidationError) -> str:
    texts = {
        "not_resolved": _("Only a resolved or closed ticket can be rated."),
        "invalid_score": _("Choose a score from 1 to 5."),
        "visit_cancelled": _("A cancelled visit cannot be recorded."),
        "invalid_choice": _("That is not a ticket status."),
    }
    return " ".join(texts.get(e.code or "", e.message % (e.params or {})) for e in _leaves(error))


def _leaves(error: ValidationError) -> list[ValidationError]:
    if hasattr(error, "error_dict"):
        return [e for errors in error.error_dict.values() for e in errors]
    return list(error.error_list)


def _done(
    request: HttpRequest,
    ticket: Ticket,
    *,
    notice: str = "",
    error: str = "",
    bound: dict[str, Any] | None = None,
) -> HttpResponse:
    """Answer an action on the ticket page: the refreshed work area for htmx, a redirect
    after success, or the page with the reason (422) after a refusal."""
    if not error and not request.htmx:
        messages.success(request, notice)
        return redirect(ticket)
    ticket.refresh_from_db()
    context = _work_context(ticket, dict(bound or {}))
    context.update(notice=notice, error=error)
    template = "service/partials/ticket_work.html" if request.htmx else "service/detail.html"
    return render(request, template, context, status=REFUSED if error else 200)


def _act(
    request: HttpRequest,
    ticket: Ticket,
    form: BaseForm,
    bound: dict[str, Any],
    act: Callable[[], str],
    refused: Callable[[ValidationError], str] = _action_error_text,
    *,
    refusal_keeps_form: bool = True,
) -> HttpResponse:
    """One action of the ticket page. When ``form`` is valid, ``act`` runs the action and
    returns the notice; an invalid form, or a refusal of the action (``refused`` says
    why), shows the work area again with the ``bound`` forms as the user filled them in
    (after a refusal only with ``refusal_keeps_form``)."""
    if not form.is_valid():
        return _done(request, ticket, error=_form_error_text(form), bound=bound)
    try:
        notice = act()
    except ValidationError as e:
        kept = bound if refusal_keeps_form else None
        return _done(request, ticket, error=refused(e), bound=kept)
    return _done(request, ticket, notice=notice)


def _ticket_page_action(permission: str) -> Callable[[View], View]:
    """What each action of the ticket page requires: a signed-in user with
    ``permission`` (a 403 without it), and a POST."""

    def decorate(view: View) -> View:
        return login_required(
            permission_required(permission, raise_exception=True)(require_POST(view))
        )

    return decorate


def _errors_on_form(form: BaseForm) -> Callable[[ValidationError], str]:
    """A refusal told as the form's errors: the action's errors on their fields."""

    def text(error: ValidationError) -> str:
        attach_errors(form, error)
        return _form_error_text(form)

    return text


@_ticket_page_action("service.change_ticket")
def ticket_transition(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = visible_ticket_or_404(request, pk)
    form = TransitionForm(request.POST)
    labels = dict(Ticket.Status.choices)

    def act() -> str:
        wanted, message = form.cleaned_data["status"], form.cleaned_data["message"]
        actions.change_status(ticket, wanted, by=request.user, message=message)
        return _("Status is now “%(s)s”.") % {"s": labels[wanted]}

    def refused(error: ValidationError) -> str:
        allowed = ", ".join(str(labels[s]) for s in ticket.allowed_transitions())
        return _(
            "A ticket that is “%(current)s” cannot move to “%(wanted)s”; it can move to: "
            "%(allowed)s."
        ) % {
            "current": labels[ticket.status],
            "wanted": labels[form.cleaned_data["status"]],
            "allowed": allowed,
        }

    bound = {"transition_form": form}
    return _act(request, ticket, form, bound, act, refused, refusal_keeps_form=False)


@_ticket_page_action("service.change_ticket")
def ticket_comment(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = visible_ticket_or_404(request, pk)
    form = CommentForm(request.POST)

    def act() -> str:
        to_customer = form.cleaned_data["to_customer"]
        message = form.cleaned_data["message"]
        actions.add_comment(ticket, message, by=request.user, to_customer=to_customer)
        return _("Reply sent to the customer.") if to_customer else _("Internal note added.")

    return _act(request, ticket, form, {"comment_form": form}, act)


@_ticket_page_action("service.change_ticket")
def ticket_assign(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = visible_ticket_or_404(request, pk)
    form = AssignForm(request.POST)

    def act() -> str:
        assignee = form.cleaned_data["assignee"]
        actions.assign(ticket, assignee, by=request.user)
        if assignee is None:
            return _("Ticket unassigned.")
        return _("Assigned to %(user)s.") % {"user": assignee}

    return _act(request, ticket, form, {"assign_form": form}, act)


@_ticket_page_action("service.change_ticket")
def ticket_rate(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = visible_ticket_or_404(request, pk)
    form = RateForm(request.POST)

    def act() -> str:
        actions.rate(ticket, form.cleaned_data["score"], by=request.user)
        return _("Satisfaction recorded.")

    return _act(request, ticket, form, {"rate_form": form}, act)


@_ticket_page_action("service.add_technicianvisit")
def visit_schedule(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = visible_ticket_or_404(request, pk)
    form = VisitScheduleForm(request.POST)

    def act() -> str:
        actions.schedule_visit(ticket, by=request.user, **form.cleaned_data)
        return _("Technician visit scheduled.")

    return _act(request, ticket, form, {"visit_form": form}, act, _errors_on_form(form))


@_ticket_page_action("service.change_technicianvisit")
def visit_record(request: HttpRequest, pk: int) -> HttpResponse:
    visits = TechnicianVisit.objects.filter(customer_scope(request.user, "ticket__customer"))
    visit = get_object_or_404(visits.select_related("ticket__customer"), pk=pk)
    form = VisitRecordForm(request.POST, prefix=f"visit-{visit.pk}")

    def act() -> str:
        actions.record_visit(visit, by=request.user, **form.cleaned_data)
        return _("Visit outcome recorded.")

    return _act(request, visit.ticket, form, {"record_forms": {visit.pk: form}}, act)
