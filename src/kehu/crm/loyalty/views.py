"""Staff pages of the loyalty programme: the members (list, export, a member's page with
its ledger, redeem and adjust), enrolling a customer, the levels and earning rules,
the rewards, and messaging members through a campaign."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.crm.customers.queries import customer_scope, visible_customers
from kehu.crm.lists import csv_response, csv_rows, list_context, list_filters, render_list
from kehu.crm.loyalty import actions, queries
from kehu.crm.loyalty.forms import (
    AdjustForm,
    EnrolForm,
    LevelForm,
    MessageMembersForm,
    RedeemForm,
    RewardForm,
    RuleForm,
)
from kehu.crm.loyalty.models import (
    EarningRule,
    Membership,
    MembershipLevel,
    PointsEntry,
    Reward,
)
from kehu.crm.validation import Choice, Id, Param, Text, attach_errors

SORTS = {
    "joined": ("joined_on", "id"),
    "-joined": ("-joined_on", "-id"),
    "balance": ("balance", "id"),
    "-balance": ("-balance", "-id"),
    "name": ("customer__name", "id"),
    "-name": ("-customer__name", "-id"),
}
MEMBER_FILTERS: dict[str, Param] = {
    "q": Text(),
    "level": Id("none"),
    "status": Choice(Membership.Status.values),
    "min_balance": Id(),
    "sort": Choice(list(SORTS)),
}
MEMBER_COLUMNS = [
    ("mobile", lambda m: m.mobile),
    ("customer_code", lambda m: m.customer.code),
    ("customer", lambda m: m.customer.name),
    ("level", lambda m: m.level.name if m.level else ""),
    ("status", lambda m: m.status),
    ("joined_on", lambda m: m.joined_on),
    ("channel", lambda m: m.channel),
    ("balance", lambda m: m.balance),
]


def visible_members(user: Any) -> QuerySet[Membership]:
    """Memberships of the customers this user may see."""
    return Membership.objects.filter(customer_scope(user))


def filtered_members(
    user: Any,
    *,
    q: str = "",
    level: str = "",
    status: str = "",
    min_balance: str = "",
    sort: str = "-joined",
) -> QuerySet[Membership]:
    members = queries.with_balance(visible_members(user).select_related("customer", "level"))
    if q.strip():
        text = q.strip()
        digits = "".join(ch for ch in text if ch.isdigit())
        match = Q(customer__name__icontains=text) | Q(customer__code__iexact=text)
        if len(digits) >= 3:
            match |= Q(mobile__contains=digits)
        members = members.filter(match)
    if level == "none":
        members = members.filter(level__isnull=True)
    elif level:
        members = members.filter(level_id=int(level))
    if status:
        members = members.filter(status=status)
    if min_balance:
        members = members.filter(balance__gte=int(min_balance))
    return members.order_by(*SORTS.get(sort, SORTS["-joined"]))


@login_required
@permission_required("loyalty.view_membership", raise_exception=True)
def member_list(request: HttpRequest) -> HttpResponse:
    filters = list_filters(request.GET, MEMBER_FILTERS)
    members = filtered_members(request.user, **filters)
    counts = Membership.objects.aggregate(
        n=Count("pk"), active=Count("pk", filter=Q(status=Membership.Status.ACTIVE))
    )
    context = list_context(
        request,
        members,
        filters,
        "-joined",
        levels=MembershipLevel.objects.all(),
        statuses=Membership.Status.choices,
        liability=queries.liability(),
        counts=counts,
        message_form=MessageMembersForm(),
    )
    return render_list(
        request, "loyalty/member_list.html", "loyalty/partials/member_rows.html", context
    )


@login_required
@permission_required("loyalty.view_membership", raise_exception=True)
def member_export(request: HttpRequest) -> HttpResponse:
    filters = list_filters(request.GET, MEMBER_FILTERS)
    return csv_response(
        "members", csv_rows(filtered_members(request.user, **filters), MEMBER_COLUMNS)
    )


def _member_or_404(request: HttpRequest, pk: int) -> Membership:
    return get_object_or_404(
        visible_members(request.user).select_related("customer", "level"), pk=pk
    )


def _render_member(
    request: HttpRequest,
    membership: Membership,
    *,
    redeem_form: RedeemForm | None = None,
    adjust_form: AdjustForm | None = None,
    status: int = 200,
) -> HttpResponse:
    from kehu.crm.lists import page_of

    ledger = PointsEntry.objects.filter(membership=membership).select_related(
        "order", "reward", "created_by"
    )
    context = {
        "membership": membership,
        "summary": queries.member_summary(membership.customer),
        "page": page_of(request, ledger),
        "redeem_form": redeem_form or RedeemForm(),
        "adjust_form": adjust_form or AdjustForm(),
    }
    return render(request, "loyalty/member_detail.html", context, status=status)


@login_required
@permission_required("loyalty.view_membership", raise_exception=True)
def member_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_member(request, _member_or_404(request, pk))


@login_required
@permission_required("loyalty.add_pointsentry", raise_exception=True)
@require_POST
def member_redeem(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _member_or_404(request, pk)
    form = RedeemForm(request.POST)
    if form.is_valid():
        try:
            entry = actions.redeem(membership, form.cleaned_data["reward"], by=request.user)
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(
                request,
                _("%(reward)s redeemed for %(points)s points.")
                % {"reward": entry.reward.name, "points": -entry.points},
            )
            return redirect(membership.get_absolute_url())
    return _render_member(request, membership, redeem_form=form, status=400)


@login_required
@permission_required("loyalty.add_pointsentry", raise_exception=True)
@require_POST
def member_adjust(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _member_or_404(request, pk)
    form = AdjustForm(request.POST)
    if form.is_valid():
        try:
            actions.adjust(membership, by=request.user, **form.cleaned_data)
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, _("The balance was adjusted."))
            return redirect(membership.get_absolute_url())
    return _render_member(request, membership, adjust_form=form, status=400)


@login_required
@permission_required("loyalty.change_membership", raise_exception=True)
@require_POST
def member_leave(request: HttpRequest, pk: int) -> HttpResponse:
    membership = actions.leave(_member_or_404(request, pk))
    messages.success(request, _("The membership was ended; its points stay in the ledger."))
    return redirect(membership.get_absolute_url())


@login_required
@permission_required("loyalty.add_membership", raise_exception=True)
def enrol(request: HttpRequest, customer_pk: int) -> HttpResponse:
    """Enrol a customer (staff): the mobile defaults to its phone."""
    customer = get_object_or_404(visible_customers(request.user), pk=customer_pk)
    form = EnrolForm(request.POST or None, initial={"mobile": customer.phone})
    if request.method == "POST" and form.is_valid():
        try:
            membership = actions.join(
                mobile=form.cleaned_data["mobile"],
                channel=Membership.Channel.STAFF,
                customer=customer,
                by=request.user,
            )
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, _("%(name)s is a member now.") % {"name": customer.name})
            return redirect(membership.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    return render(
        request, "loyalty/enrol.html", {"customer": customer, "form": form}, status=status
    )


@login_required
@permission_required("loyalty.view_membership", raise_exception=True)
@permission_required("marketing.add_targetlist", raise_exception=True)
@require_POST
def message_members(request: HttpRequest) -> HttpResponse:
    """A static target list of the active members (of one level) and the campaign form
    that sends to it."""
    form = MessageMembersForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a level from the list."))
        return redirect("loyalty:member_list")
    target_list = actions.target_list_of_members(level=form.cleaned_data["level"], by=request.user)
    return redirect(f"{reverse('marketing:campaign_create')}?target_list={target_list.pk}")


# The programme: levels, earning rules, rewards


def _setting_form(
    request: HttpRequest, form_class: type[Any], model: type[Any], pk: int | None
) -> tuple[Any, bool]:
    """The form of a new or existing level, rule or reward, and whether it was saved."""
    instance = get_object_or_404(model, pk=pk) if pk else None
    form = form_class(request.POST or None, instance=instance, prefix=model._meta.model_name)
    if request.method == "POST" and form.is_valid():
        try:
            actions.save_setting(form.instance)
        except ValidationError as e:
            attach_errors(form, e)
            return form, False
        messages.success(request, _("Saved."))
        return form, True
    return form, False


@login_required
@permission_required("loyalty.view_earningrule", raise_exception=True)
def rules(request: HttpRequest) -> HttpResponse:
    context = {
        "levels": MembershipLevel.objects.annotate(n=Count("members")).order_by("-rank", "name"),
        "rules": EarningRule.objects.select_related("category", "level"),
    }
    return render(request, "loyalty/rules.html", context)


def _edit(
    request: HttpRequest,
    pk: int | None,
    *,
    form_class: type[Any],
    model: type[Any],
    back: str,
    title: str,
) -> HttpResponse:
    form, saved = _setting_form(request, form_class, model, pk)
    if saved:
        return redirect(back)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "title": title, "back": reverse(back)}
    return render(request, "loyalty/setting_form.html", context, status=status)


@login_required
@permission_required("loyalty.change_membershiplevel", raise_exception=True)
@permission_required("loyalty.add_membershiplevel", raise_exception=True)
def level_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    return _edit(
        request,
        pk,
        form_class=LevelForm,
        model=MembershipLevel,
        back="loyalty:rules",
        title=_("Membership level"),
    )


@login_required
@permission_required("loyalty.change_earningrule", raise_exception=True)
@permission_required("loyalty.add_earningrule", raise_exception=True)
def rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    return _edit(
        request,
        pk,
        form_class=RuleForm,
        model=EarningRule,
        back="loyalty:rules",
        title=_("Earning rule"),
    )


@login_required
@permission_required("loyalty.view_reward", raise_exception=True)
def rewards(request: HttpRequest) -> HttpResponse:
    rows = Reward.objects.annotate(n_redeemed=Count("redemptions")).order_by("points_cost", "name")
    return render(request, "loyalty/rewards.html", {"rewards": rows})


@login_required
@permission_required("loyalty.change_reward", raise_exception=True)
@permission_required("loyalty.add_reward", raise_exception=True)
def reward_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    return _edit(
        request,
        pk,
        form_class=RewardForm,
        model=Reward,
        back="loyalty:rewards",
        title=_("Reward"),
    )
