"""Home dashboard, language switch, and the user's own profile (API tokens)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, Sum
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.crm.accounts import actions
from kehu.crm.customers.queries import customer_scope, visible_customers
from kehu.crm.sales.models import Activity, Opportunity
from kehu.crm.service.models import Ticket


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    open_stages = Opportunity.OPEN_STAGES
    pipeline = (
        Opportunity.objects.filter(customer_scope(user), stage__in=open_stages)
        .values("stage")
        .annotate(n=Count("id"), amount=Sum("amount"))
    )
    by_stage = {row["stage"]: row for row in pipeline}
    context = {
        "n_customers": visible_customers(user).count(),
        "pipeline": [
            (label, by_stage.get(value, {}).get("n", 0), by_stage.get(value, {}).get("amount") or 0)
            for value, label in Opportunity.Stage.choices
            if value in open_stages
        ],
        "my_activities": Activity.objects.filter(owner=user, completed_at__isnull=True)
        .select_related("customer")
        .order_by("due_at")[:10],
        "open_tickets": Ticket.objects.filter(customer_scope(user))
        .filter(~Q(status__in=[Ticket.Status.RESOLVED, Ticket.Status.CLOSED]))
        .count(),
        "now": timezone.now(),
    }
    return render(request, "accounts/home.html", context)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the UI language, and remember it on the user's profile."""
    language = request.POST.get("language", "")
    if not translation.check_for_language(language) or language not in ("en", "zh-hans"):
        return HttpResponseBadRequest(
            f"language must be one of ['en', 'zh-hans'], got {language!r}"
        )
    if request.user.is_authenticated:
        actions.set_language(request.user, language)
    translation.activate(language)
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
        next_url = "/"
    response = redirect(next_url)
    response.set_cookie("django_language", language, samesite="Lax")
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
    request.user.api_tokens.filter(pk=pk).delete()
    messages.success(request, _("Token revoked."))
    return redirect("accounts:profile")
