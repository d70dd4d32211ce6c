"""Possible duplicates side by side with why each was not merged by itself, how each
field compares, the decision (merge, keeping either record, or not the same), and the
merges with their undo.

Administrators, analysts and managers review. A pair of customers owned by two
different users is merged only by an administrator or a manager (it hands one
owner's customer and history to the other)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kehu.crm.accounts.roles import Role, is_admin, roles_of, sees_all_customers
from kehu.crm.integration.dedup import pending_pairs
from kehu.crm.integration.merge import MergeError, mark_distinct, merge_customers, undo_merge
from kehu.crm.integration.models import CustomerMerge, DuplicatePair
from kehu.crm.integration.views import IMPORTERS

SHOWN = ("code", "name", "external_id", "email", "phone", "city", "address", "owner")
COMPARED_LABELS = {
    "name": gettext_lazy("name"),
    "email": gettext_lazy("email"),
    "phone": gettext_lazy("phone"),
    "city": gettext_lazy("city"),
    "address": gettext_lazy("address"),
}
AGREEMENT_LABELS = {
    "same": gettext_lazy("agrees"),
    "close": gettext_lazy("similar"),
    "shared": gettext_lazy("shared with other customers"),
    "differs": gettext_lazy("differs"),
    "missing": gettext_lazy("missing on one side"),
}
REASON_LABELS = {
    "owners_differ": gettext_lazy("Different owners: a manager decides."),
    "conflict": gettext_lazy("Conflicting fields: %(fields)s."),
    "name_differs": gettext_lazy("The names differ."),
    "weak_evidence": gettext_lazy(
        "Besides the name, no email, phone or address of their own agrees "
        "(a role mailbox such as info@ or a value shared with other customers does not count)."
    ),
    "group_conflict": gettext_lazy(
        "Linked to other possible duplicates that conflict or have another owner."
    ),
    "below_threshold": gettext_lazy("Probability below the automatic merge threshold."),
}


def is_manager(user: object) -> bool:
    """An administrator, or a sales user with manager rights (sees every customer)."""
    return is_admin(user) or (Role.SALES.value in roles_of(user) and sees_all_customers(user))


def _reviewer(request: HttpRequest) -> None:
    if not (roles_of(request.user) & IMPORTERS or is_manager(request.user)):
        raise PermissionDenied


def _cross_owner(pair: DuplicatePair) -> bool:
    a, b = pair.customer_a.owner_id, pair.customer_b.owner_id
    return a is not None and b is not None and a != b


def _reasons(pair: DuplicatePair) -> list[str]:
    if not pair.reasons:  # merged by `kehu dedup`, then the merge was undone?
        undone = CustomerMerge.objects.filter(pair=pair, automatic=True, undone_at__isnull=False)
        return [_("Merged automatically before; the merge was undone.")] if undone.exists() else []
    out = []
    for code in pair.reasons:
        if code == "conflict":
            fields = [
                str(COMPARED_LABELS[f])
                for f, level in pair.agreement.items()
                if level == "differs" and f in ("email", "phone", "address")
            ]
            out.append(str(REASON_LABELS[code]) % {"fields": ", ".join(fields)})
        elif code in REASON_LABELS:
            out.append(str(REASON_LABELS[code]))
    return out


def _probability(p: float) -> str:
    """Three decimals; the model is never certain, so not 1.000 but > 0.999."""
    return "> 0.999" if p >= 0.9995 else number_format(p, 3)


def _agreed(merge: CustomerMerge) -> str:
    """The fields that agreed when the merged pair was found."""
    agreement = merge.pair.agreement if merge.pair else {}
    return ", ".join(str(COMPARED_LABELS[f]) for f, v in agreement.items() if v == "same")


def _row(pair: DuplicatePair) -> dict:
    a, b = pair.customer_a, pair.customer_b
    fields = []
    for name in SHOWN:
        level = pair.agreement.get(name, "")
        if name == "owner" and _cross_owner(pair):
            level = "differs"
        fields.append(
            {
                "label": a._meta.get_field(name).verbose_name,
                "left": getattr(a, name),
                "right": getattr(b, name),
                "level": level,
                "level_label": AGREEMENT_LABELS.get(level, ""),
            }
        )
    evidence = [(COMPARED_LABELS.get(k, k), v) for k, v in pair.evidence.items()]
    return {
        "pair": pair,
        "probability": _probability(pair.probability),
        "fields": fields,
        "reasons": _reasons(pair),
        "evidence": evidence,
        "cross_owner": _cross_owner(pair),
    }


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    _reviewer(request)
    pending = pending_pairs().select_related(
        "customer_a", "customer_b", "customer_a__owner", "customer_b__owner"
    )
    page = Paginator(pending, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "integration/duplicates.html",
        {
            "page": page,
            "rows": [_row(pair) for pair in page],
            "manager": is_manager(request.user),
        },
    )


@login_required
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    _reviewer(request)
    pair = get_object_or_404(
        DuplicatePair.objects.select_related("customer_a", "customer_b"),
        pk=pk,
        status=DuplicatePair.Status.PENDING,
    )
    action = request.POST.get("action")
    if action == "distinct":
        try:
            mark_distinct(pair, by=request.user)
        except MergeError:  # decided by someone else since the page was read
            messages.error(request, _("Someone decided this pair already."))
        else:
            messages.success(request, _("Marked as different customers."))
        return redirect("integration:duplicates")
    if action not in ("keep_a", "keep_b"):
        messages.error(request, _("Choose which record to keep, or mark them as different."))
        return redirect("integration:duplicates")
    if _cross_owner(pair) and not is_manager(request.user):
        messages.error(
            request, _("These customers have different owners: only a manager can merge them.")
        )
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
    _reviewer(request)
    merges = CustomerMerge.objects.select_related("winner", "loser", "merged_by", "pair")
    page = Paginator(merges, 50).get_page(request.GET.get("page"))
    rows = [(merge, _agreed(merge)) for merge in page]
    return render(request, "integration/merges.html", {"page": page, "rows": rows})


@login_required
@require_POST
def undo(request: HttpRequest, pk: int) -> HttpResponse:
    _reviewer(request)
    merge = get_object_or_404(CustomerMerge, pk=pk)
    try:
        undo_merge(merge, by=request.user)
    except MergeError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, _("Merge undone: both records are back."))
    return redirect("integration:merges")
