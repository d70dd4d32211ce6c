"""The overview a run stores for the intelligence page: the value pyramid with each
tier's share of value, the distributions of the segment schemes, and the overall
evaluation indices (satisfaction, loyalty, retention, contribution)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from kehu.insight.analyze import Analysis
from kehu.insight.lifecycle import LIFECYCLE_STAGES, LOYALTY_STAGES

LOYAL_STAGES = ("repeat", "loyal", "advocate")
RETENTION_MONTHS = (1, 3, 6, 12)
COHORT_MONTHS = 12
COHORT_ROWS = 24


def _number(value: Any) -> float | None:
    value = float(value)
    return value if np.isfinite(value) else None


def pyramid(analysis: Analysis) -> list[dict[str, Any]]:
    """Per tier, top first: customers, their spend and predicted CLV, and shares."""
    c = analysis.customers
    names = [name for name, _share in analysis.settings.tiers]
    grouped = c.groupby("tier").agg(
        n=("customer_id", "size"), spend=("total_spend", "sum"), clv=("predicted_clv", "sum")
    )
    grouped = grouped.reindex(names).fillna(0)
    total_spend = max(float(grouped["spend"].clip(lower=0).sum()), 1e-9)
    total_clv = max(float(grouped["clv"].clip(lower=0).sum()), 1e-9)
    return [
        {
            "tier": tier,
            "n": int(row.n),
            "customer_share": row.n / max(len(c), 1),
            "spend": float(row.spend),
            "spend_share": max(float(row.spend), 0) / total_spend,
            "clv": float(row.clv),
            "clv_share": max(float(row.clv), 0) / total_clv,
        }
        for tier, row in grouped.iterrows()
    ]


def _counts(values: pd.Series, order: tuple[str, ...] | list[str]) -> list[dict[str, Any]]:
    counts = values.value_counts()
    names = list(order) + sorted(set(counts.index) - set(order))
    return [{"name": name, "n": int(counts.get(name, 0))} for name in names]


def _month_index(year_month: str) -> int:
    year, month = year_month.split("-")
    return int(year) * 12 + int(month) - 1


def cohort_table(cohorts: pd.DataFrame, last_day: date) -> dict[str, Any]:
    """The latest ``COHORT_ROWS`` monthly acquisition cohorts and the share of each that
    bought in each of the first ``COHORT_MONTHS`` months after (None: not reached yet;
    a month that ``last_day`` ends before its end is not reached either, so that its
    first days do not read as a drop in the heatmap)."""
    months = list(range(1, COHORT_MONTHS + 1))
    last = last_day.year * 12 + last_day.month - 1
    if (last_day + timedelta(days=1)).day != 1:
        last -= 1
    rows = []
    for record in cohorts.tail(COHORT_ROWS).to_dict("records"):
        start = _month_index(record["cohort"])
        shares = [
            None if start + m > last else (_number(record.get(m, np.nan)) or 0.0) for m in months
        ]
        rows.append({"cohort": record["cohort"], "size": int(record["size"]), "shares": shares})
    return {"months": months, "rows": rows}


def retention(cohorts: pd.DataFrame) -> dict[str, float | None]:
    """Per month offset k: the share of customers (of every cohort old enough to have
    reached month k) who bought in their k-th month after acquisition, size-weighted."""
    out: dict[str, float | None] = {}
    for k in RETENTION_MONTHS:
        if k not in cohorts.columns:
            out[str(k)] = None
            continue
        reached = cohorts.iloc[: max(len(cohorts) - k, 0)]
        size = reached["size"].sum()
        active = (reached[k].fillna(0) * reached["size"]).sum()
        out[str(k)] = float(active / size) if size else None
    return out


def contribution(table: pd.DataFrame) -> dict[str, Any]:
    """Total margin where the cost of the goods is known, and the share of (positive)
    margin that the top 20% of customers by margin bring."""
    margin = table["margin"].dropna().sort_values(ascending=False)
    positive = margin.clip(lower=0)
    top = positive.iloc[: max(int(np.ceil(0.2 * len(margin))), 1)] if len(margin) else positive
    return {
        "total_margin": float(margin.sum()) if len(margin) else None,
        "n_customers": len(margin),
        "top20_share": float(top.sum() / positive.sum()) if positive.sum() > 0 else None,
    }


def indices(analysis: Analysis, table: pd.DataFrame) -> dict[str, Any]:
    rated = table["satisfaction"].dropna()
    ladder = table["loyalty_stage"]
    buyers = ladder[ladder != "prospect"]
    return {
        "satisfaction": {
            "mean": float(rated.mean()) if len(rated) else None,
            "n_customers": len(rated),
        },
        "loyalty": {
            "share": float(buyers.isin(LOYAL_STAGES).mean()) if len(buyers) else None,
            "n_customers": len(buyers),
        },
        "retention": retention(analysis.cohorts),
        "contribution": contribution(table),
    }


def build(analysis: Analysis, table: pd.DataFrame) -> dict[str, Any]:
    c = analysis.customers
    return {
        "pyramid": pyramid(analysis),
        "abc": _counts(c["abc_class"], ["A", "B", "C"]),
        "rfm_segments": [
            {"name": k, "n": int(v)} for k, v in analysis.models["rfm_segments"].items()
        ],
        "lifecycle": _counts(c["lifecycle_stage"], LIFECYCLE_STAGES),
        "loyalty": _counts(table["loyalty_stage"], LOYALTY_STAGES),
        "pareto": analysis.pareto.as_dict(),
        "indices": indices(analysis, table),
        "cohorts": cohort_table(analysis.cohorts, analysis.summary.calibration_end),
        "observation_end": analysis.summary.calibration_end.isoformat(),
    }
