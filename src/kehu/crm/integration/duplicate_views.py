"""Possible duplicates side by side with the evidence, the decision (merge, keeping
either record, or not the same), and the merges with their undo."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.crm.integration.merge import MergeError, merge_customers, undo_merge
from kehu.crm.integration.models import CustomerMerge, DuplicatePair
from kehu.crm.integration.views import _importer

SHOWN = ("code", "name", "external_id", "email", "phone", "city", "address", "created_at")


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    _importer(request)
    pending = DuplicatePair.objects.filter(status=DuplicatePair.Status.PENDING).select_related(
        "customer_a", "customer_b"
    )
    page = Paginator(pending, 20).get_page(request.GET.get("page"))
    rows = [
        {
            "pair": pair,
            "fields": [
                (
                    pair.customer_a._meta.get_field(f).verbose_name,
                    getattr(pair.customer_a, f),
                    getattr(pair.customer_b, f),
                )
                for f in SHOWN
            ],
        }
        for pair in page
    ]
    return render(request, "integration/duplicates.html", {"page": page, "rows": rows})


@login_required
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    _importer(request)
    pair = get_object_or_404(DuplicatePair, pk=pk, status=DuplicatePair.Status.PENDING)
    action = request.POST.get("action")
    if action == "distinct":
        pair.status = DuplicatePair.Status.DISTINCT
        pair.decided_by = request.user
        pair.decided_at = timezone.now()
        pair.save(update_fields=["status", "decided_by", "decided_at"])
        messages.success(request, _("Marked as different customers."))
        return redirect("integration:duplicates")
    if action not in ("keep_a", "keep_b"):
        messages.error(request, _("Choose which record to keep, or mark them as different."))
        return redirect("integration:duplicates")
    a, b = pair.customer_a, pair.customer_b
    winner, loser = (a, b) if action == "keep_a" else (b, a)
    try:
        merge_customers(winner, loser, by=request.user, pair=pair)
    except MergeError as e:
        messages.error(request, str(e))
    else:
        messages.success(
            request,
            _("%(loser)s merged into %(winner)s.") % {"loser": loser.code, "winner": winner.code},
        )
    return redirect("integration:duplicates")


@login_required
def merge_list(request: HttpRequest) -> HttpResponse:
    _importer(request)
    merges = CustomerMerge.objects.select_related("winner", "loser", "merged_by")
    page = Paginator(merges, 50).get_page(request.GET.get("page"))
    return render(request, "integration/merges.html", {"page": page})


@login_required
@require_POST
def undo(request: HttpRequest, pk: int) -> HttpResponse:
    _importer(request)
    merge = get_object_or_404(CustomerMerge, pk=pk)
    try:
        undo_merge(merge, by=request.user)
    except MergeError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, _("Merge undone: both records are back."))
    return redirect("integration:merges")
