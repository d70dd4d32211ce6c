"""The campaign screens: the list, the form, and the campaign page with its progress
(polled with htmx while it sends), its buttons (enrol, send, cancel, refresh the
results), the preview of any customer's message, the results against the control
group, the members' CSV and the letters to print."""

from __future__ import annotations

import re
import subprocess
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from kehu.crm.background import launch_kehu
from kehu.crm.customers.queries import customer_scope
from kehu.crm.intelligence import labels as score_labels
from kehu.crm.lists import csv_response, csv_rows, list_context, list_filters, page_of
from kehu.crm.marketing import actions
from kehu.crm.marketing.forms import MESSAGE_FIELDS, PLACEHOLDERS, CampaignForm, PreviewForm
from kehu.crm.marketing.labels import segment_names, skip_reason
from kehu.crm.marketing.messages import default_templates, language_for, render_many
from kehu.crm.marketing.messages import render as render_message
from kehu.crm.marketing.models import Campaign, CampaignMember
from kehu.crm.marketing.results import CampaignResults, Comparison, campaign_results
from kehu.crm.validation import Choice, Param, Text, attach_errors

SORTS = ["name", "-name", "starts_on", "-starts_on", "reach", "-reach", "status", "-status"]
CAMPAIGN_FILTERS: dict[str, Param] = {
    "q": Text(),
    "status": Choice(Campaign.Status.values),
    "goal": Choice(Campaign.Goal.values),
    "sort": Choice(SORTS),
}
# a control group smaller than this gives an interval too wide to act on
SMALL_CONTROL = 30
# a send that has not reported progress for this long has stopped (killed, failed)
STALLED_AFTER = timedelta(minutes=5)
LETTERS_PER_PAGE = 50
# the progress text sending.py stores while it goes (anything else is why it stopped)
PROGRESS = re.compile(r"^(sent \d+, failed \d+, skipped \d+, waiting \d+)?$")

MEMBER_COLUMNS = [
    ("customer_code", lambda m: m.customer.code),
    ("customer", lambda m: m.customer.name),
    ("group", lambda m: m.group),
    ("status", lambda m: m.status),
    ("skip_reason", lambda m: m.skip_reason),
    ("channel", lambda m: m.channel),
    ("address", lambda m: m.address),
    ("tier", lambda m: m.tier),
    ("segment", lambda m: m.segment),
    ("sent_at", lambda m: m.sent_at),
    ("opened_at", lambda m: m.opened_at),
    ("clicked_at", lambda m: m.clicked_at),
    ("replied_at", lambda m: m.responded_at),
    ("unsubscribed_at", lambda m: m.unsubscribed_at),
    ("ordered", lambda m: m.converted),
    ("orders", lambda m: m.orders),
    ("revenue", lambda m: m.revenue),
]


def launch_send(campaign: Campaign) -> subprocess.Popen[bytes]:
    """``kehu campaign send ID`` in the background (tests replace this function)."""
    return launch_kehu(["campaign", "send", str(campaign.pk)], f"campaign-{campaign.pk}")


# The list


def _campaigns(filters: dict[str, str]) -> QuerySet[Campaign]:
    campaigns = Campaign.objects.select_related("owner", "target_list").annotate(
        reach=Count("members", filter=Q(members__status=CampaignMember.Status.SENT))
    )
    if q := filters.get("q"):
        campaigns = campaigns.filter(name__icontains=q)
    if status := filters.get("status"):
        campaigns = campaigns.filter(status=status)
    if goal := filters.get("goal"):
        campaigns = campaigns.filter(goal=goal)
    sort = filters.get("sort", "-starts_on")
    return campaigns.order_by(sort, "-id" if sort.startswith("-") else "id")


@login_required
@permission_required("marketing.view_campaign", raise_exception=True)
def campaign_list(request: HttpRequest) -> HttpResponse:
    filters = list_filters(request.GET, CAMPAIGN_FILTERS)
    context = list_context(
        request,
        _campaigns(filters),
        filters,
        "-starts_on",
        statuses=Campaign.Status.choices,
        goals=Campaign.Goal.choices,
        channel_names=dict(Campaign.Channel.choices),
    )
    template = "marketing/partials/campaign_rows.html" if request.htmx else "marketing/list.html"
    return render(request, template, context)


# The form


def _form_page(request: HttpRequest, form: CampaignForm, campaign: Campaign | None) -> HttpResponse:
    if campaign is None:  # a new campaign's goal brings the goal's default messages
        form.fields["goal"].widget.attrs.update(
            {
                "hx-get": reverse("marketing:campaign_create"),
                "hx-trigger": "change",
                "hx-select": "#messages",
                "hx-target": "#messages",
                "hx-swap": "outerHTML",
            }
        )
    context = {"form": form, "campaign": campaign, "placeholders": PLACEHOLDERS}
    context["message_fields"] = [form[name] for name in MESSAGE_FIELDS]
    context["other_fields"] = [
        form[name]
        for name in form.fields
        if name not in MESSAGE_FIELDS and name != "channels" and not name.startswith("order_")
    ]
    return render(request, "marketing/campaign_form.html", context)


def _new_campaign_initial(request: HttpRequest) -> dict[str, Any]:
    """A new campaign's starting values; the goal (from the query: the goal select
    reloads the messages) gives the messages' default text."""
    goal = request.GET.get("goal", "")
    if goal not in Campaign.Goal.values:
        goal = Campaign.Goal.WIN_BACK
    today = timezone.localdate()
    initial: dict[str, Any] = {
        "goal": goal,
        "channels": [Campaign.Channel.EMAIL],
        "owner": request.user.pk,
        "starts_on": today,
        "ends_on": today + timedelta(days=30),
        **default_templates(goal),
    }
    if (target := request.GET.get("target_list", "")).isascii() and target.isdigit():
        initial["target_list"] = target
    return initial


@login_required
@permission_required("marketing.add_campaign", raise_exception=True)
def campaign_create(request: HttpRequest) -> HttpResponse:
    form = CampaignForm(request.POST or None, initial=_new_campaign_initial(request))
    if request.method == "POST" and form.is_valid():
        try:
            campaign = actions.create_campaign(**form.action_kwargs())
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, _("Campaign “%(name)s” created.") % {"name": campaign.name})
            return redirect(campaign)
    return _form_page(request, form, None)


@login_required
@permission_required("marketing.change_campaign", raise_exception=True)
def campaign_edit(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=pk)
    form = CampaignForm(request.POST or None, campaign=campaign)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_campaign(campaign, **form.action_kwargs())
        except ValidationError as e:
            campaign.refresh_from_db()
            attach_errors(form, e)
        else:
            messages.success(request, _("Campaign saved."))
            return redirect(campaign)
    return _form_page(request, form, campaign)


# The campaign page


def _stalled(campaign: Campaign) -> bool:
    """A send that stopped: it said why, or it has not reported progress for a while."""
    return campaign.status == Campaign.Status.SENDING and (
        not PROGRESS.match(campaign.progress_text)
        or campaign.updated_at < timezone.now() - STALLED_AFTER
    )


def _progress(campaign: Campaign, launched: bool) -> dict[str, Any]:
    """What the progress fragment shows: the members' states counted now (the stored
    progress text is English; it is shown only when it is a stop's reason)."""
    counts = dict(campaign.members.order_by().values_list("status").annotate(n=Count("id")))
    status = CampaignMember.Status
    to_send = sum(n for s, n in counts.items() if s not in (status.HELD_OUT, status.SKIPPED))
    waiting = counts.get(status.PENDING, 0) + counts.get(status.SENDING, 0)
    stalled = _stalled(campaign)
    polling = not stalled and (
        campaign.status == Campaign.Status.SENDING
        or (launched and campaign.status == Campaign.Status.DRAFT)
    )
    stop = campaign.progress_text if not PROGRESS.match(campaign.progress_text) else ""
    return {
        "campaign": campaign,
        "polling": polling,
        "launched": launched,
        "stalled": stalled,
        "counts": {
            "sent": counts.get(status.SENT, 0),
            "failed": counts.get(status.FAILED, 0) + counts.get(status.UNKNOWN, 0),
            "skipped": counts.get(status.SKIPPED, 0),
            "waiting": waiting,
        },
        "stop_reason": stop,
        "percent": round(100 * (to_send - waiting) / to_send) if to_send else 0,
    }


def _comparison_rows(comparisons: list[Comparison], name: Any) -> list[dict[str, Any]]:
    return [{"name": name(c.label), "c": c} for c in comparisons]


def _tier_name(code: str) -> str:
    return str(score_labels.label(code)) if code else _("no tier")


def _results_context(campaign: Campaign, results: CampaignResults) -> dict[str, Any]:
    names = segment_names()

    def segment(key: str) -> str:
        if not key:
            return _("no segment")
        return names.get(int(key), _("segment %(key)s") % {"key": key})

    control = results.overall.control
    notes = []
    if control.n < 2:
        notes.append(
            _(
                "The control group is too small to measure the uplift: it needs at least "
                "two customers (it has %(n)s). Raise the control share, or read the "
                "response rates only as what happened, not as what the campaign caused."
            )
            % {"n": control.n}
        )
    elif control.n < SMALL_CONTROL:
        notes.append(
            ngettext(
                "The control group has only %(n)s customer: the intervals are wide, and "
                "the uplift is a rough guide at best.",
                "The control group has only %(n)s customers: the intervals are wide, and "
                "the uplift is a rough guide at best.",
                control.n,
            )
            % {"n": control.n}
        )
    treated = results.overall.treated
    return {
        "results": results,
        "notes": notes,
        "open_rate": treated.rate(treated.opened),
        "click_rate": treated.rate(treated.clicked),
        "by_tier": _comparison_rows(results.by_tier, _tier_name),
        "by_segment": _comparison_rows(results.by_segment, segment),
        "status_rows": [
            (CampaignMember.Status(s).label if s in CampaignMember.Status.values else s, n)
            for s, n in sorted(results.status_counts.items())
        ],
        "skip_rows": [(skip_reason(code), n) for code, n in sorted(results.skip_reasons.items())],
    }


def _preview(request: HttpRequest, campaign: Campaign) -> dict[str, Any]:
    """The preview picker and, once a customer is chosen, their message in their own
    language and in both languages (``render`` with no member: nothing is tracked)."""
    bound = "customer" in request.GET or "customer__q" in request.GET
    form = PreviewForm(request.GET if bound else None, user=request.user)
    context: dict[str, Any] = {"preview_form": form}
    if bound and form.is_valid():
        customer = form.cleaned_data["customer"]
        language = language_for(customer)
        try:
            rendered = [
                (code, code == language, render_message(campaign, customer, language=code))
                for code in ("en", "zh-hans")
            ]
        except (TemplateDoesNotExist, TemplateSyntaxError) as e:  # fails only when rendered
            context["preview_error"] = _("This message cannot be written: %(error)s") % {"error": e}
        else:
            context["preview"] = {"customer": customer, "language": language, "messages": rendered}
    return context


@login_required
@permission_required("marketing.view_campaign", raise_exception=True)
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign.objects.select_related("owner", "target_list"), pk=pk)
    results = campaign_results(campaign)
    context = {
        "campaign": campaign,
        "channel_names": dict(Campaign.Channel.choices),
        "n_letters": campaign.members.filter(
            channel=Campaign.Channel.LETTER, status=CampaignMember.Status.SENT
        ).count(),
        **_progress(campaign, bool(request.GET.get("launched"))),
        **_results_context(campaign, results),
        **_preview(request, campaign),
    }
    return render(request, "marketing/campaign_detail.html", context)


@login_required
@permission_required("marketing.view_campaign", raise_exception=True)
def campaign_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress fragment; it polls itself while the campaign sends, and asks htmx
    to reload the page once the send has ended."""
    campaign = get_object_or_404(Campaign, pk=pk)
    context = _progress(campaign, bool(request.GET.get("launched")))
    response = render(request, "marketing/partials/progress.html", context)
    if request.htmx and not context["polling"] and campaign.status != Campaign.Status.DRAFT:
        response["HX-Refresh"] = "true"
    return response


# The buttons


def _refused(request: HttpRequest, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


@login_required
@require_POST
@permission_required("marketing.change_campaign", raise_exception=True)
def campaign_enrol(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=pk)
    try:
        added = actions.enrol_target_list(campaign, by=request.user)
    except ValidationError as e:
        _refused(request, e)
    else:
        messages.success(
            request,
            ngettext(
                "%(n)s customer enrolled from the target list.",
                "%(n)s customers enrolled from the target list.",
                added,
            )
            % {"n": added},
        )
    return redirect(campaign)


@login_required
@require_POST
@permission_required("marketing.send_campaign", raise_exception=True)
def campaign_send(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=pk)
    if campaign.status == Campaign.Status.CANCELLED:
        messages.error(request, _("This campaign is cancelled."))
    elif campaign.status == Campaign.Status.SENT and not campaign.always_on:
        messages.error(request, _("This campaign has been sent."))
    elif campaign.status == Campaign.Status.SENDING and not _stalled(campaign):
        messages.error(request, _("This campaign is sending now."))
    elif campaign.target_list is None and not campaign.members.exists():
        messages.error(request, _("Choose a target list first."))
    else:
        try:
            launch_send(campaign)
        except OSError as e:
            messages.error(request, _("The send could not be started: %(error)s") % {"error": e})
        else:
            messages.success(request, _("Sending started."))
            return redirect(f"{campaign.get_absolute_url()}?launched=1")
    return redirect(campaign)


@login_required
@require_POST
@permission_required("marketing.change_campaign", raise_exception=True)
def campaign_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=pk)
    if campaign.status in (Campaign.Status.SENT, Campaign.Status.CANCELLED):
        messages.error(request, _("Only a campaign still to send can be cancelled."))
    else:
        actions.cancel_campaign(campaign)
        messages.success(request, _("Campaign cancelled: nobody else will be sent to."))
    return redirect(campaign)


@login_required
@require_POST
@permission_required("marketing.change_campaign", raise_exception=True)
def campaign_refresh(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=pk)
    actions.refresh_outcomes(campaign)
    messages.success(request, _("Results counted again from the orders and replies."))
    return redirect(campaign)


# Exports


def _visible_members(request: HttpRequest, campaign: Campaign) -> QuerySet[CampaignMember]:
    """The members whose customers the user may see."""
    return (
        CampaignMember.objects.filter(campaign=campaign)
        .filter(customer_scope(request.user, "customer"))
        .select_related("customer")
        .order_by("id")
    )


@login_required
@permission_required("marketing.view_campaignmember", raise_exception=True)
def campaign_members_export(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=pk)
    rows = csv_rows(_visible_members(request, campaign), MEMBER_COLUMNS)
    return csv_response(f"campaign-{campaign.pk}-members", rows)


@login_required
@permission_required("marketing.change_campaign", raise_exception=True)
def campaign_letters(request: HttpRequest, pk: int) -> HttpResponse:
    """The letters of letter-channel members sent to print, one per printed page."""
    campaign = get_object_or_404(Campaign, pk=pk)
    members = _visible_members(request, campaign).filter(
        channel=Campaign.Channel.LETTER, status=CampaignMember.Status.SENT
    )
    members = members.select_related("customer__owner", "customer__score").prefetch_related(
        "customer__contacts"
    )
    page = page_of(request, members, LETTERS_PER_PAGE)
    letters = render_many(campaign, [(m.pk, m.customer) for m in page.object_list])
    context = {
        "campaign": campaign,
        "page": page,
        "letters": [(m, letters[m.pk]) for m in page.object_list],
        "querystring": "",
    }
    return render(request, "marketing/letters.html", context)
