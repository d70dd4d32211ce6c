"""The segment pages: every segment of the latest run with how well they separate, one
segment's profile and members, and what a user does with a segment: rename it (the
name stays with its key across runs), download its members (CSV), open them in the
customer list, give each member's owner a follow-up task."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from kehu.crm.accounts.roles import sees_all_customers
from kehu.crm.intelligence import actions, queries
from kehu.crm.intelligence.charts import segments_chart, traits_chart
from kehu.crm.intelligence.forms import FollowUpForm, SegmentRenameForm
from kehu.crm.intelligence.models import Segment, ValueRun
from kehu.crm.intelligence.templatetags.intelligence import segment_label
from kehu.crm.intelligence.views import can_run
from kehu.crm.lists import csv_response, csv_rows
from kehu.insight.segments import WEAK_SILHOUETTE, Segmenter

FOLLOW_UP_DAYS = 7


def _viewer(request: HttpRequest) -> None:
    # segments summarise every customer: for those who work with all of them
    if not (sees_all_customers(request.user) or can_run(request.user)):
        raise PermissionDenied


def quality(mining: dict[str, Any]) -> dict[str, Any]:
    """How well the segments separate: the silhouette of the segments kept (runs before
    it was stored: the chosen k's) and whether it is under the weak bound."""
    summary = mining.get("segments") or {}
    score = summary.get("silhouette_final")
    if score is None:
        score = (summary.get("silhouette") or {}).get(str(summary.get("k")))
    bound = summary.get("weak_below", WEAK_SILHOUETTE)
    return {
        "silhouette": score,
        "bound": bound,
        "weak": score is not None and score < bound,
        "min_share": Segmenter().min_share,
    }


def _latest_segment(key: int) -> tuple[ValueRun, Segment]:
    run = queries.latest_done_run()
    segment = queries.named_segments().filter(run=run, key=key).first() if run else None
    if run is None or segment is None:
        raise Http404(_("No segment %(key)s in the latest analysis run.") % {"key": key})
    return run, segment


def customer_list_url(key: int) -> str:
    """The customer list filtered by an analysis segment: the list's ``cluster=<key>``
    filter (its ``segment`` parameter is the RFM segment)."""
    return f"{reverse('customers:list')}?{urlencode({'cluster': key})}"


@login_required
def segment_list(request: HttpRequest) -> HttpResponse:
    _viewer(request)
    run = queries.latest_done_run()
    mining = run.mining if run else {}
    segments = queries.segments_of(run)
    context = {
        "run": run,
        "segments": segments,
        "segments_chart": segments_chart(segments, to_list=False),
        "mining": mining,
        "quality": quality(mining),
    }
    return render(request, "intelligence/segments.html", context)


def _follow_up_form(segment: Segment) -> FollowUpForm:
    due = timezone.localdate() + timedelta(days=FOLLOW_UP_DAYS)
    subject = _("Follow up: %(segment)s") % {"segment": segment_label(segment)}
    return FollowUpForm(initial={"subject": subject, "due": due})


@login_required
def segment_detail(request: HttpRequest, key: int) -> HttpResponse:
    _viewer(request)
    run, segment = _latest_segment(key)
    page = Paginator(queries.segment_members(run, key), 50).get_page(request.GET.get("page"))
    context = {
        "run": run,
        "segment": segment,
        "traits_chart": traits_chart(segment),
        "page": page,
        "quality": quality(run.mining),
        "rename_form": SegmentRenameForm(initial={"name": segment_label(segment)}),
        "can_act": sees_all_customers(request.user),
        "follow_up_form": _follow_up_form(segment),
        "segment_customers_url": customer_list_url(key),
    }
    return render(request, "intelligence/segment.html", context)


@login_required
@require_POST
def segment_rename(request: HttpRequest, key: int) -> HttpResponse:
    _viewer(request)
    _run, segment = _latest_segment(key)
    form = SegmentRenameForm(request.POST)
    if not form.is_valid():
        errors = "; ".join(str(e) for errors in form.errors.values() for e in errors)
        messages.error(request, _("The segment was not renamed: %(errors)s") % {"errors": errors})
    elif actions.rename_segment(key, form.cleaned_data["name"], request.user) is None:
        messages.success(request, _("The segment has its suggested name again."))
    else:
        messages.success(
            request,
            _("Segment %(key)s is now called “%(name)s”; later runs keep the name.")
            % {"key": key, "name": " ".join(form.cleaned_data["name"].split())},
        )
    return redirect("intelligence:segment", key=segment.key)


EXPORT_COLUMNS = [
    ("customer_code", lambda s: s.customer.code),
    ("customer_name", lambda s: s.customer.name),
    ("owner", lambda s: s.customer.owner.username if s.customer.owner else ""),
    ("status", lambda s: s.customer.status),
    ("tier", lambda s: s.tier),
    ("total_spend", lambda s: s.total_spend),
    ("days_since_last", lambda s: s.days_since_last),
    ("p_alive", lambda s: s.p_alive),
    ("predicted_clv", lambda s: s.predicted_clv),
    ("churn_risk", lambda s: s.churn_risk),
    ("n_flags", lambda s: s.n_flags),
]


@login_required
def segment_export(request: HttpRequest, key: int) -> HttpResponse:
    """The members of a segment as CSV (the project's CSV writer: formula-safe cells)."""
    _viewer(request)
    run, segment = _latest_segment(key)
    members = queries.segment_members(run, key).select_related("customer__owner")
    rows = csv_rows(members, [("segment", lambda _s: segment_label(segment)), *EXPORT_COLUMNS])
    return csv_response(f"segment-{key}-run{run.pk}", rows)


@login_required
@require_POST
def segment_follow_ups(request: HttpRequest, key: int) -> HttpResponse:
    """A follow-up task for each member's owner (managers and administrators, who see
    every customer and so every member)."""
    _viewer(request)
    if not sees_all_customers(request.user):
        raise PermissionDenied
    run, segment = _latest_segment(key)
    form = FollowUpForm(request.POST)
    if not form.is_valid():
        errors = "; ".join(str(e) for errors in form.errors.values() for e in errors)
        messages.error(request, _("No tasks were created: %(errors)s") % {"errors": errors})
        return redirect("intelligence:segment", key=key)
    due_at = timezone.make_aware(datetime.combine(form.cleaned_data["due"], time(9)))
    done = actions.create_follow_ups(
        run, key, subject=form.cleaned_data["subject"], due_at=due_at, by=request.user
    )
    told = [
        ngettext("%(n)s follow-up task created", "%(n)s follow-up tasks created", done.created)
        % {"n": done.created},
        ngettext("for %(n)s owner", "for %(n)s owners", done.owners) % {"n": done.owners},
    ]
    if done.skipped:
        told.append(
            ngettext(
                "%(n)s member had an open task with this subject already",
                "%(n)s members had an open task with this subject already",
                done.skipped,
            )
            % {"n": done.skipped}
        )
    messages.success(request, _("%(done)s.") % {"done": " · ".join(told)})
    return redirect("intelligence:segment", key=segment.key)
