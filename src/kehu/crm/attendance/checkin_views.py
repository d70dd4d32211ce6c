"""Check-in at the door: a page made for a phone. The badge code is typed, or read from
the badge's QR code by the camera where the browser has a BarcodeDetector; the form
works without JavaScript. It says who was let in, or why not, and the counts."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from kehu.crm.attendance import actions, queries
from kehu.crm.attendance.forms import CheckInForm
from kehu.crm.attendance.views import event_or_404


@login_required
@permission_required("attendance.change_participant", raise_exception=True)
def checkin(request: HttpRequest, pk: int) -> HttpResponse:
    event = event_or_404(pk)
    result: dict[str, Any] | None = None
    status = 200
    if request.method == "POST":
        form = CheckInForm(request.POST)
        form.is_valid()
        code = form.cleaned_data.get("code", "")
        try:
            done = actions.check_in(event, code, by=request.user)
        except ValidationError as e:
            result = {"ok": False, "message": " ".join(e.messages), "code": code}
            status = 422
        else:
            p = done.participant
            result = {"ok": True, "participant": p, "already": done.already}
            if done.already:
                result["message"] = _("%(name)s was already checked in at %(time)s.") % {
                    "name": p.name,
                    "time": actions.checked_in_time(p),
                }
            else:
                result["message"] = _("Welcome, %(name)s: checked in.") % {"name": p.name}
        form = CheckInForm()  # an empty box for the next badge
    else:
        form = CheckInForm()
    context = {
        "event": event,
        "form": form,
        "result": result,
        "counts": queries.participant_counts(event),
    }
    return render(request, "attendance/checkin.html", context, status=status)
