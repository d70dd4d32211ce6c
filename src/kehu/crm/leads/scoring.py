"""Scoring the open leads from the CRM's own history: the leads it converted and those
it disqualified (a duplicate is no outcome and is left out) are the examples of
:func:`kehu.insight.leads.score_leads`; each open lead gets its probability of
conversion and the reasons that raise it most (:func:`kehu.crm.leads.actions.write_scores`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.crm.leads.actions import write_scores
from kehu.crm.leads.models import Lead, LeadEvent
from kehu.insight.errors import InputError
from kehu.insight.leads import MIN_EACH, TooLittleHistoryError, score_leads


class ScoringRefusedError(Exception):
    """Scoring could not run; the message says why, for the user."""


@dataclass(frozen=True)
class ScoringRun:
    n_scored: int
    n_converted: int
    n_lost: int
    cv_roc_auc: float


def lead_history() -> pd.DataFrame:
    """Every lead but the duplicates as the scoring reads it, in one grouped query: its
    own fields, the activities logged on it, the days it was open (to its decision, or
    to now) and its outcome (1 converted, 0 disqualified, missing: open)."""
    now = timezone.now()
    leads = (
        Lead.objects.exclude(
            status=Lead.Status.DISQUALIFIED, disqualify_reason=Lead.DisqualifyReason.DUPLICATE
        )
        .annotate(
            activities=Count("events", filter=Q(events__kind__in=LeadEvent.ACTIVITY_KINDS)),
            disqualified_at=Max(
                "events__occurred_at", filter=Q(events__to_status=Lead.Status.DISQUALIFIED)
            ),
        )
        .order_by("id")
        .values_list(
            "id",
            "source",
            "campaign__name",
            "company",
            "email",
            "title",
            "city",
            "region",
            "status",
            "created_at",
            "converted_at",
            "disqualified_at",
            "activities",
        )
    )
    columns = [
        "id",
        "source",
        "campaign",
        "company",
        "email",
        "title",
        "city",
        "region",
        "status",
        "created_at",
        "converted_at",
        "disqualified_at",
        "activities",
    ]
    frame = pd.DataFrame.from_records(list(leads), columns=columns)
    return _with_outcome(frame, now)


def _with_outcome(frame: pd.DataFrame, now: Any) -> pd.DataFrame:
    status = frame["status"]
    outcome = np.select(
        [status == Lead.Status.CONVERTED, status == Lead.Status.DISQUALIFIED], [1.0, 0.0], np.nan
    )
    created = pd.to_datetime(frame["created_at"], utc=True)
    decided = pd.to_datetime(frame["converted_at"], utc=True).fillna(
        pd.to_datetime(frame["disqualified_at"], utc=True)
    )
    end = decided.where(~np.isnan(outcome), pd.Timestamp(now))
    frame["days_open"] = ((end - created).dt.total_seconds() / 86400).clip(lower=0)
    frame["outcome"] = outcome
    return frame


def score_open_leads(*, min_each: int = MIN_EACH) -> ScoringRun:
    """Learn from the decided leads and write each open lead's score and reasons.

    Raises :class:`ScoringRefusedError` (with a message for the user) when there is too
    little history or no open lead."""
    history = lead_history()
    try:
        scores = score_leads(history, min_each=min_each)
    except TooLittleHistoryError as e:
        raise ScoringRefusedError(
            _(
                "Too little history to score leads: %(converted)s converted and %(lost)s "
                "lost leads; at least %(least)s of each are needed."
            )
            % {"converted": e.n_converted, "lost": e.n_lost, "least": e.min_each}
        ) from e
    except InputError as e:
        raise ScoringRefusedError(_("No open lead to score.")) from e
    write_scores(
        dict(
            zip(
                scores.ids.tolist(),
                zip(scores.probability.tolist(), scores.reasons, strict=True),
                strict=True,
            )
        )
    )
    m = scores.metrics
    return ScoringRun(m["n_scored"], m["n_converted"], m["n_lost"], m["cv_roc_auc"])
