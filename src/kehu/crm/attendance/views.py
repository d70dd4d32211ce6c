"""The staff pages of an event's participants (under /events/<id>/, in the ``events``
namespace): the list with its filters and export, adding a participant, a participant's
page (status, badge, a conversation at the booth, making them a customer), and the
invitations through a campaign. Booths are in ``booth_views``, the door in
``checkin_views``, the public registration in ``public_views``."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import uri_to_iri
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.crm.attendance import actions, queries
from kehu.crm.attendance.badges import qr_svg
from kehu.crm.attendance.forms import (
    ConversationForm,
    InvitationForm,
    ParticipantForm,
    ParticipantStatusForm,
)
from kehu.crm.attendance.invitations import invite, registration_url
from kehu.crm.attendance.models import Participant
from kehu.crm.customers.models import Contact
from kehu.crm.customers.queries import visible_customers
from kehu.crm.events.models import Event
from kehu.crm.lists import csv_response, csv_rows, list_context, list_filters, render_list
from kehu.crm.validation import Choice, Param, Text, attach_errors

PARTICIPANT_FILTERS: dict[str, Param] = {
    "q": Text(),
    "kind": Choice(Participant.Kind.values),
    "status": Choice(Participant.Status.values),
    "sort": Choice(list(queries.PARTICIPANT_SORTS)),
}
PARTICIPANT_COLUMNS = [
    ("name", lambda p: p.name),
    ("company", lambda p: p.company),
    ("email", lambda p: p.email),
    ("phone", lambda p: p.phone),
    ("kind", lambda p: p.kind),
    ("status", lambda p: p.status),
    ("badge_code", lambda p: p.badge_code),
    ("customer_code", lambda p: p.customer.code if p.customer else ""),
    ("customer", lambda p: p.customer.name if p.customer else ""),
    ("contact", lambda p: p.contact.name if p.contact else ""),
    ("lead", lambda p: p.lead_id or ""),
    ("source", lambda p: p.source),
    ("registered_at", lambda p: p.registered_at),
    ("checked_in_at", lambda p: p.checked_in_at),
]


def event_or_404(pk: int) -> Event:
    return get_object_or_404(Event, pk=pk)


def participant_or_404(event: Event, pk: int) -> Participant:
    rows = event.participants.select_related("customer", "contact", "lead", "event")
    return get_object_or_404(rows, pk=pk)


@login_required
@permission_required("attendance.view_participant", raise_exception=True)
def participant_list(request: HttpRequest, pk: int) -> HttpResponse:
    event = event_or_404(pk)
    filters = list_filters(request.GET, PARTICIPANT_FILTERS)
    rows = queries.filtered_participants(event, **filters)
    context = list_context(
        request,
        rows,
        filters,
        "name",
        event=event,
        counts=queries.participant_counts(event),
        kinds=Participant.Kind.choices,
        statuses=Participant.Status.choices,
        registration_url=uri_to_iri(registration_url(event)),
    )
    return render_list(
        request,
        "attendance/participant_list.html",
        "attendance/partials/participant_rows.html",
        context,
    )


@login_required
@permission_required("attendance.view_participant", raise_exception=True)
def participant_export(request: HttpRequest, pk: int) -> HttpResponse:
    event = event_or_404(pk)
    filters = list_filters(request.GET, PARTICIPANT_FILTERS)
    rows = queries.filtered_participants(event, **filters)
    return csv_response(f"participants-{event.slug}", csv_rows(rows, PARTICIPANT_COLUMNS))


def _with_primary_contact(params: QueryDict) -> QueryDict:
    """The picker's reload with the picked customer's primary contact chosen, when no
    contact is: who comes for a company is usually its main contact."""
    customer = params.get("customer", "")
    if (
        params.get("contact")
        or not (customer.isascii() and customer.isdigit())
        or int(customer) >= 2**63
    ):
        return params
    primary = Contact.objects.filter(customer_id=int(customer), is_primary=True).first()
    data = params.copy()
    data["contact"] = str(primary.pk) if primary else ""
    return data


@login_required
@permission_required("attendance.add_participant", raise_exception=True)
def participant_add(request: HttpRequest, pk: int) -> HttpResponse:
    event = event_or_404(pk)
    posted = request.method == "POST"
    form = ParticipantForm(request.POST if posted else None, user=request.user)
    if not posted and request.GET:  # the picker reloads the contacts of a customer
        form = ParticipantForm(_with_primary_contact(request.GET), user=request.user)
        form.errors.clear()
    if posted and form.is_valid():
        try:
            participant = actions.add_participant(event, **form.cleaned_data)
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(
                request,
                _("%(name)s added, badge %(code)s.")
                % {"name": participant.name, "code": participant.badge_code},
            )
            return redirect("events:participant", event.pk, participant.pk)
    context = {"event": event, "form": form}
    return render(
        request, "attendance/participant_form.html", context, status=422 if posted else 200
    )


def _start_of(event: Event) -> datetime:
    return timezone.make_aware(datetime.combine(event.starts_on, time.min))


def _sees_customer(request: HttpRequest, participant: Participant) -> bool:
    """Whether the user may see the participant's customer (and so its timeline)."""
    customers = visible_customers(request.user)
    return customers.filter(pk=participant.customer_id).exists()


def _render_participant(
    request: HttpRequest, participant: Participant, form: ConversationForm | None = None
) -> HttpResponse:
    from kehu.crm.engagement.models import Interaction

    sees_customer = participant.customer_id is not None and _sees_customer(request, participant)
    conversations = (
        Interaction.objects.filter(
            customer_id=participant.customer_id,
            channel="exhibition",
            # since the event began, or the participant joined it (an exhibitor
            # talks to customers before the fair too)
            occurred_at__gte=min(participant.created_at, _start_of(participant.event)),
        ).order_by("-occurred_at")[:20]
        if sees_customer
        else []
    )
    context = {
        "event": participant.event,
        "participant": participant,
        "form": form or ConversationForm(),
        "status_form": ParticipantStatusForm(initial={"status": participant.status}),
        "conversations": conversations,
        "sees_customer": sees_customer,
        "checked_in_time": actions.checked_in_time(participant),
    }
    return render(
        request,
        "attendance/participant_detail.html",
        context,
        status=422 if form is not None else 200,
    )


@login_required
@permission_required("attendance.view_participant", raise_exception=True)
def participant_detail(request: HttpRequest, pk: int, participant_pk: int) -> HttpResponse:
    return _render_participant(request, participant_or_404(event_or_404(pk), participant_pk))


@login_required
@permission_required("attendance.change_participant", raise_exception=True)
@require_POST
def participant_status(request: HttpRequest, pk: int, participant_pk: int) -> HttpResponse:
    participant = participant_or_404(event_or_404(pk), participant_pk)
    form = ParticipantStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(m for ms in form.errors.values() for m in ms))
    else:
        try:
            actions.set_status(participant, status=form.cleaned_data["status"])
        except ValidationError as e:
            messages.error(request, " ".join(e.messages))
        else:
            participant.refresh_from_db()
            messages.success(
                request,
                _("%(name)s: %(status)s.")
                % {"name": participant.name, "status": participant.get_status_display()},
            )
    return redirect("events:participant", pk, participant_pk)


@login_required
@permission_required("attendance.view_participant", raise_exception=True)
def participant_badge(request: HttpRequest, pk: int, participant_pk: int) -> HttpResponse:
    """The printable badge of a participant."""
    participant = participant_or_404(event_or_404(pk), participant_pk)
    return render(request, "attendance/badge.html", _badge_context(participant))


def _badge_context(participant: Participant) -> dict[str, Any]:
    return {
        "event": participant.event,
        "participant": participant,
        "qr": qr_svg(participant.badge_code, title=participant.badge_code),
    }


@login_required
@permission_required("engagement.add_interaction", raise_exception=True)
@permission_required("attendance.view_participant", raise_exception=True)
@require_POST
def participant_conversation(request: HttpRequest, pk: int, participant_pk: int) -> HttpResponse:
    participant = participant_or_404(event_or_404(pk), participant_pk)
    if participant.customer_id is not None and not _sees_customer(request, participant):
        raise PermissionDenied
    form = ConversationForm(request.POST)
    if form.is_valid():
        try:
            actions.log_conversation(participant, by=request.user, **form.cleaned_data)
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(
                request,
                _("Conversation logged on the timeline of %(customer)s.")
                % {"customer": participant.customer},
            )
            return redirect("events:participant", pk, participant_pk)
    return _render_participant(request, participant, form)


@login_required
@permission_required("customers.add_customer", raise_exception=True)
@permission_required("attendance.add_participant", raise_exception=True)
@require_POST
def participant_make_customer(request: HttpRequest, pk: int, participant_pk: int) -> HttpResponse:
    participant = participant_or_404(event_or_404(pk), participant_pk)
    try:
        actions.make_customer(participant, by=request.user)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(
            request,
            _("%(name)s is now the customer %(customer)s.")
            % {"name": participant.name, "customer": participant.customer},
        )
    return redirect("events:participant", pk, participant_pk)


@login_required
@permission_required("marketing.add_campaign", raise_exception=True)
@permission_required("attendance.add_participant", raise_exception=True)
def invitations(request: HttpRequest, pk: int) -> HttpResponse:
    """Invite customers (a target list or a segment) through an invitation campaign."""
    event = event_or_404(pk)
    posted = request.method == "POST"
    form = InvitationForm(request.POST if posted else None)
    if posted and form.is_valid():
        try:
            done = invite(event, by=request.user, **form.cleaned_data)
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(
                request,
                _(
                    "Campaign %(campaign)s created with %(n)s invited customers: check "
                    "its message and send it from here."
                )
                % {"campaign": done.campaign.name, "n": done.n_invited},
            )
            return redirect(done.campaign)
    context = {
        "event": event,
        "form": form,
        "registration_url": uri_to_iri(registration_url(event)),
        "counts": queries.participant_counts(event),
        "list_url": reverse("events:participants", args=[event.pk]),
    }
    return render(request, "attendance/invitations.html", context, status=422 if posted else 200)
