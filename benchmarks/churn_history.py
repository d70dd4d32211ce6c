"""Churn from a CRM's own history, out of time, on Online Retail: who buys nothing in the
90 days after a date, ranked by what was known on that date.

- recency: days since the last order (the rule of thumb);
- lifetimes' BG/NBD P(alive) (the peer library), 1 - P(alive) as the risk;
- kehu's BG/NBD P(alive) (``kehu.insight.analyze``, weekly periods);
- kehu's supervised model (``kehu.insight.churn.history.churn_from_history``): trained
  on the cut-off 90 days before the date, labels from the 90 days up to it.

Every model sees only orders before the date; the truth is the 90 days after it. ROC
AUC and PR AUC on the customers with an order before the date, at two dates.

    .venv/bin/python benchmarks/churn_history.py

Results: a table on stdout and ``bench-out/churn_history.md``.
"""

from __future__ import annotations

import os
import platform
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, roc_auc_score

from kehu.insight.analyze import AnalysisSettings, analyze
from kehu.insight.churn.history import churn_from_history
from kehu.insight.engine import DuckDBEngine

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("KEHU_DATA", REPO.parent / "shared" / "data"))
OUT = REPO / "bench-out"
HORIZON_DAYS = 90
DATES = ("2011-08-01", "2011-09-10")


def orders() -> pd.DataFrame:
    path = DATA / "online_retail" / "online_retail.csv.gz"
    with DuckDBEngine() as engine:
        return engine.query(
            f"""SELECT CAST(CAST(CustomerID AS DOUBLE) AS BIGINT) AS customer_id,
                       InvoiceNo AS order_id, MIN(CAST(InvoiceDate AS TIMESTAMP)) AS ordered_at,
                       SUM(CAST(Quantity AS DOUBLE) * CAST(UnitPrice AS DOUBLE)) AS amount
                FROM read_csv('{path}', all_varchar = true)
                WHERE CustomerID IS NOT NULL GROUP BY ALL""",
            "orders",
        ).to_pandas()


def risks(log: pd.DataFrame, as_of: pd.Timestamp) -> dict[str, tuple[pd.Series, float]]:
    """Each method's risk per customer (higher: more likely to buy nothing), and seconds."""
    before = log[log["ordered_at"] < as_of]
    out: dict[str, tuple[pd.Series, float]] = {}
    started = time.perf_counter()
    last = before.groupby("customer_id")["ordered_at"].max()
    out["recency (days since last order)"] = (
        (as_of - last).dt.total_seconds(),
        time.perf_counter() - started,
    )
    started = time.perf_counter()
    settings = AnalysisSettings(
        period="week",
        observation_end=(as_of - pd.Timedelta(days=1)).date(),
        customer_col="customer_id",
        date_col="ordered_at",
        amount_col="amount",
    )
    customers = analyze(before[before["amount"] > 0], settings).customers
    alive = customers.set_index(customers["customer_id"].astype(np.int64))["p_alive"]
    # the whole value engine runs (three purchase models, the holdout choice of one,
    # Gamma-Gamma, cohorts): its seconds. P(alive) comes from the chosen model, or the
    # better of MBG/NBD and Pareto/NBD when BG/NBD is chosen.
    out["kehu 1 - P(alive) (value engine)"] = (1 - alive, time.perf_counter() - started)
    out["lifetimes BG/NBD 1 - P(alive)"] = _lifetimes(before, as_of)
    started = time.perf_counter()
    model = churn_from_history(before, as_of, horizon_days=HORIZON_DAYS)
    scores = model.scores.to_pandas().set_index("id")["probability"]
    out["kehu churn model (time split)"] = (scores, time.perf_counter() - started)
    return out


def _lifetimes(before: pd.DataFrame, as_of: pd.Timestamp) -> tuple[pd.Series, float]:
    from lifetimes import BetaGeoFitter
    from lifetimes.utils import summary_data_from_transaction_data

    started = time.perf_counter()
    bought = before[before["amount"] > 0]
    rfm = summary_data_from_transaction_data(
        bought,
        "customer_id",
        "ordered_at",
        observation_period_end=as_of - pd.Timedelta(days=1),
        freq="W",
    )
    fitter = BetaGeoFitter(penalizer_coef=0.0).fit(rfm["frequency"], rfm["recency"], rfm["T"])
    alive = fitter.conditional_probability_alive(rfm["frequency"], rfm["recency"], rfm["T"])
    return 1 - pd.Series(np.asarray(alive), index=rfm.index), time.perf_counter() - started


def main() -> None:
    log = orders()
    rows = []
    for date in DATES:
        as_of = pd.Timestamp(date)
        known = log.loc[log["ordered_at"] < as_of, "customer_id"].unique()
        later = log[
            (log["ordered_at"] >= as_of)
            & (log["ordered_at"] < as_of + pd.Timedelta(days=HORIZON_DAYS))
        ]
        truth = pd.Series(~np.isin(known, later["customer_id"].unique()), index=known)
        for name, (risk, seconds) in risks(log, as_of).items():
            aligned = risk.reindex(truth.index)
            kept = aligned.notna()
            rows.append(
                {
                    "date": date,
                    "method": name,
                    "customers": int(kept.sum()),
                    "churned": float(truth[kept].mean()),
                    "roc_auc": roc_auc_score(truth[kept], aligned[kept]),
                    "pr_auc": average_precision_score(truth[kept], aligned[kept]),
                    "seconds": seconds,
                }
            )
            print(f"  {date} {name} done", flush=True)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"Measured {stamp} on {os.cpu_count()} cores, Python {platform.python_version()}.",
        "",
        "| scored on | method | customers | no order in 90 days | ROC AUC | PR AUC | seconds |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['date']} | {r['method']} | {r['customers']:,} | {r['churned']:.1%} | "
            f"{r['roc_auc']:.4f} | {r['pr_auc']:.4f} | {r['seconds']:.1f} |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    OUT.mkdir(exist_ok=True)
    (OUT / "churn_history.md").write_text(text)


if __name__ == "__main__":
    main()
