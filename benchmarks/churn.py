"""Outcome models side by side on the shared public data, same folds for every model:
a scaled logistic regression (one-hot categories, median-imputed numbers), LightGBM
with its defaults, and kehu's model (``kehu.insight.churn``: a calibrated blend of a
regularised LightGBM and the logistic regression).

- Telco Customer Churn (7,043 customers): 5-fold stratified CV ROC AUC and PR AUC.
  The target for kehu: at least 0.845 (the logistic regression's published figure).
- Bank Marketing (bank-additional-full, 41,188 calls) without ``duration`` (known only
  after the call): the same CV, and a chronological 80/20 split (the rows are in time
  order), where the data drift.

    .venv/bin/python benchmarks/churn.py             # both data sets
    .venv/bin/python benchmarks/churn.py --only telco

Results: a table on stdout and ``bench-out/churn.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from datetime import UTC, datetime
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from kehu.insight.churn import feature_table
from kehu.insight.churn.model import OutcomeModel

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("KEHU_DATA", REPO.parent / "shared" / "data"))
OUT = REPO / "bench-out"
FOLDS = 5


def telco() -> tuple[pd.DataFrame, str]:
    path = DATA / "telco_customer_churn" / "Telco-Customer-Churn.csv.gz"
    return pd.read_csv(path, dtype=str, keep_default_na=False), "Churn"


def bank() -> tuple[pd.DataFrame, str]:
    path = DATA / "bank_marketing" / "bank-additional-full.csv.gz"
    frame = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False)
    return frame.drop(columns=["duration"]), "y"


def logistic(numeric: list[str], categorical: list[str]) -> Pipeline:
    prepare = ColumnTransformer(
        [
            (
                "num",
                Pipeline([("i", SimpleImputer(strategy="median")), ("s", StandardScaler())]),
                numeric,
            ),
            ("cat", OneHotEncoder(handle_unknown="ignore"), categorical),
        ]
    )
    return Pipeline([("prepare", prepare), ("model", LogisticRegression(max_iter=5000))])


def scores(name: str, table, train: np.ndarray, test: np.ndarray, y: np.ndarray) -> np.ndarray:
    X = table.features
    if name == "logistic regression":
        plain = X.copy()
        for c in table.categorical:
            plain[c] = plain[c].astype(object).where(plain[c].notna(), "(missing)")
        model = logistic(table.numeric, table.categorical).fit(plain.iloc[train], y[train])
        return model.predict_proba(plain.iloc[test])[:, 1]
    if name == "LightGBM (defaults)":
        model = lgb.LGBMClassifier(verbose=-1, random_state=0).fit(X.iloc[train], y[train])
        return model.predict_proba(X.iloc[test])[:, 1]
    model, _ = OutcomeModel.fit(X.iloc[train], y[train], table.numeric, table.categorical)
    return model.probability(X.iloc[test])


MODELS = ("logistic regression", "LightGBM (defaults)", "kehu")


def evaluate(label: str, frame: pd.DataFrame, target: str, chronological: bool) -> list[dict]:
    table = feature_table(frame, target)
    y = table.outcome.to_numpy().astype(int)
    splits = list(StratifiedKFold(FOLDS, shuffle=True, random_state=0).split(table.features, y))
    rows = []
    for name in MODELS:
        started = time.perf_counter()
        aucs, prs = [], []
        for train, test in splits:
            s = scores(name, table, train, test, y)
            aucs.append(roc_auc_score(y[test], s))
            prs.append(average_precision_score(y[test], s))
        row = {
            "data": label,
            "model": name,
            "cv_roc_auc": float(np.mean(aucs)),
            "cv_pr_auc": float(np.mean(prs)),
            "seconds": time.perf_counter() - started,
        }
        if chronological:
            cut = int(len(y) * 0.8)
            s = scores(name, table, np.arange(cut), np.arange(cut, len(y)), y)
            row["time_split_roc_auc"] = float(roc_auc_score(y[cut:], s))
        rows.append(row)
        print(f"  {label}: {name} done", flush=True)
    return rows


def table_md(rows: list[dict]) -> str:
    lines = [
        "| data | model | 5-fold ROC AUC | 5-fold PR AUC | chronological 80/20 ROC AUC | seconds |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        split = f"{r['time_split_roc_auc']:.4f}" if "time_split_roc_auc" in r else "—"
        lines.append(
            f"| {r['data']} | {r['model']} | {r['cv_roc_auc']:.4f} | {r['cv_pr_auc']:.4f} | "
            f"{split} | {r['seconds']:.1f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["telco", "bank"])
    args = parser.parse_args()
    rows: list[dict] = []
    if args.only in (None, "telco"):
        rows += evaluate("Telco churn", *telco(), chronological=False)
    if args.only in (None, "bank"):
        rows += evaluate("Bank marketing (no duration)", *bank(), chronological=True)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    header = f"Measured {stamp} on {os.cpu_count()} cores, Python {platform.python_version()}."
    text = header + "\n\n" + table_md(rows) + "\n"
    telco_kehu = [r for r in rows if r["data"] == "Telco churn" and r["model"] == "kehu"]
    if telco_kehu:
        met = telco_kehu[0]["cv_roc_auc"] >= 0.845
        text += f"\nTarget for kehu on Telco: ROC AUC >= 0.845: {'met' if met else 'NOT met'}.\n"
    print(text)
    OUT.mkdir(exist_ok=True)
    (OUT / "churn.md").write_text(text)


if __name__ == "__main__":
    main()
