"""The portal's own session: ``request.session["portal_contact_id"]`` names the signed-in
contact; it is never a ``django.contrib.auth`` login, so a portal visitor is anonymous to
every staff page. Each portal page checks the access again (:func:`portal_page`): a
revoked access or a deleted contact ends the session at the next click."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from kehu.crm.customers.models import Contact
from kehu.crm.portal import queries
from kehu.crm.portal.models import PortalAccess

SESSION_KEY = "portal_contact_id"
SINCE_KEY = "portal_signed_in_at"
CODE_PHONE_KEY = "portal_code_phone"


def sign_in(request: HttpRequest, access: PortalAccess) -> None:
    """Start a portal session for ``access``'s contact (a new session key: no fixation)."""
    request.session.cycle_key()
    request.session[SESSION_KEY] = access.contact_id
    request.session[SINCE_KEY] = timezone.now().timestamp()
    request.session.pop(CODE_PHONE_KEY, None)


def sign_out(request: HttpRequest) -> None:
    """End the portal session only (a staff login in the same browser stays)."""
    for key in (SESSION_KEY, SINCE_KEY, CODE_PHONE_KEY):
        request.session.pop(key, None)
    request.session.cycle_key()


def current_contact(request: HttpRequest) -> Contact | None:
    """The signed-in contact, while the access is enabled and was not revoked since."""
    contact = queries.signed_in_contact(request.session.get(SESSION_KEY))
    if contact is None:
        return None
    revoked_at = contact.portal_access.revoked_at
    since = request.session.get(SINCE_KEY)
    if revoked_at is not None and (not isinstance(since, float) or revoked_at.timestamp() > since):
        return None
    return contact


def portal_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A page for a signed-in contact: ``view(request, contact, ...)``. Without a
    session it sends to the sign-in page (and back here after); an id that is not the
    contact's company's answers the portal's own 404 page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        contact = current_contact(request)
        if contact is None:
            if SESSION_KEY in request.session:
                sign_out(request)
            url = reverse("portal:sign_in")
            if request.method == "GET":
                url += "?" + urlencode({"next": request.get_full_path()})
            return redirect(url)
        request.portal_contact = contact  # type: ignore[attr-defined]
        try:
            return view(request, contact, *args, **kwargs)
        except Http404:
            return render(request, "portal/not_found.html", {"contact": contact}, status=404)

    return wrapper
