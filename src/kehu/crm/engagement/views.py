"""Log an interaction on a customer's page; list and export interactions."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from kehu.crm.customers.queries import customer_scope, visible_customers
from kehu.crm.engagement import actions
from kehu.crm.engagement.forms import InteractionForm
from kehu.crm.engagement.models import Interaction, InteractionChannel
from kehu.crm.engagement.queries import customer_timeline
from kehu.crm.lists import csv_response, csv_rows, page_of, querystring_without

EXPORT_COLUMNS = [
    ("occurred_at", lambda i: i.occurred_at),
    ("customer_code", lambda i: i.customer.code),
    ("customer", lambda i: i.customer.name),
    ("channel", lambda i: i.channel),
    ("direction", lambda i: i.direction),
    ("subject", lambda i: i.subject),
    ("body", lambda i: i.body),
    ("duration_minutes", lambda i: i.duration_minutes),
    ("user", lambda i: i.user.username if i.user else ""),
]


@login_required
@permission_required("engagement.add_interaction", raise_exception=True)
@require_POST
def log_interaction(request: HttpRequest, customer_pk: int) -> HttpResponse:
    customer = get_object_or_404(visible_customers(request.user), pk=customer_pk)
    form = InteractionForm(request.POST, customer=customer)
    if form.is_valid():
        try:
            actions.log_interaction(customer, by=request.user, **form.cleaned_data)
        except ValidationError as e:
            for field, errs in e.message_dict.items():
                form.add_error(field if field in form.fields else None, errs)
        else:
            form = InteractionForm(customer=customer)
    status = 422 if form.errors else 200
    context = {
        "customer": customer,
        "interaction_form": form,
        "timeline": customer_timeline(customer),
    }
    if request.htmx:
        return render(request, "engagement/partials/log_and_timeline.html", context, status=status)
    if status == 200:
        return redirect(customer)
    return render(request, "engagement/log_form_page.html", context, status=status)


def _interactions(request: HttpRequest) -> tuple[object, dict[str, str]]:
    filters = {k: request.GET.get(k, "").strip()[:100] for k in ("channel", "direction")}
    qs = Interaction.objects.filter(customer_scope(request.user)).select_related("customer", "user")
    if filters["channel"]:
        qs = qs.filter(channel=filters["channel"])
    if filters["direction"]:
        qs = qs.filter(direction=filters["direction"])
    return qs.order_by("-occurred_at", "-id"), filters


@login_required
@permission_required("engagement.view_interaction", raise_exception=True)
def interaction_list(request: HttpRequest) -> HttpResponse:
    qs, filters = _interactions(request)
    return render(
        request,
        "engagement/list.html",
        {
            "page": page_of(request, qs),
            "filters": filters,
            "channels": InteractionChannel.choices,
            "directions": Interaction.Direction.choices,
            "querystring": querystring_without(request, "page"),
        },
    )


@login_required
@permission_required("engagement.view_interaction", raise_exception=True)
def interaction_export(request: HttpRequest) -> HttpResponse:
    qs, _filters = _interactions(request)
    return csv_response("interactions", csv_rows(qs, EXPORT_COLUMNS))
