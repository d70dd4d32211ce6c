"""Correct or delete an interaction; list and export interactions. (Logging one on the
customer's 360 page redraws the whole timeline: :mod:`kehu.crm.screens.views`.)"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from kehu.crm.customers.queries import customer_scope
from kehu.crm.engagement import actions
from kehu.crm.engagement.forms import InteractionForm
from kehu.crm.engagement.models import Interaction, InteractionChannel
from kehu.crm.engagement.queries import (
    may_change,
    may_delete,
    visible_interactions,
)
from kehu.crm.lists import csv_response, csv_rows, list_context, list_filters
from kehu.crm.validation import Choice

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


def _interaction_or_404(request: HttpRequest, pk: int) -> Interaction:
    interactions = visible_interactions(request.user).select_related("customer", "contact")
    return get_object_or_404(interactions, pk=pk)


@login_required
@permission_required("engagement.change_interaction", raise_exception=True)
def edit_interaction(request: HttpRequest, pk: int) -> HttpResponse:
    interaction = _interaction_or_404(request, pk)
    if not may_change(request.user, interaction):
        raise PermissionDenied(_("Only the author or an administrator may change this entry."))
    customer = interaction.customer
    form = InteractionForm(request.POST or None, instance=interaction, customer=customer)
    if request.method == "POST" and form.is_valid():
        interaction.refresh_from_db()  # the form wrote its values onto the instance
        try:
            actions.update_interaction(interaction, **form.interaction_fields())
        except ValidationError as e:
            for field, errs in e.message_dict.items():
                form.add_error(field if field in form.fields else None, errs)
        else:
            messages.success(request, _("Interaction saved."))
            return redirect(customer)
    context = {
        "form": form,
        "interaction": interaction,
        "customer": customer,
        "can_delete": may_delete(request.user, interaction),
    }
    status = 422 if form.errors else 200
    return render(request, "engagement/interaction_form.html", context, status=status)


@login_required
def delete_interaction(request: HttpRequest, pk: int) -> HttpResponse:
    interaction = _interaction_or_404(request, pk)
    if not may_delete(request.user, interaction):
        raise PermissionDenied(_("Only the author or an administrator may delete this entry."))
    customer = interaction.customer
    if request.method == "POST":
        actions.delete_interaction(interaction)
        messages.success(request, _("Interaction deleted."))
        return redirect(customer)
    context = {"interaction": interaction, "customer": customer}
    return render(request, "engagement/interaction_delete.html", context)


FILTERS = {
    "channel": Choice(InteractionChannel.values),
    "direction": Choice(Interaction.Direction.values),
}


def _interactions(request: HttpRequest) -> tuple[object, dict[str, str]]:
    filters = list_filters(request.GET, FILTERS)  # a 400 names a bad value
    qs = Interaction.objects.filter(customer_scope(request.user)).select_related("customer", "user")
    if filters.get("channel"):
        qs = qs.filter(channel=filters["channel"])
    if filters.get("direction"):
        qs = qs.filter(direction=filters["direction"])
    return qs.order_by("-occurred_at", "-id"), filters


@login_required
@permission_required("engagement.view_interaction", raise_exception=True)
def interaction_list(request: HttpRequest) -> HttpResponse:
    qs, filters = _interactions(request)
    channels, directions = InteractionChannel.choices, Interaction.Direction.choices
    context = list_context(request, qs, filters, channels=channels, directions=directions)
    return render(request, "engagement/list.html", context)


@login_required
@permission_required("engagement.view_interaction", raise_exception=True)
def interaction_export(request: HttpRequest) -> HttpResponse:
    qs, _filters = _interactions(request)
    return csv_response("interactions", csv_rows(qs, EXPORT_COLUMNS))
