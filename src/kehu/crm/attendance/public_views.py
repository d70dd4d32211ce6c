"""The public pages of an event, reached without signing in (namespace ``attendance``,
under /e/): the registration form and the badge it gives. A badge page is found by its
unguessable code, as the link in the confirmation email holds it."""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_protect

from kehu.crm.attendance import actions, queries
from kehu.crm.attendance.badges import qr_svg
from kehu.crm.attendance.confirmation import send_confirmation
from kehu.crm.attendance.forms import HONEYPOT, RegistrationForm
from kehu.crm.attendance.models import Participant
from kehu.crm.events.models import Event
from kehu.crm.validation import attach_errors

log = logging.getLogger(__name__)

#: a badge asked for again by the public form is emailed at most once in this time
RESEND_AFTER_S = 10 * 60

# events whose page is public: one in planning is not announced yet
PUBLIC_STATUSES = (
    Event.Status.OPEN,
    Event.Status.RUNNING,
    Event.Status.CLOSED,
    Event.Status.CANCELLED,
)


def _closed_reason(event: Event, counts: queries.Counts) -> str:
    if event.status == Event.Status.CANCELLED:
        return _("This event was cancelled.")
    if event.status != Event.Status.OPEN:
        return _("Registration for this event is closed.")
    if counts.places_left == 0:
        return _("This event is full: all %(n)s places are taken.") % {"n": event.capacity}
    return ""


@csrf_protect
def register(request: HttpRequest, slug: str) -> HttpResponse:
    event = get_object_or_404(Event, slug=slug, status__in=PUBLIC_STATUSES)
    counts = queries.participant_counts(event)
    closed = _closed_reason(event, counts)
    posted = request.method == "POST"
    form = RegistrationForm(request.POST if posted else None)
    status = 200
    if posted and closed:
        status = 409
    elif posted and request.POST.get(HONEYPOT, "").strip():
        form.add_error(None, _("Leave the last field empty: it is there to stop robots."))
        status = 400
    elif posted and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != HONEYPOT}
        try:
            done = actions.register(event, **data)
        except ValidationError as e:
            attach_errors(form, e)
            status = 422
        else:
            return _confirmed(request, done)
    elif posted:
        status = 422
    context = {"event": event, "form": form, "closed": closed, "counts": counts}
    return render(request, "attendance/register.html", context, status=status)


def _confirmed(request: HttpRequest, done: actions.Registration) -> HttpResponse:
    """After a registration: a new one gets its badge page and an email with the badge;
    one made before is not shown here (whoever typed the email may not be its owner),
    its badge is emailed again."""
    p = done.participant
    # the public form must not become a way to mail someone the badge over and over
    resend = done.created or cache.add(f"attendance:badge-resent:{p.badge_code}", 1, RESEND_AFTER_S)
    sent = False
    if resend:
        try:
            send_confirmation(p, request)
            sent = True
        except OSError:  # SMTP down or refusing: the registration stands, the page says so
            log.exception("confirmation email of participant %s not sent", p.pk)
    if not done.created:
        context = {"event": p.event, "email": p.email, "sent": sent, "recently": not resend}
        return render(request, "attendance/register_again.html", context)
    response = redirect("attendance:badge", p.event.slug, p.badge_code)
    request.session[f"registered:{p.badge_code}"] = {"sent": sent}
    return response


def badge(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    """A participant's badge: the QR code and the code to print or show at the door."""
    participant = get_object_or_404(
        Participant.objects.select_related("event"),
        event__slug=slug,
        badge_code=actions.normalise_badge(code),
    )
    just = request.session.pop(f"registered:{participant.badge_code}", None)
    context = {
        "event": participant.event,
        "participant": participant,
        "qr": qr_svg(participant.badge_code, title=participant.badge_code),
        "just_registered": just is not None,
        "sent": bool(just and just.get("sent")),
        "public": True,
    }
    return render(request, "attendance/badge.html", context)
