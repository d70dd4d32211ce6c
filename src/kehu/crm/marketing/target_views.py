"""Who campaigns reach: target lists saved from the customer list's filter (the form
shows the filter in words and how many customers it finds now), their pages and
index, and the suppression list."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from kehu.crm.lists import list_context, list_filters
from kehu.crm.marketing import actions
from kehu.crm.marketing.forms import SuppressionForm, TargetListForm, parse_filters
from kehu.crm.marketing.labels import filter_words
from kehu.crm.marketing.models import Campaign, Suppression, TargetList
from kehu.crm.validation import Choice, Param, Text, attach_errors

User = AbstractBaseUser | AnonymousUser
SUPPRESSION_FILTERS: dict[str, Param] = {
    "q": Text(),
    "channel": Choice(Campaign.Channel.values),
    "reason": Choice(Suppression.Reason.values),
}


def customer_list_url(target_list: TargetList) -> str:
    """The customer list showing the list's filter ("me" as owner is its creator)."""
    filters = dict(target_list.filters)
    if filters.get("owner") == "me" and target_list.created_by_id:
        filters["owner"] = str(target_list.created_by_id)
    query = QueryDict(mutable=True)
    query.update(filters)
    return f"{reverse('customers:list')}?{query.urlencode()}"


def _count(filters: dict[str, str], rank: int | None, user: User) -> int:
    """How many customers a list with this filter would hold now, as ``user`` sees
    them."""
    draft = TargetList(filters=filters, rank_by_uplift=rank)
    return actions.matching(draft, user).count()


def _rank(form: TargetListForm) -> int | None:
    """The top-N box's value when it reads as one, for the live count."""
    value = str(form["rank_by_uplift"].value() or "").strip()
    return int(value) if value.isascii() and value.isdigit() and 0 < int(value) < 10**7 else None


@login_required
@permission_required("marketing.add_targetlist", raise_exception=True)
def target_list_create(request: HttpRequest) -> HttpResponse:
    """Save the customer list's filter (its query string, or the form's hidden copy
    of it) as a target list."""
    if request.method == "POST":
        form = TargetListForm(request.POST)
        filters = parse_filters(request.POST.get("filters", ""))
    else:
        source = request.GET.get("filters")
        filters = parse_filters(source if source is not None else request.GET.urlencode())
        query = QueryDict(mutable=True)
        query.update(filters)
        initial = {"filters": query.urlencode(), "name": "; ".join(filter_words(filters))[:200]}
        form = TargetListForm(request.GET if source is not None else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            target_list = actions.create_target_list(
                name=form.cleaned_data["name"],
                filters=form.cleaned_data["filters"],
                by=request.user,
                dynamic=form.cleaned_data["dynamic"],
                rank_by_uplift=form.cleaned_data["rank_by_uplift"],
            )
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(
                request,
                _("Target list “%(name)s” saved with %(n)s customers.")
                % {"name": target_list.name, "n": target_list.size},
            )
            return redirect(target_list)
    context = {
        "form": form,
        "words": filter_words(filters),
        "count": _count(filters, _rank(form), request.user),
        "customers_url": customer_list_url(TargetList(filters=filters)),
    }
    return render(request, "marketing/target_list_form.html", context)


@login_required
@permission_required("marketing.view_targetlist", raise_exception=True)
def target_list_detail(request: HttpRequest, pk: int) -> HttpResponse:
    target_list = get_object_or_404(TargetList.objects.select_related("created_by"), pk=pk)
    context: dict[str, Any] = {
        "target_list": target_list,
        "words": filter_words(target_list.filters),
        "customers_url": customer_list_url(target_list),
        "campaigns": target_list.campaigns.select_related("owner").order_by("-starts_on", "-id"),
        "now": actions.evaluate(target_list).count(),
    }
    return render(request, "marketing/target_list_detail.html", context)


@login_required
@permission_required("marketing.view_targetlist", raise_exception=True)
def target_list_list(request: HttpRequest) -> HttpResponse:
    filters = list_filters(request.GET, {"q": Text()})
    lists = TargetList.objects.select_related("created_by").annotate(n_campaigns=Count("campaigns"))
    lists = lists.order_by("-created_at", "-id")
    if q := filters.get("q"):
        lists = lists.filter(name__icontains=q)
    return render(request, "marketing/target_lists.html", list_context(request, lists, filters))


@login_required
@permission_required("marketing.view_suppression", raise_exception=True)
def suppression_list(request: HttpRequest) -> HttpResponse:
    """The suppressed addresses, and a form to add one by hand."""
    form = SuppressionForm(request.POST or None)
    if request.method == "POST":
        if not request.user.has_perm("marketing.add_suppression"):
            raise PermissionDenied
        if form.is_valid():
            try:
                entry = actions.suppress(**form.cleaned_data)
            except ValidationError as e:
                attach_errors(form, e)
            else:
                messages.success(
                    request,
                    _("%(address)s will get no campaign messages by %(channel)s.")
                    % {"address": entry.address, "channel": entry.get_channel_display()},
                )
                return redirect("marketing:suppressions")
    filters = list_filters(request.GET, SUPPRESSION_FILTERS)
    entries = Suppression.objects.select_related("customer", "campaign")
    if q := filters.get("q"):
        entries = entries.filter(address__icontains=q.strip().lower())
    if channel := filters.get("channel"):
        entries = entries.filter(channel=channel)
    if reason := filters.get("reason"):
        entries = entries.filter(reason=reason)
    context = list_context(
        request,
        entries,
        filters,
        form=form,
        channels=Campaign.Channel.choices,
        reasons=Suppression.Reason.choices,
    )
    return render(request, "marketing/suppressions.html", context)
