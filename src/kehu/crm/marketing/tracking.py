"""The pages a campaign's recipients reach from a message, without signing in: the
open pixel, tracked links and the unsubscribe page. Each is named by a signed token
(:mod:`kehu.crm.marketing.tokens`): a forged or altered one is a 404 or a 400 and
records nothing."""

from __future__ import annotations

import base64

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from kehu.crm.marketing import actions
from kehu.crm.marketing.messages import language_for
from kehu.crm.marketing.models import CampaignMember
from kehu.crm.marketing.tokens import link_from_token, member_from_token

PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
SAFE_SCHEMES = ("http://", "https://")


@never_cache
def open_pixel(request: HttpRequest, token: str) -> HttpResponse:
    """A 1x1 GIF whatever the token (a mail client shows no broken image); a valid one
    records the open."""
    if (member_id := member_from_token(token)) is not None:
        actions.record_open(member_id)
    return HttpResponse(PIXEL, content_type="image/gif")


@never_cache
def click(request: HttpRequest, token: str) -> HttpResponse:
    """Record the click and go on to the link; only links the campaign itself signed
    are followed (never an open redirect)."""
    link = link_from_token(token)
    if link is None or not link[1].startswith(SAFE_SCHEMES):
        return HttpResponseBadRequest(_("This link is not valid. Open the address in the message."))
    member_id, url = link
    actions.record_click(member_id)
    return redirect(url)


def _member(token: str) -> CampaignMember:
    member_id = member_from_token(token)
    member = (
        CampaignMember.objects.select_related("customer", "campaign").filter(pk=member_id).first()
        if member_id is not None
        else None
    )
    if member is None:
        raise Http404(_("This unsubscribe link is not valid."))
    return member


@csrf_exempt  # one-click unsubscribe (RFC 8058) posts from the mail client, with no form
@never_cache
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks to confirm (a link scanner must not unsubscribe anyone); POST
    unsubscribes: the address is suppressed and the consent withdrawn."""
    if token == "preview":
        return render(request, "marketing/unsubscribe.html", {"preview": True})
    member = _member(token)
    with translation.override(language_for(member.customer)):
        if request.method == "POST":
            actions.unsubscribe(member)
            return render(request, "marketing/unsubscribe.html", {"member": member, "done": True})
        return render(request, "marketing/unsubscribe.html", {"member": member, "done": False})
