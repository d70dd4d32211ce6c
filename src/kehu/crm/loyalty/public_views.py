"""Pages anyone reaches without signing in: joining by the web form (a code texted to
the mobile confirms it) and the SMS gateway's webhook for inbound messages."""

from __future__ import annotations

import hmac
import json

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from kehu.crm.loyalty import actions, config
from kehu.crm.loyalty.forms import ConfirmForm, JoinForm
from kehu.crm.loyalty.models import JoinRequest
from kehu.crm.validation import attach_errors

SESSION_KEY = "loyalty_join_request"


def join(request: HttpRequest) -> HttpResponse:
    """The join form: name, mobile, consent; a filled-in honeypot is answered as if all
    went well, and nothing is sent."""
    form = JoinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["website"]:
            return redirect("loyalty:join_confirm")
        try:
            join_request = actions.request_join(
                name=data["name"],
                mobile=data["mobile"],
                email=data["email"],
                consent_sms=data["consent_sms"],
                consent_email=data["consent_email"],
                ip=request.META.get("REMOTE_ADDR"),
            )
        except ValidationError as e:
            attach_errors(form, e)
        else:
            request.session[SESSION_KEY] = join_request.pk
            return redirect("loyalty:join_confirm")
    status = 400 if request.method == "POST" else 200
    return render(request, "loyalty/join.html", {"form": form}, status=status)


def join_confirm(request: HttpRequest) -> HttpResponse:
    """The code the mobile received; a right one makes the member."""
    pk = request.session.get(SESSION_KEY)
    join_request = JoinRequest.objects.filter(pk=pk).first() if isinstance(pk, int) else None
    form = ConfirmForm(request.POST or None)
    if request.method == "POST" and join_request is None:
        form.is_valid()
        form.add_error(None, _("Start again: fill in the join form first."))
    elif request.method == "POST" and form.is_valid():
        try:
            membership = actions.confirm_join(join_request, form.cleaned_data["code"])
        except ValidationError as e:
            attach_errors(form, e)
        else:
            del request.session[SESSION_KEY]
            return render(request, "loyalty/join_done.html", {"membership": membership})
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "join_request": join_request}
    return render(request, "loyalty/join_confirm.html", context, status=status)


def _inbound_fields(request: HttpRequest) -> dict[str, str]:
    if request.content_type == "application/json":
        try:
            body = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            return {}
        if not isinstance(body, dict):
            return {}
        # a JSON string may hold a lone surrogate ("\\ud800"), which UTF-8 cannot encode
        return {k: str(v).encode("utf-8", "replace").decode() for k, v in body.items()}
    return {k: request.POST.get(k, "") for k in ("from", "text", "secret")}


@csrf_exempt
@require_POST
def sms_inbound(request: HttpRequest) -> HttpResponse:
    """``POST /loyalty/sms/inbound``: ``from`` and ``text`` (form or JSON), with the
    shared secret ``KEHU_LOYALTY_SMS_SECRET`` in the ``X-Kehu-Secret`` header or a
    ``secret`` field. 403 without the right secret, 400 without a sender or text."""
    fields = _inbound_fields(request)
    secret = config.sms_secret()
    given = request.headers.get("X-Kehu-Secret") or fields.get("secret", "")
    if not secret or not hmac.compare_digest(secret.encode(), given.encode()):
        return JsonResponse({"detail": "wrong or missing secret"}, status=403)
    sender, text = fields.get("from", "").strip(), fields.get("text", "").strip()
    if not sender or not text:
        return JsonResponse({"detail": "both 'from' and 'text' are required"}, status=400)
    message = actions.handle_inbound_sms(sender=sender, text=text)
    return JsonResponse({"outcome": message.outcome, "reply": message.reply, "id": message.pk})
