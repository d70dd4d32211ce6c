"""The data-mining steps of an analysis run, on what :mod:`extract` read from the CRM:
behavioural segments (keys kept from the previous run), churn risk learned from the
CRM's own history, deviation flags, next-best products and sales forecasts.

Each step is independent: one that cannot run on this database (too few customers,
no order lines) is recorded as skipped with the reason, and the others go on. The
results come back as per-customer columns (``segment, churn_risk, n_flags``), per-
customer explanations (the ``CustomerInsight`` rows) and a JSON summary for the run.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from kehu.insight.behaviour import customer_behaviour
from kehu.insight.churn.history import churn_from_history, churn_window_days
from kehu.insight.deviation import customer_flags, unusual_orders
from kehu.insight.engine import DuckDBEngine, Engine, QueryError
from kehu.insight.errors import InsightError, coded
from kehu.insight.segments import Segmenter

logger = logging.getLogger(__name__)
Step = Callable[[str], None]

N_RECOMMENDATIONS = 5
FORECAST_MONTHS = 6
FORECAST_SERIES = 8  # per dimension: the largest groups
FLAGS_PER_CUSTOMER = 5
RECENT_ORDERS_DAYS = 90


@dataclass
class MiningInput:
    orders: pd.DataFrame  # customer_id, order_id, ordered_at, amount, channel
    lines: pd.DataFrame  # customer_id, order_id, ordered_at, product_id, category, quantity, amount
    tickets: pd.DataFrame  # customer_id, opened_at, kind
    regions: pd.DataFrame  # customer_id, region
    as_of: datetime
    previous_segments: pd.Series | None = None  # customer id -> key
    bg_nbd: tuple[float, float] | None = None  # (r, alpha) in weeks
    invoices: pd.DataFrame | None = None  # customer_id, invoice_id, issued_on, due_on, amount
    payments: pd.DataFrame | None = None  # invoice_id, paid_on, amount


@dataclass
class MiningResult:
    columns: pd.DataFrame  # customer_id, segment, churn_risk, n_flags
    segments: list[dict[str, Any]] = field(default_factory=list)
    # per customer id, a JSON list (text): reasons, products to offer, deviation flags
    reasons: pd.Series = field(default_factory=lambda: pd.Series(dtype=object))
    recommendations: pd.Series = field(default_factory=lambda: pd.Series(dtype=object))
    flags: pd.Series = field(default_factory=lambda: pd.Series(dtype=object))
    summary: dict[str, Any] = field(default_factory=dict)


def _json_lists(
    rows: pd.DataFrame | pa.Table, fields: str, order: str, where: str = ""
) -> pd.Series:
    """One JSON list per ``customer_id`` of ``rows``, each element the struct ``fields``
    (DuckDB struct syntax), in ``order``: built in DuckDB, no Python loop over rows."""
    with DuckDBEngine() as engine:
        engine.register_table("rows_in", rows)
        found = engine.query(
            f"SELECT customer_id, CAST(to_json(list({{{fields}}} ORDER BY {order})) AS VARCHAR) "
            f"AS items FROM (SELECT * FROM rows_in {where}) GROUP BY customer_id",
            "per-customer lists",
        ).to_pandas()
    return pd.Series(found["items"].to_numpy(dtype=object), index=found["customer_id"].to_numpy())


def as_of_for(observation_end: date) -> datetime:
    """The moment after the observation's last day: everything on that day counts."""
    return datetime.combine(observation_end, datetime.min.time()) + timedelta(days=1)


def run_mining(
    data: MiningInput, step: Step | None = None, engine: Engine | None = None
) -> MiningResult:
    """Every step in turn; ``step(name)`` is told as each starts. ``engine`` (e.g. the
    run's Spark) runs the behaviour features' and the deviation checks' SQL; by default
    each step's own DuckDB."""
    result = MiningResult(columns=pd.DataFrame({"customer_id": np.array([], dtype=np.int64)}))
    lines = data.lines[data.lines["category"] != ""] if len(data.lines) else None
    behaviour = customer_behaviour(
        data.orders,
        data.as_of,
        lines=lines,
        tickets=data.tickets if len(data.tickets) else None,
        engine=engine,
    )
    result.columns = behaviour.features[["customer_id"]].copy()
    steps: list[tuple[str, Callable[[], dict[str, Any]]]] = [
        ("finding segments", lambda: _segments(data, behaviour.features, result)),
        ("learning churn", lambda: _churn(data, lines, result, engine)),
        ("checking deviations", lambda: _deviations(data, behaviour.features, result, engine)),
        ("recommending products", lambda: _recommendations(data, result)),
        ("forecasting sales", lambda: _forecasts(data, result)),
    ]
    for name, work in steps:
        if step is not None:
            step(name)
        started = time.perf_counter()
        try:
            summary = work()
        except QueryError:  # a query the backend refused is a fault, not a skipped step
            raise
        except InsightError as e:
            summary = {"skipped": str(e).splitlines()[0], **skip_code(e)}
        summary["seconds"] = round(time.perf_counter() - started, 2)
        result.summary[name.split()[-1]] = summary
    return result


def _segments(data: MiningInput, features: pd.DataFrame, result: MiningResult) -> dict[str, Any]:
    segmenter = Segmenter().fit(features, previous=data.previous_segments)
    result.columns["segment"] = segmenter.labels_.reindex(result.columns["customer_id"]).to_numpy()
    result.segments = [
        {
            "key": p.key,
            "name": p.name,
            "name_key": p.name_key,
            "name_detail": p.name_detail,
            "size": p.size,
            "share": p.share,
            "value_share": p.value_share,
            "traits": [
                {
                    "feature": t.feature,
                    "z": round(t.z, 3),
                    "segment": t.segment_median,
                    "overall": t.overall_median,
                    "text": t.text,
                }
                for t in p.traits
            ],
            "medians": p.medians,
        }
        for p in segmenter.profiles_
    ]
    return segmenter.summary()


def _churn(
    data: MiningInput, lines: pd.DataFrame | None, result: MiningResult, engine: Engine | None
) -> dict[str, Any]:
    window = churn_window_days(data.orders, data.as_of)  # from how often customers order
    churn = churn_from_history(
        data.orders,
        data.as_of,
        horizon_days=window["days"],
        lines=lines,
        tickets=data.tickets if len(data.tickets) else None,
        invoices=data.invoices if data.invoices is not None and len(data.invoices) else None,
        payments=data.payments,
        engine=engine,
    )
    scores = churn.scores.to_pandas().set_index("id")
    result.columns["churn_risk"] = (
        scores["probability"].reindex(result.columns["customer_id"]).to_numpy()
    )
    with DuckDBEngine() as engine:
        engine.register_table("scores_in", churn.scores)
        found = engine.query(
            "SELECT id, CAST(to_json(top_reasons) AS VARCHAR) AS reasons FROM scores_in "
            "WHERE len(top_reasons) > 0",
            "churn reasons",
        ).to_pandas()
    result.reasons = pd.Series(
        found["reasons"].to_numpy(dtype=object), index=found["id"].to_numpy()
    )
    metrics = {k: v for k, v in churn.metrics.items() if k != "calibration"}
    return metrics | {"median_gap_days": window["median_gap_days"]}


def _deviations(
    data: MiningInput, features: pd.DataFrame, result: MiningResult, engine: Engine | None
) -> dict[str, Any]:
    flags = customer_flags(features, bg_nbd=data.bg_nbd, period_days=7.0)
    since = data.as_of - timedelta(days=RECENT_ORDERS_DAYS)
    orders = unusual_orders(data.orders, since=since, engine=engine)
    every = (
        pd.concat([f for f in (flags, orders) if len(f)], ignore_index=True)
        if (len(flags) or len(orders))
        else flags
    )
    counts = every.groupby("customer_id").size() if len(every) else pd.Series(dtype=int)
    result.columns["n_flags"] = (
        counts.reindex(result.columns["customer_id"]).fillna(0).astype(int).to_numpy()
    )
    every = every.assign(
        order_id=pd.to_numeric(every["order_id"], errors="coerce").astype("Int64"),
        occurred_at=pd.to_datetime(every["occurred_at"]),
        severity=every["severity"].astype(float),
    )
    result.flags = _json_lists(
        every,
        "'kind': kind, 'severity': severity, 'reason': reason, 'values': \"values\", "
        "'order_id': order_id, 'occurred_at': strftime(occurred_at, '%Y-%m-%d %H:%M')",
        "severity DESC",
        f"QUALIFY ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY severity DESC) "
        f"<= {FLAGS_PER_CUSTOMER}",
    )
    kinds = every["kind"].value_counts().to_dict() if len(every) else {}
    return {"flags": {str(k): int(v) for k, v in kinds.items()}, "customers": int(len(counts))}


def _recommendations(data: MiningInput, result: MiningResult) -> dict[str, Any]:
    from kehu.insight.recommend import NextBestProduct

    if data.lines.empty:
        raise coded(
            _Skip("no order lines: recommendations need what each customer bought"),
            "no_order_lines",
        )
    model = NextBestProduct(
        top_n=N_RECOMMENDATIONS,
        customer_col="customer_id",
        item_col="product_id",
        quantity_col="quantity",
    ).fit(data.lines)
    table = model.recommend(result.columns["customer_id"].to_numpy())
    table["product_id"] = table["item"].astype(np.int64)
    because = pd.to_numeric(table["because_of"], errors="coerce")
    table["because_of"] = because.astype("Int64")
    result.recommendations = _json_lists(
        table[
            ["customer_id", "rank", "product_id", "score", "source", "because_of", "reason"]
            + ["share"]
        ],
        "'product_id': product_id, 'score': ROUND(score, 4), 'source': source, "
        "'because_of': because_of, 'reason': reason, 'share': ROUND(share, 4)",
        "rank",
    )
    return {
        "customers": len(result.recommendations),
        "products": int(len(model.items_)),
        "from_co_purchases": float((table["source"] == "co_purchase").mean())
        if len(table)
        else 0.0,
    }


def _forecasts(data: MiningInput, result: MiningResult) -> dict[str, Any]:
    from kehu.insight.forecast import forecast_sales, sales_series

    orders = data.orders.merge(data.regions, on="customer_id", how="left")
    segment = result.columns[["customer_id", "segment"]] if "segment" in result.columns else None
    if segment is not None:
        orders = orders.merge(segment, on="customer_id", how="left")
    views: dict[str, tuple[pd.DataFrame, str | None]] = {"total": (orders, None)}
    views["region"] = (orders, "region")
    if segment is not None:
        views["segment"] = (
            orders.assign(segment=orders["segment"].astype("Int64").astype(str)),
            "segment",
        )
    if len(data.lines):
        views["category"] = (data.lines, "category")
    out: dict[str, Any] = {}
    for name, (frame, by) in views.items():
        try:
            out[name] = _forecast_view(frame, by, sales_series, forecast_sales)
        except InsightError as e:
            out[name] = {"skipped": str(e).splitlines()[0], **skip_code(e)}
    if "series" in out.get("segment", {}):
        _name_segments(out["segment"]["series"], result.segments)
    return out


def _name_segments(series: list[dict[str, Any]], segments: list[dict[str, Any]]) -> None:
    """Each segment series with its segment's key and name (the series id is the key)."""
    by_key = {str(s["key"]): s for s in segments}
    for item in series:
        found = by_key.get(item["series"], {})
        item["key"] = int(item["series"]) if item["series"].isdigit() else None
        item.update({f: found.get(f, "") for f in ("name", "name_key", "name_detail")})


def _forecast_view(
    frame: pd.DataFrame, by: str | None, sales_series: Any, forecast_sales: Any
) -> dict[str, Any]:
    made = sales_series(frame, date_col="ordered_at", amount_col="amount", by=by, freq="month")
    series = made.series
    if by is not None:
        largest = series.groupby("unique_id")["y"].sum().nlargest(FORECAST_SERIES).index
        series = series[series["unique_id"].isin(largest)]
    # sales are never forecast below zero, nor are their bounds
    predicted = forecast_sales(series, horizon=FORECAST_MONTHS, season_length=12, floor=0.0)
    ahead = predicted.table
    out = []
    recent = series.groupby("unique_id")["y"].apply(lambda y: y.tail(12).sum())
    for uid in recent.sort_values(ascending=False, kind="stable").index:  # largest first
        history = series[series["unique_id"] == uid]
        future = ahead[ahead["unique_id"] == uid]
        out.append(
            {
                "series": str(uid),
                "history": [
                    [str(d)[:7], round(float(y), 2)]
                    for d, y in zip(history["ds"], history["y"], strict=True)
                ][-24:],
                "forecast": [
                    [str(d)[:7], round(float(f), 2), round(float(lo), 2), round(float(hi), 2)]
                    for d, f, lo, hi in zip(
                        future["ds"],
                        future["forecast"],
                        future["lo_80"],
                        future["hi_80"],
                        strict=True,
                    )
                ],
                "model": str(future["model"].iloc[0]) if len(future) else "",
            }
        )
    return {"series": out, "notes": [*made.notes, *predicted.notes]}


class _Skip(InsightError):
    """A step that has nothing to work on here."""


def skip_code(error: InsightError) -> dict[str, Any]:
    """What the UI phrases in the user's language for a step that could not run: the
    error's stable code ("failed" for one without) and the numbers it quotes."""
    params = {k: v if isinstance(v, (int, float, str)) else str(v) for k, v in error.params.items()}
    return {"skip_code": error.code or "failed", "skip_params": params}
