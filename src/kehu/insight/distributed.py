"""The value engine on a Spark cluster: ``kehu analyze --engine spark``.

The same analysis as :func:`kehu.insight.analyze.analyze`, with nothing per customer
on the driver:

- the summary, the accounting and the cohorts are SQL run by the cluster, through the
  engine seam (DuckDB's dialect, transpiled);
- the purchase models are fitted on the driver to the distinct (frequency, recency, T)
  rows the cluster counts: their number grows with the length of the history, not with
  the customers. Gamma-Gamma is fitted to the distinct (frequency, monetary) rows of
  the repeat buyers, a seeded sample of them where they exceed :data:`MAX_DRIVER_ROWS`;
- the fitted models value each partition where it lies (pandas on Arrow batches, the
  same functions as on one machine), and the workers write the customers as Parquet;
- every rank (RFM quintiles, value percentiles, pyramid tiers, ABC shares, the Lorenz
  curve) comes from a sort across the cluster (:mod:`kehu.insight.positions`), not
  from a window that would put every customer in one task. Ties are broken by
  customer id, the order of the summary on one machine, so both give the same scores.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kehu.insight.analyze import (
    CONTRACT_COLUMNS,
    Analysis,
    AnalysisSettings,
    HoldoutRows,
    Progress,
    compare_on_holdout,
    fit_model,
    gamma_gamma_section,
    holdout_split,
    keyed_customer_columns,
    model_columns,
    model_section,
    no_holdout_choice,
    note_spend_fallback,
    read_input,
    settings_dict,
    spend_model,
)
from kehu.insight.btyd import BgNbd, MbgNbd, ParetoNbd
from kehu.insight.cohorts import cohort_retention
from kehu.insight.data import ColumnMap
from kehu.insight.engine import SparkEngine
from kehu.insight.errors import InputError
from kehu.insight.lifecycle import lifecycle_stage, loyalty_stage
from kehu.insight.positions import with_position
from kehu.insight.report import json_safe
from kehu.insight.rfm import SEGMENT_NAMES, segment_of
from kehu.insight.summary import (
    PER_CUSTOMER,
    PERIOD_DAYS,
    Summary,
    input_accounting,
    per_customer_sql,
    summary_dates,
    summary_sql,
)
from kehu.insight.value import (
    ParetoStats,
    abc_of_shares,
    pareto,
    score_of_ranks,
    tiers_of_ranks,
)

SUMMARY = "kehu_summary"
SPLIT = "kehu_split_summary"
#: Most distinct Gamma-Gamma rows fetched to the driver (about 120 MB); beyond, a seeded sample.
MAX_DRIVER_ROWS = 5_000_000
RFM = "frequency, recency, T"
LABELS = ("rfm_segment", "tier", "abc_class", "lifecycle_stage", "loyalty_stage")
DIMENSIONS = {
    "profitability": "total_spend",
    "lifecycle": "p_alive",
    "loyalty": "CASE WHEN T > 0 THEN frequency / T END",
    "potential": "predicted_clv",
}


@dataclass
class ClusterAnalysis:
    """What :func:`analyze_on_cluster` leaves: models on the driver, customers on the cluster.

    ``customers`` names the engine's view of the valued customers (the contract's
    columns first), to be written where the cluster writes (:func:`write_cluster_outputs`).
    """

    customers: str
    models: dict[str, Any]
    cohorts: pd.DataFrame
    settings: AnalysisSettings
    n_customers: int


def analyze_on_cluster(
    source: Any,
    settings: AnalysisSettings | None = None,
    *,
    engine: SparkEngine,
    progress: Progress | None = None,
    customer_columns: pd.DataFrame | None = None,
) -> ClusterAnalysis:
    """Value every customer of ``source`` on ``engine``'s cluster (see the module docstring).

    ``customer_columns`` (optional) are per-customer facts the log does not carry, as in
    :func:`~kehu.insight.analyze.analyze`: joined to the customers on the cluster before
    they are labelled (``satisfaction`` and ``status`` move the stages), and kept.
    """
    settings = settings or AnalysisSettings()
    # an invalid weighting fails here, before the cluster works
    score_of_ranks(pd.DataFrame({f"{d}_rank": [0.0] for d in DIMENSIONS}), settings.weights)
    step = progress or (lambda _message: None)
    step("summarising transactions")
    columns, dates, observation_end = read_input(source, settings, engine)
    cal_end, holdout_end = summary_dates(engine, settings.calibration_end, observation_end)
    accounting = summary_table(engine, SUMMARY, settings.period, cal_end, holdout_end)
    notes: list[str] = []
    if dates is not None and dates.reason != "last_order":
        notes.append(dates.note())

    step("fitting BG/NBD")
    distinct = engine.query(
        f"SELECT {RFM}, COUNT(*) AS n FROM {SUMMARY} GROUP BY {RFM}", "distinct customers"
    ).to_pandas()
    rfm, weights = distinct[["frequency", "recency", "T"]], distinct["n"].to_numpy(float)
    fitted: dict[str, Any] = {"bg_nbd": fit_model(BgNbd(), rfm, "bg_nbd", notes, weights)}
    fitted["mbg_nbd"] = fit_model(MbgNbd(), rfm, "mbg_nbd", notes, weights)
    models: dict[str, Any] = {"period": settings.period, "engine": "spark"}
    for key in ("bg_nbd", "mbg_nbd"):
        models[key] = model_section(fitted[key], key, notes)
    if settings.fit_pareto_nbd:
        step("fitting Pareto/NBD")
        fitted["pareto_nbd"] = fit_model(ParetoNbd(), rfm, "pareto_nbd", notes, weights)
        models["pareto_nbd"] = model_section(fitted["pareto_nbd"], "pareto_nbd", notes)
    models["distinct_rfm_rows"] = len(distinct)

    step("choosing the purchase model")
    starts = {key: dict(fit.params_) for key, fit in fitted.items() if fit.converged_}
    choice = _choose_purchase_model(engine, settings, cal_end, holdout_end, starts)
    models["purchase_model"] = choice

    step("fitting Gamma-Gamma and valuing customers")
    repeaters, counts = repeat_buyers(engine, notes)
    gg = spend_model(repeaters, notes, counts)
    if gg is not None:
        models["gamma_gamma"] = gamma_gamma_section(gg, notes)
    chosen = fitted[choice["chosen"]]
    holdout_length = None
    if holdout_end is not None:
        holdout_length = (holdout_end - cal_end).days / PERIOD_DAYS[settings.period]

    def value(part: pd.DataFrame) -> pd.DataFrame:
        part["_spend_fallback"] = model_columns(part, fitted, choice, gg, settings)
        if holdout_length is not None:
            part["holdout_predicted"] = chosen.conditional_expected_purchases(
                holdout_length, part[["frequency", "recency", "T"]]
            )
        return part

    added = {f"p_alive_{key}": "double" for key in fitted}
    added |= {k: "double" for k in ("p_alive", "expected_purchases", "expected_spend")}
    added |= {"predicted_clv": "double", "_spend_fallback": "boolean"}
    if holdout_length is not None:
        added["holdout_predicted"] = "double"
    engine.map_partitions("kehu_valued", SUMMARY, value, added)
    engine.materialize("kehu_valued_once", _with_customer_columns(engine, customer_columns))
    n = _scalar(engine, "SELECT COUNT(*) AS n FROM kehu_valued_once")
    fallback = _scalar(
        engine, "SELECT COUNT(*) AS n FROM kehu_valued_once WHERE _spend_fallback", "fallback"
    )
    note_spend_fallback(notes, fallback)

    step("ranking customers")
    customers = _rank_and_label(engine, settings, n)
    if holdout_end is not None:
        assert holdout_length is not None
        models["holdout"] = _holdout_section(
            engine, customers, cal_end, holdout_end, holdout_length
        )
    models.update(
        horizon=settings.horizon_periods(),
        discount_rate_per_year=settings.discount_rate,
        margin=settings.margin,
        accounting=accounting,
        notes=notes,
        columns=columns.as_dict(),
        calibration_end=cal_end,
        rfm_segments=_counts(engine, customers, "rfm_segment", SEGMENT_NAMES),
        tiers=_counts(engine, customers, "tier"),
        abc=_counts(engine, customers, "abc_class"),
        lifecycle_stages=_counts(engine, customers, "lifecycle_stage"),
        loyalty_stages=_counts(engine, customers, "loyalty_stage"),
    )
    if dates is not None:
        models["dates"] = dates.as_dict()
    models["pareto"] = pareto_on_engine(engine, customers, "total_spend", n).as_dict()
    step("building cohorts")
    cohorts = cohort_retention(engine, holdout_end or cal_end)
    return ClusterAnalysis(customers, models, cohorts, settings, n)


def _with_customer_columns(engine: SparkEngine, extra: pd.DataFrame | None) -> str:
    """Return the SQL of the valued customers, with ``extra``'s columns where given."""
    if extra is None:
        return "SELECT * FROM kehu_valued"
    keyed = keyed_customer_columns(extra, [*CONTRACT_COLUMNS, *engine.columns("kehu_valued")])
    engine.register_table("kehu_customer_facts", keyed)
    picked = ", ".join(f'f."{name}"' for name in keyed.columns if name != "customer_id")
    return (
        f"SELECT v.*, {picked} FROM kehu_valued v LEFT JOIN kehu_customer_facts f "
        "ON f.customer_id = CAST(v.customer_id AS VARCHAR)"
    )


def collect_analysis(result: ClusterAnalysis, engine: SparkEngine) -> Analysis:
    """Return the cluster's analysis as one machine's, every customer fetched to the driver.

    For a caller that needs each customer here anyway: the CRM writes every customer's
    scores to its own database. The Lorenz curve is drawn from the fetched customers.
    """
    sql = f"SELECT * FROM {result.customers} ORDER BY customer_id"
    customers = engine.query(sql, "customers").to_pandas(date_as_object=False)
    models = result.models
    holdout = models.get("holdout")
    summary = Summary(
        customers,
        models["accounting"],
        ColumnMap(**models["columns"]),
        result.settings.period,
        models["calibration_end"],
        holdout["end"] if holdout else None,
        models["notes"],
    )
    stats = pareto(customers["total_spend"])
    return Analysis(customers, summary, models, stats, result.cohorts, None, result.settings)


def summary_table(
    engine: SparkEngine, name: str, period: str, cal_end: date, holdout_end: date | None
) -> dict[str, Any]:
    """Compute the per-customer summary into ``name`` on the cluster; return the accounting."""
    engine.materialize(PER_CUSTOMER, per_customer_sql(cal_end, holdout_end))
    engine.materialize(name, summary_sql(PERIOD_DAYS[period], cal_end, holdout_end))
    accounting = input_accounting(engine, cal_end, holdout_end)
    engine.drop(PER_CUSTOMER)
    return accounting


def _scalar(engine: SparkEngine, sql: str, step: str = "count") -> Any:
    return next(iter(engine.query(sql, step).to_pylist()[0].values()))


def _choose_purchase_model(
    engine: SparkEngine,
    settings: AnalysisSettings,
    cal_end: date,
    holdout_end: date | None,
    starts: Mapping[str, Mapping[str, float]],
) -> dict[str, Any]:
    """Compare the candidate models on a holdout, as on one machine, from distinct rows."""
    table, split_end, split_holdout_end = SUMMARY, cal_end, holdout_end
    if holdout_end is None:
        first = _scalar(engine, f"SELECT MIN(first_purchase) AS first FROM {SUMMARY}", "first")
        split = holdout_split(first, cal_end)
        if split is None:
            return no_holdout_choice()
        table, split_end, split_holdout_end = SPLIT, split, cal_end
        summary_table(engine, SPLIT, settings.period, split, cal_end)
    assert split_holdout_end is not None
    rows = engine.query(
        f"SELECT {RFM}, holdout_actual, COUNT(*) AS n FROM {table} GROUP BY {RFM}, holdout_actual",
        "holdout rows",
    ).to_pandas()
    if table == SPLIT:
        engine.drop(SPLIT)
    holdout = HoldoutRows(
        rows[["frequency", "recency", "T"]],
        rows["holdout_actual"].to_numpy(dtype=float),
        rows["n"].to_numpy(dtype=float),
        split_end,
        split_holdout_end,
    )
    return compare_on_holdout(holdout, settings, starts)


def repeat_buyers(engine: SparkEngine, notes: list[str]) -> tuple[pd.DataFrame, np.ndarray]:
    """Return the distinct Gamma-Gamma rows and how many customers each stands for."""
    engine.materialize(
        "kehu_repeaters",
        f"SELECT frequency, monetary AS monetary_value, COUNT(*) AS n FROM {SUMMARY} "
        "WHERE frequency > 0 AND monetary > 0 GROUP BY frequency, monetary",
    )
    source = "kehu_repeaters"
    distinct = _scalar(engine, "SELECT COUNT(*) AS n FROM kehu_repeaters", "repeaters")
    if distinct > MAX_DRIVER_ROWS:
        engine.sample("kehu_repeaters_sample", source, MAX_DRIVER_ROWS / distinct, seed=0)
        source = "kehu_repeaters_sample"
        notes.append(
            f"gamma_gamma: fitted to a seeded sample of about {MAX_DRIVER_ROWS:,} of the "
            f"{distinct:,} distinct (frequency, spend) rows of the repeat buyers"
        )
    rows = engine.query(f"SELECT * FROM {source}", "repeaters").to_pandas()
    engine.drop("kehu_repeaters")
    return rows[["frequency", "monetary_value"]], rows["n"].to_numpy(dtype=float)


def _rank_and_label(engine: SparkEngine, settings: AnalysisSettings, n: int) -> str:
    """Score, rank and label the valued customers; return the view of the finished rows."""
    weights = dict(settings.weights)
    ranks_sql, keys = _ranks(engine, "kehu_valued_once", weights, n)
    engine.materialize("kehu_ranks", ranks_sql)
    engine.drop("kehu_valued_once")
    engine.drop(keys)

    def scores(part: pd.DataFrame) -> pd.DataFrame:
        part["value_score"] = score_of_ranks(part, weights)
        segment = segment_of(part["r_score"], part["f_score"], part["m_score"])
        part["rfm_segment"] = segment.astype(str)
        return part

    engine.map_partitions(
        "kehu_scored", "kehu_ranks", scores, {"value_score": "double", "rfm_segment": "string"}
    )
    engine.materialize("kehu_scored_once", "SELECT * FROM kehu_scored")
    engine.drop("kehu_ranks")
    margin = _number(settings.margin)
    median_gap = _scalar(
        engine,
        "SELECT MEDIAN(CAST(DATE_DIFF('day', first_purchase, last_purchase) AS DOUBLE) "
        "/ frequency) AS gap FROM kehu_scored_once WHERE frequency > 0",
        "repeat gap",
    )
    with_position(
        engine,
        "kehu_tier_order",
        "(SELECT customer_id, value_score FROM kehu_scored_once) scores",
        "value_score DESC, customer_id",
    )
    with_position(
        engine,
        "kehu_abc_order",
        f"(SELECT customer_id, GREATEST(total_spend * {margin}, 0) AS abc_value "
        "FROM kehu_scored_once) shares",
        "abc_value DESC, customer_id",
        running="abc_value",
    )
    total = _scalar(engine, "SELECT SUM(abc_value) AS total FROM kehu_abc_order", "total value")
    share = f"(a.running_total - a.abc_value) / {_number(total)}" if total and total > 0 else "2"
    kept = ", ".join(f"c.{column}" for column in engine.columns("kehu_scored_once"))
    engine.materialize(
        "kehu_ordered",
        f"SELECT {kept}, t.position AS tier_rank, CAST({share} AS DOUBLE) AS abc_share_before "
        "FROM kehu_scored_once c JOIN kehu_tier_order t ON t.customer_id = c.customer_id "
        "JOIN kehu_abc_order a ON a.customer_id = c.customer_id",
    )
    for view in ("kehu_scored_once", "kehu_tier_order", "kehu_abc_order"):
        engine.drop(view)
    rules = settings.lifecycle

    def labels(part: pd.DataFrame) -> pd.DataFrame:
        index = part.index
        realised = part["total_spend"]
        tiers = tiers_of_ranks(part["tier_rank"].to_numpy(), n, realised, settings.tiers, index)
        part["tier"] = tiers.astype(str)
        value = part["total_spend"] * settings.margin
        part["abc_class"] = abc_of_shares(part["abc_share_before"], value, settings.abc_cuts)
        part["abc_class"] = part["abc_class"].astype(str)
        gap = None if median_gap is None else float(median_gap)
        part["lifecycle_stage"] = lifecycle_stage(part, rules, gap).astype(str)
        part["loyalty_stage"] = loyalty_stage(part, rules).astype(str)
        return part

    engine.map_partitions(
        "kehu_labelled",
        "kehu_ordered",
        labels,
        {k: "string" for k in ("tier", "abc_class", "lifecycle_stage", "loyalty_stage")},
    )
    helpers = {"_spend_fallback", "tier_rank", "abc_share_before"}
    present = [c for c in engine.columns("kehu_labelled") if c not in helpers]
    last = [c for c in present if c == "holdout_predicted"]
    ordered = [c for c in CONTRACT_COLUMNS if c in present]
    ordered += [c for c in present if c not in CONTRACT_COLUMNS and c not in last] + last
    engine.materialize("kehu_customers", f"SELECT {', '.join(ordered)} FROM kehu_labelled")
    return "kehu_customers"


def _ranks(
    engine: SparkEngine, source: str, weights: Mapping[str, float], n: int
) -> tuple[str, str]:
    """Return the SQL of ``source`` with the RFM quintiles and the dimensions' percentile ranks.

    And the view of the keys it reads, to drop once that SQL has run.

    Quintiles from each customer's rank (ties in customer id order), percentiles from the
    mean rank of each run of equal values, as :mod:`kehu.insight.rfm` and
    :mod:`kehu.insight.value` rank on one machine; each ranking is a sort of the narrow
    table of keys across the cluster (:func:`kehu.insight.positions.with_position`).
    """
    dims = [d for d, w in weights.items() if w != 0]
    raw = "".join(
        f", CASE WHEN {DIMENSIONS[d]} IS NULL OR ISNAN({DIMENSIONS[d]}) THEN CAST(0 AS DOUBLE) "
        f"ELSE CAST({DIMENSIONS[d]} AS DOUBLE) END AS raw_{d}"
        for d in dims
    )
    keys = f"SELECT customer_id, days_since_last, frequency, total_spend{raw} FROM {source}"
    engine.materialize("kehu_keys", keys)
    current = "kehu_keys"
    orders = {"r_score": "days_since_last DESC", "f_score": "frequency", "m_score": "total_spend"}
    for column, order in orders.items():
        with_position(engine, "kehu_positioned", current, f"{order}, customer_id")
        score = f"CAST(LEAST(GREATEST(CEIL(position * 5 / {n}), 1), 5) AS TINYINT)"
        current = _replace(engine, current, "kehu_positioned", f"{score} AS {column}")
    for d in dims:
        if n <= 1:
            current = _replace(engine, current, current, f"CAST(1.0 AS DOUBLE) AS {d}_rank")
            continue
        with_position(engine, "kehu_positioned", current, f"raw_{d}, customer_id")
        mean_rank = "CAST(t.first AS DOUBLE) + CAST(t.ties - 1 AS DOUBLE) / 2"
        current = _replace(
            engine,
            current,
            f"(SELECT p.*, ({mean_rank} - 1) / {n - 1} AS {d}_rank FROM kehu_positioned p "
            f"JOIN (SELECT raw_{d} AS v, MIN(position) AS first, COUNT(*) AS ties "
            f"FROM kehu_positioned GROUP BY raw_{d}) t ON p.raw_{d} = t.v) ranked",
            f"{d}_rank",
            drop_source="kehu_positioned",
        )
    columns = ["r_score", "f_score", "m_score", *(f"{d}_rank" for d in dims)]
    kept = ", ".join(f"v.{column}" for column in engine.columns(source))
    added = ", ".join(f"k.{column}" for column in columns)
    joined = f"{source} v JOIN {current} k ON k.customer_id = v.customer_id"
    return f"SELECT {kept}, {added} FROM {joined}", current


def _replace(
    engine: SparkEngine,
    previous: str,
    source: str,
    added: str,
    drop_source: str | None = None,
) -> str:
    """Materialise the columns of ``previous`` with ``added`` from ``source``; its name.

    ``source`` holds ``previous``'s columns (and ``position``, dropped); ``added`` is an
    expression with its name, or a column of ``source``. ``previous`` (and a positioned
    ``drop_source``) are freed once the new table is computed.
    """
    name = f"kehu_keys_{len(engine.columns(previous))}"  # each step adds one column
    kept = ", ".join(engine.columns(previous))
    engine.materialize(name, f"SELECT {kept}, {added} FROM {source}")
    for view in {previous, drop_source or source} - {name}:
        engine.drop(view)
    return name


def _number(value: float) -> str:
    """Return a float as a SQL double (Spark reads a bare ``1.5`` as a decimal)."""
    return f"CAST({float(value)!r} AS DOUBLE)"


def _counts(
    engine: SparkEngine, view: str, column: str, names: list[str] | None = None
) -> dict[str, int]:
    rows = engine.query(
        f"SELECT {column} AS label, COUNT(*) AS n FROM {view} GROUP BY {column} "
        "ORDER BY n DESC, label",
        f"{column} counts",
    ).to_pylist()
    counts = {row["label"]: int(row["n"]) for row in rows}
    if names is None:
        return counts
    return {name: counts.get(name, 0) for name in names}


def _holdout_section(
    engine: SparkEngine, view: str, cal_end: date, holdout_end: date, length: float
) -> dict[str, Any]:
    row = engine.query(
        "SELECT SUM(holdout_actual) AS actual, SUM(holdout_predicted) AS predicted, "
        f"CORR(holdout_actual, holdout_predicted) AS correlation FROM {view}",
        "holdout",
    ).to_pylist()[0]
    return {
        "start": cal_end,
        "end": holdout_end,
        "length_periods": length,
        "actual_total": int(row["actual"] or 0),
        "predicted_total": float(row["predicted"] or 0.0),
        "correlation": float(row["correlation"]) if row["correlation"] is not None else None,
    }


def pareto_on_engine(engine: SparkEngine, view: str, column: str, n: int) -> ParetoStats:
    """Top-20% share, Gini and Lorenz curve of ``column`` (as :func:`kehu.insight.value.pareto`).

    One ordered pass on the cluster: the running total of the values, smallest first,
    read back only at the 202 ranks the Lorenz curve's 101 points and the top 20% need.
    """
    with_position(
        engine,
        "kehu_lorenz",
        f"(SELECT customer_id, GREATEST({column}, 0) AS value FROM {view}) lorenz",
        "value, customer_id",
        running="value",
    )
    totals = engine.query(
        "SELECT MAX(running_total) AS total, SUM(2 * running_total - value) AS area "
        "FROM kehu_lorenz",
        "lorenz",
    ).to_pylist()[0]
    total = float(totals["total"] or 0.0)
    if n == 0 or total <= 0:
        engine.drop("kehu_lorenz")
        raise InputError("Pareto statistics need at least one customer with positive value")
    grid = np.linspace(0, 1, 101)
    positions = grid * n
    top_k = int(np.ceil(0.2 * n))
    wanted = sorted(
        {int(p) for p in np.floor(positions)} | {int(p) for p in np.ceil(positions)} | {n - top_k}
    )
    listed = ", ".join(str(r) for r in wanted if r > 0)
    rows = engine.query(
        f"SELECT position, running_total FROM kehu_lorenz WHERE position IN ({listed})",
        "lorenz points",
    ).to_pandas()
    engine.drop("kehu_lorenz")
    cumulative = dict(zip(rows["position"].astype(int), rows["running_total"] / total, strict=True))
    cumulative[0] = 0.0
    low = np.floor(positions).astype(int)
    high = np.ceil(positions).astype(int)
    at_low = np.array([cumulative[i] for i in low])
    at_high = np.array([cumulative[i] for i in high])
    lorenz = at_low + (at_high - at_low) * (positions - low)
    gini = 1.0 - float(totals["area"]) / total / n
    top20 = 1.0 - cumulative[n - top_k]
    return ParetoStats(n, top20, gini, grid, lorenz)


def write_cluster_outputs(
    analysis: ClusterAnalysis, engine: SparkEngine, out_dir: Path
) -> dict[str, Path]:
    """Write the customers (Parquet, by the workers), the models and the cohorts.

    On a cluster ``out_dir`` must be storage every worker reaches (a shared file
    system, HDFS or an object store); the models and cohorts are written by the driver.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        "customers": out_dir / "customers.parquet",
        "models": out_dir / "models.json",
        "cohorts": out_dir / "cohorts.csv",
    }
    engine.write_parquet(analysis.customers, paths["customers"])
    models = dict(analysis.models, settings=settings_dict(analysis.settings))
    paths["models"].write_text(json.dumps(json_safe(models), indent=2, allow_nan=False))
    analysis.cohorts.to_csv(paths["cohorts"], index=False)
    return paths
