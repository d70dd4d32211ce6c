"""Sign-in (throttled), language switch, and the user's own profile (API
tokens, password). The home dashboard is a screen: :mod:`kehu.crm.screens.views`."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from kehu.crm.accounts import actions, throttle


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the UI language, and remember it on the user's profile."""
    language = request.POST.get("language", "")
    if language not in ("en", "zh-hans") or not translation.check_for_language(language):
        # the value sent is not repeated back: the answer must not carry what came in
        return HttpResponseBadRequest(
            _("Unknown language: choose English (en) or Simplified Chinese (zh-hans)."),
            content_type="text/plain; charset=utf-8",
        )
    if request.user.is_authenticated:
        actions.set_language(request.user, language)
    translation.activate(language)
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
        next_url = "/"
    response = redirect(next_url)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        samesite="Lax",
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=True,
    )
    return response


class ThrottledLoginView(auth_views.LoginView):
    """Django's sign-in, refusing a username at an address after repeated failures
    (``accounts.throttle``) with a message saying how long to wait."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        username = request.POST.get("username", "")
        minutes = throttle.wait_minutes(request, username)
        if minutes:
            return self._refused(minutes)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        username = self.request.POST.get("username", "")
        throttle.record_failure(self.request, username)
        if minutes := throttle.wait_minutes(self.request, username):
            return self._refused(minutes)
        return super().form_invalid(form)

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        throttle.clear(self.request, self.request.POST.get("username", ""))
        return super().form_valid(form)

    def _refused(self, minutes: int) -> HttpResponse:
        message = ngettext(
            "Too many failed sign-ins for this user from your address. Try again in %(n)s minute.",
            "Too many failed sign-ins for this user from your address. Try again in %(n)s minutes.",
            minutes,
        ) % {"n": minutes}
        context = self.get_context_data(form=self.get_form_class()(self.request), throttled=message)
        response = self.render_to_response(context, status=429)
        response["Retry-After"] = str(minutes * 60)
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    """Every user changes their own password here (staff or not)."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, _("Your password was changed."))
        return response


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    new_token = None
    if request.method == "POST":
        name = request.POST.get("name", "").strip()
        if not name:
            messages.error(request, _("Give the token a name, e.g. the program that will use it."))
        else:
            new_token = actions.issue_token(request.user, name[:100])
    return render(
        request,
        "accounts/profile.html",
        {"tokens": request.user.api_tokens.all(), "new_token": new_token},
    )


@login_required
@require_POST
def revoke_token(request: HttpRequest, pk: int) -> HttpResponse:
    actions.revoke_token(request.user, token_id=pk)
    messages.success(request, _("Token revoked."))
    return redirect("accounts:profile")
