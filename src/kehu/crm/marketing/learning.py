"""The loop closed: after each analysis run, learn from every campaign so far whom a
campaign moves, and score every customer for the next one.

Training rows are the members of past campaigns, targeted and control, with the
analysis's view of each customer when they were enrolled (``CampaignMember.features``
and tier) and whether they ordered in the campaign's window. With control groups
(:mod:`kehu.insight.uplift`) two uplift models are compared by cross-validated Qini
and the better one predicts each customer's uplift; without them only the response
propensity of targeted members is learnt. Current customers are scored on their
current scores, the same columns. A target list can then keep the customers with the
highest predicted uplift.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd
from django.utils import timezone

from kehu.crm.intelligence.models import CustomerScore, ValueRun
from kehu.crm.marketing import actions
from kehu.crm.marketing.models import Campaign, CampaignMember, ResponseLearning
from kehu.insight.errors import InsightError
from kehu.insight.uplift import ResponseModel, select_uplift_model

logger = logging.getLogger(__name__)

FEATURES = list(actions.FEATURES)
TIERS = ("Platinum", "Gold", "Iron", "Lead")
MIN_MEMBERS = 200
FOLDS = 3


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The model's columns. A customer the analysis could not score (a prospect, no
    orders yet) has no P(alive) or CLV: ``scored`` says so and the gaps are zeros, so
    that the trees split on it rather than guess where a missing value belongs."""
    frame = pd.DataFrame(rows, columns=[*FEATURES, "tier"])
    for name in FEATURES:
        frame[name] = pd.to_numeric(frame[name], errors="coerce").astype(float)
    frame.insert(0, "scored", frame["p_alive"].notna().astype(float))
    frame[FEATURES] = frame[FEATURES].fillna(0.0)
    frame["tier"] = pd.Categorical(frame["tier"].fillna("").replace("", "none"), [*TIERS, "none"])
    return frame


def training_rows(campaigns: list[Campaign]) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    members = CampaignMember.objects.filter(campaign__in=campaigns).exclude(group="")
    values = list(members.values("features", "tier", "group", "converted"))
    X = _frame([{**(v["features"] or {}), "tier": v["tier"]} for v in values])
    y = np.array([int(v["converted"]) for v in values])
    treatment = np.array([int(v["group"] == CampaignMember.Group.TREATED) for v in values])
    return X, y, treatment


def current_customers() -> tuple[np.ndarray, pd.DataFrame]:
    scores = CustomerScore.objects.filter(customer__merged_into__isnull=True).values(
        "customer_id", "tier", *FEATURES
    )
    rows = list(scores)
    ids = np.array([r["customer_id"] for r in rows], dtype=np.int64)
    return ids, _frame(rows)


def learnable_campaigns() -> list[Campaign]:
    """Campaigns that sent and whose window has begun: their members' outcomes are
    counted again now, so that the latest orders are in."""
    campaigns = list(
        Campaign.objects.filter(
            status__in=[Campaign.Status.SENT, Campaign.Status.SENDING],
            starts_on__lte=timezone.localdate(),
        )
    )
    for campaign in campaigns:
        actions.refresh_outcomes(campaign)
    return campaigns


def learn(run: ValueRun | None = None) -> ResponseLearning:
    """Fit the response and uplift models on every campaign so far and score every
    customer; a step that cannot run records why (too few members, one outcome only)."""
    campaigns = learnable_campaigns()
    record = ResponseLearning(run_id=run.pk if run else None, campaigns=len(campaigns))
    X, y, treatment = training_rows(campaigns)
    record.members = len(y)
    if len(y) < MIN_MEMBERS:
        record.skipped = f"{len(y)} campaign members so far; the response models need {MIN_MEMBERS}"
        return actions.save_learning(record, None)
    summary: dict[str, Any] = {
        "treated": int(treatment.sum()),
        "control": int((1 - treatment).sum()),
    }
    try:
        response = ResponseModel(learner="lightgbm", random_state=0).fit(X, y, treatment)
    except InsightError as e:
        record.skipped = str(e).splitlines()[0]
        return actions.save_learning(record, None)
    ids, now = current_customers()
    scores = pd.DataFrame({"customer_id": ids, "propensity": response.predict(now)})
    scores["uplift"] = np.nan
    try:
        selection = select_uplift_model(X, y, treatment, folds=FOLDS, random_state=0)
    except InsightError as e:
        summary["uplift_skipped"] = str(e).splitlines()[0]
    else:
        summary["uplift"] = selection.as_dict()
        scores["uplift"] = selection.model.predict(now)
    record.summary = summary
    record.scored = len(scores)
    return actions.save_learning(record, scores)


def on_run_finished(sender: type, run: ValueRun, **kwargs: object) -> None:
    learning = learn(run)
    if learning.skipped:
        logger.info("campaign learning after run %s: %s", run.pk, learning.skipped)
