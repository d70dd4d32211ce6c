"""The booths page of an event: the floor (size, price, status, exhibitor), adding a
booth, booking, assigning to an exhibitor and releasing, and the booth revenue."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.crm.attendance import actions, queries
from kehu.crm.attendance.forms import AssignForm, BoothForm
from kehu.crm.attendance.models import Booth
from kehu.crm.attendance.views import event_or_404
from kehu.crm.events.models import Event
from kehu.crm.validation import attach_errors


def _render(
    request: HttpRequest, event: Event, form: BoothForm | None = None, status: int = 200
) -> HttpResponse:
    context = {
        "event": event,
        "booths": queries.booths(event),
        "totals": queries.booth_totals(event),
        "form": form or BoothForm(),
        "exhibitors": list(AssignForm(event=event).fields["exhibitor"].queryset),
    }
    return render(request, "attendance/booths.html", context, status=status)


@login_required
@permission_required("attendance.view_booth", raise_exception=True)
def booth_list(request: HttpRequest, pk: int) -> HttpResponse:
    event = event_or_404(pk)
    if request.method != "POST":
        return _render(request, event)
    if not request.user.has_perm("attendance.add_booth"):
        return HttpResponse(_("You may not add booths."), status=403)
    form = BoothForm(request.POST)
    if form.is_valid():
        try:
            booth = actions.create_booth(event, **form.cleaned_data)
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, _("Booth %(code)s added.") % {"code": booth.code})
            return redirect("events:booths", event.pk)
    return _render(request, event, form, status=422)


@login_required
@permission_required("attendance.change_booth", raise_exception=True)
@require_POST
def booth_action(request: HttpRequest, pk: int, booth_pk: int) -> HttpResponse:
    """Book (``do=book``), assign to an exhibitor (``do=assign``) or release a booth."""
    event = event_or_404(pk)
    booth = get_object_or_404(Booth, event=event, pk=booth_pk)
    do = request.POST.get("do")
    try:
        if do == "book":
            actions.book_booth(booth)
            messages.success(request, _("Booth %(code)s booked.") % {"code": booth.code})
        elif do == "assign":
            form = AssignForm(request.POST, event=event)
            if not form.is_valid():
                messages.error(request, _("Choose an exhibitor of this event."))
                return redirect("events:booths", event.pk)
            exhibitor = form.cleaned_data["exhibitor"]
            actions.assign_booth(booth, exhibitor=exhibitor)
            messages.success(
                request,
                _("Booth %(code)s assigned to %(name)s.") % {"code": booth.code, "name": exhibitor},
            )
        elif do == "release":
            actions.release_booth(booth)
            messages.success(
                request, _("Booth %(code)s is available again.") % {"code": booth.code}
            )
        else:
            messages.error(request, _("Nothing to do: book, assign or release the booth."))
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    return redirect("events:booths", event.pk)
