"""Training an outcome model on a feature table.

Training an outcome model (who will leave, respond, buy) on a feature table:
stratified cross-validation, the calibrated blend fitted on every labelled row, scores
with their reasons, the rule list, and the files ``kehu churn`` writes.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold

from kehu.insight.churn.model import CALIBRATION_FOLDS, OutcomeModel, out_of_fold_log_odds
from kehu.insight.churn.reasons import reason_scores
from kehu.insight.churn.rules import RuleList, rule_list
from kehu.insight.churn.table import FeatureTable
from kehu.insight.errors import InputError

__all__ = ["OutcomeResult", "train_outcome", "write_outcome"]


@dataclass
class OutcomeResult:
    """A trained outcome model: metrics, scores with reasons, rules, the model."""

    metrics: dict[str, Any]
    scores: pa.Table  # id, probability, reason_1..3, top_reasons
    rules: RuleList
    model: OutcomeModel
    target: str
    positive_label: str


def train_outcome(
    table: FeatureTable,
    target: str = "outcome",
    folds: int = 5,
    seed: int = 0,
    *,
    explain: bool = True,
) -> OutcomeResult:
    """Cross-validate the model, fit it on every labelled row, and score every row.

    Cross-validate the model on the labelled rows (stratified ``folds``), fit it on
    all of them, and score every row (with each row's top reasons when ``explain``).
    """
    started = time.perf_counter()
    if folds < 2:
        raise InputError(f"folds must be at least 2, got {folds}")
    labelled = table.labelled
    X = table.features
    X_known, y_known = X[labelled], table.outcome[labelled].to_numpy().astype(int)
    classes = np.bincount(y_known, minlength=2)
    if classes.min() < folds:
        raise InputError(
            f"{folds}-fold cross-validation needs at least {folds} rows of each outcome; "
            f"there are {classes[1]} positive and {classes[0]} negative"
        )
    aucs, pr_aucs, cv_log_odds = _cross_validate(table, X_known, y_known, folds, seed)
    # with as many folds as the calibration, its folds are these: no second round of fits
    model, out_of_fold = OutcomeModel.fit(
        X_known,
        y_known,
        table.numeric,
        table.categorical,
        seed,
        out_of_fold=cv_log_odds if folds == CALIBRATION_FOLDS else None,
    )
    probability = model.probability(X)
    if explain:
        scores = reason_scores(table, probability, model.blend.contributions(X))
    else:
        scores = pa.table({"id": table.ids.to_numpy(), "probability": probability})
    rules = rule_list(
        X, probability, table.outcome.to_numpy(dtype=float), table.numeric, table.categorical
    )
    metrics = {
        "cv_roc_auc": float(np.mean(aucs)),
        "cv_roc_auc_folds": [round(float(a), 4) for a in aucs],
        "cv_pr_auc": float(np.mean(pr_aucs)),
        "cv_pr_auc_folds": [round(float(a), 4) for a in pr_aucs],
        "folds": folds,
        "n_rows": int(len(X)),
        "n_labelled": int(labelled.sum()),
        "n_unlabelled": int((~labelled).sum()),
        "positive_rate": float(y_known.mean()),
        "positive_label": table.positive_label,
        "calibration": _calibration(y_known, out_of_fold),
        "numeric_columns": table.numeric,
        "categorical_columns": table.categorical,
        "dropped_columns": table.dropped,
        "unreadable_cells": table.unreadable,
        "rules_fidelity_r2": rules.fidelity_r2,
        "model": "blend of LightGBM and a scaled logistic regression, Platt-calibrated",
        "seconds": round(time.perf_counter() - started, 2),
    }
    return OutcomeResult(metrics, scores, rules, model, target, table.positive_label)


def _cross_validate(
    table: FeatureTable, X: pd.DataFrame, y: np.ndarray, folds: int, seed: int
) -> tuple[list[float], list[float], np.ndarray]:
    """Return the ranking metrics of the blend per fold and the out-of-fold log-odds.

    Ranking metrics of the blend per fold (calibration is monotone, it would not
    change them), and the out-of-fold log-odds.
    """
    score = out_of_fold_log_odds(X, y, table.numeric, table.categorical, folds, seed)
    aucs, pr_aucs = [], []
    for _train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(X, y):
        aucs.append(roc_auc_score(y[test], score[test]))
        pr_aucs.append(average_precision_score(y[test], score[test]))
    return aucs, pr_aucs, score


def _calibration(y: np.ndarray, probability: np.ndarray) -> dict[str, Any]:
    """Return the Brier score and a reliability table of the probabilities.

    Brier score and a reliability table (ten equal-count bins) of the calibrated
    out-of-fold probabilities.
    """
    order = np.argsort(probability)
    bins = []
    for part in np.array_split(order, 10):
        if part.size:
            bins.append(
                {
                    "predicted": round(float(probability[part].mean()), 4),
                    "observed": round(float(y[part].mean()), 4),
                    "rows": int(part.size),
                }
            )
    return {"brier": float(brier_score_loss(y, probability)), "bins": bins}


def write_outcome(result: OutcomeResult, out: str | Path) -> Path:
    """``metrics.json``, ``scores.parquet`` and ``rules.txt`` in ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "metrics.json").write_text(json.dumps(result.metrics, indent=2, ensure_ascii=False))
    pq.write_table(result.scores, out / "scores.parquet")
    (out / "rules.txt").write_text(
        result.rules.text(result.positive_label, result.target), encoding="utf-8"
    )
    return out
