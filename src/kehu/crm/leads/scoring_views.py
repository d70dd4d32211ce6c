"""The "Score now" button of the lead list (administrators and analysts)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.crm.leads.scoring import ScoringRefusedError, score_open_leads


@login_required
@permission_required("leads.score_lead", raise_exception=True)
@require_POST
def score_now(request: HttpRequest) -> HttpResponse:
    try:
        run = score_open_leads()
    except ScoringRefusedError as e:
        messages.warning(request, str(e))
    else:
        messages.success(
            request,
            _(
                "%(n)s open leads scored, learnt from %(converted)s converted and %(lost)s "
                "lost leads (cross-validated ROC AUC %(auc)s)."
            )
            % {
                "n": run.n_scored,
                "converted": run.n_converted,
                "lost": run.n_lost,
                "auc": f"{run.cv_roc_auc:.2f}",
            },
        )
    return redirect("leads:list")
