"""Churn learned from a CRM's own history by a time split.

The features of every customer are computed as of a past cut-off (``as_of`` minus
``horizon_days``) from what happened before it; the label is whether the customer
bought again between the cut-off and ``as_of`` (no order: churned). The model learned
there scores each customer's features as of ``as_of``: the probability of no order in
the next ``horizon_days``, with the features that raise it most, in words.

A non-contractual customer never announces leaving; "no order within the horizon" is
the working definition, the same one the BTYD models' P(alive) estimates without
labels. The two disagree where behaviour beyond the purchase rhythm matters
(complaints, returns, a category or channel that is fading), which is what the
supervised model adds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from kehu.insight.behaviour import customer_behaviour
from kehu.insight.churn.outcome import OutcomeResult, train_outcome
from kehu.insight.churn.reasons import reason_scores
from kehu.insight.churn.table import FeatureTable
from kehu.insight.engine import Engine
from kehu.insight.errors import InputError, coded
from kehu.insight.segments import LABELS

MIN_CUSTOMERS = 50
#: The churn window is this many typical gaps between a customer's orders ...
WINDOW_GAPS = 3
#: ... in whole months (30 days), within these bounds (days).
WINDOW_DAYS = (30, 180)
MAX_TRAIN_ROWS = 200_000
#: Features rounded for the reasons' words (days as whole days, shares to a percent).
ROUNDING = {
    "recency_days": 0,
    "tenure_days": 0,
    "mean_gap_days": 1,
    "returns_share": 2,
    "overdue_amount": 0,
    "days_overdue": 0,
}


@dataclass
class HistoryChurn:
    """Churn scores learned from purchase histories, with metrics and the training."""

    scores: pa.Table  # id, probability, reason_1..3, top_reasons
    metrics: dict[str, Any]
    training: OutcomeResult


def _readable(features: pd.DataFrame) -> pd.DataFrame:
    out = features.drop(columns=["customer_id"]).astype(float)
    for column in out.columns:
        digits = ROUNDING.get(column, 2 if column.startswith(("category: ", "channel: ")) else 1)
        out[column] = out[column].round(digits)
    return out.rename(columns=_label)


def _label(column: str) -> str:
    if column.startswith("category: "):
        return "share of spend on " + column.removeprefix("category: ")
    if column.startswith("channel: "):
        return "share of orders by " + column.removeprefix("channel: ")
    return LABELS.get(column, column)


def churn_window_days(orders: pd.DataFrame, as_of: date | datetime) -> dict[str, Any]:
    """Return the churn window chosen from how often customers order.

    Return the churn window chosen from how often customers order: ``WINDOW_GAPS`` times the
    median gap between consecutive orders of one customer (before ``as_of``), rounded up to whole
    months within ``WINDOW_DAYS``, and at most half the history, so the cut-off leaves history to
    learn from. A shop whose customers order yearly gets a longer window than one whose customers
    order weekly: "no order in the window" then means an unusual silence, not a normal pause.

    Returns ``{"days", "median_gap_days", "history_days"}``.
    """
    end = pd.Timestamp(as_of)
    when = pd.to_datetime(orders["ordered_at"])
    past = pd.DataFrame({"customer_id": orders["customer_id"], "at": when})[when < end]
    past = past.sort_values(["customer_id", "at"])
    gaps = past.groupby("customer_id")["at"].diff().dt.total_seconds().dropna() / 86400
    gaps = gaps[gaps > 0]
    median_gap = float(gaps.median()) if len(gaps) else None
    history = int((end - past["at"].min()).days) if len(past) else 0
    low, high = WINDOW_DAYS
    days = high if median_gap is None else int(30 * np.ceil(WINDOW_GAPS * median_gap / 30))
    days = int(min(max(days, low), high, max(history // 2, 7)))
    return {"days": days, "median_gap_days": median_gap, "history_days": history}


def churn_from_history(
    orders: pd.DataFrame,
    as_of: date | datetime,
    *,
    horizon_days: int = 90,
    lines: pd.DataFrame | None = None,
    tickets: pd.DataFrame | None = None,
    folds: int = 3,
    seed: int = 0,
    invoices: pd.DataFrame | None = None,
    payments: pd.DataFrame | None = None,
    engine: Engine | None = None,
) -> HistoryChurn:
    """Train a churn model on a past cut-off and score every customer as of ``as_of``.

    Train on the cut-off ``as_of - horizon_days`` and score every customer as of
    ``as_of``. ``orders``, ``lines``, ``tickets``, ``invoices`` and ``payments`` as in
    :func:`kehu.insight.behaviour.customer_behaviour` (what was overdue at the cut-off
    trains the model; what is overdue now is scored). ``engine`` runs the features' SQL
    (by default an in-process DuckDB).
    """
    if horizon_days < 7:
        raise InputError(f"horizon_days must be at least 7, got {horizon_days}")
    end = pd.Timestamp(as_of).to_pydatetime()
    cutoff = end - timedelta(days=horizon_days)
    past = customer_behaviour(
        orders,
        cutoff,
        lines=lines,
        tickets=tickets,
        invoices=invoices,
        payments=payments,
        engine=engine,
    )
    if len(past.features) < MIN_CUSTOMERS:
        raise coded(
            InputError(
                f"churn from history needs at least {MIN_CUSTOMERS} customers with orders "
                f"before {cutoff:%Y-%m-%d} (the cut-off {horizon_days} days before "
                f"{end:%Y-%m-%d}); there are {len(past.features)}"
            ),
            "churn_few_customers",
            n=len(past.features),
            minimum=MIN_CUSTOMERS,
            cutoff=f"{cutoff:%Y-%m-%d}",
        )
    when = pd.to_datetime(orders["ordered_at"])
    came_back = orders.loc[(when >= cutoff) & (when < end), "customer_id"].unique()
    churned = (~past.features["customer_id"].isin(came_back)).astype(float)
    n_churned = int(churned.sum())
    n_back = len(churned) - n_churned
    if min(n_churned, n_back) < folds:
        raise coded(
            InputError(
                f"churn from history needs customers who came back and customers who did "
                f"not in the {horizon_days} days after {cutoff:%Y-%m-%d}: {n_back} came "
                f"back, {n_churned} did not (at least {folds} of each)"
            ),
            "churn_one_outcome",
            came_back=n_back,
            churned=n_churned,
            days=horizon_days,
            cutoff=f"{cutoff:%Y-%m-%d}",
        )
    train = past.features
    if len(train) > MAX_TRAIN_ROWS:  # the model's quality saturates long before
        pick = np.random.default_rng(seed).choice(len(train), MAX_TRAIN_ROWS, replace=False)
        train, churned = train.iloc[np.sort(pick)], churned.iloc[np.sort(pick)]
    X_train = _readable(train)
    table = FeatureTable(
        ids=train["customer_id"].reset_index(drop=True),
        features=X_train.reset_index(drop=True),
        outcome=churned.reset_index(drop=True),
        numeric=list(X_train.columns),
        categorical=[],
        positive_label="churned",
    )
    # the training rows' own reasons are never read: only today's scores are explained
    training = train_outcome(table, target="churned", folds=folds, seed=seed, explain=False)
    now = customer_behaviour(
        orders,
        end,
        lines=lines,
        tickets=tickets,
        categories=past.categories,
        channels=past.channels,
        invoices=invoices,
        payments=payments,
        engine=engine,
    )
    X_now = _readable(now.features).reindex(columns=X_train.columns, fill_value=0.0)
    scoring = FeatureTable(
        ids=now.features["customer_id"],
        features=X_now,
        outcome=pd.Series(np.nan, index=X_now.index),
        numeric=list(X_now.columns),
        categorical=[],
    )
    probability = training.model.probability(X_now)
    scores = reason_scores(scoring, probability, training.model.blend.contributions(X_now))
    metrics = {
        **{k: training.metrics[k] for k in ("cv_roc_auc", "cv_pr_auc", "calibration", "folds")},
        "cutoff": f"{cutoff:%Y-%m-%d}",
        "as_of": f"{end:%Y-%m-%d}",
        "horizon_days": horizon_days,
        "n_trained": len(table.ids),
        "churn_rate": float(churned.mean()),
        "n_scored": len(X_now),
        "mean_probability": float(np.mean(probability)) if len(probability) else None,
        "rules": training.rules.text("churned", "churned"),
    }
    return HistoryChurn(scores, metrics, training)
