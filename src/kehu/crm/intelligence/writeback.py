"""Write a run's results back in bulk: one ``CustomerValue`` row per scored customer
(the run's history), and every customer's ``CustomerScore`` and ``CustomerInsight``
replaced in one transaction (:mod:`kehu.crm.bulk_replace`), so that a reader sees
either the previous run's scores or the new ones.

Rows go through :class:`kehu.crm.bulk.BulkWriter` (raw ``executemany`` on SQLite,
``COPY`` on PostgreSQL) as numpy columns; no model instance is built per customer."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
from django.db import connection, transaction

from kehu.crm.bulk import BulkWriter, next_id, quoted_table
from kehu.crm.bulk_read import read_table
from kehu.crm.bulk_replace import TableReplacement
from kehu.crm.intelligence.models import (
    SCORE_FIELDS,
    CustomerInsight,
    CustomerScore,
    CustomerValue,
    Segment,
    ValueRun,
)

Advance = Callable[[int], None]
TEXT_FIELDS = {"rfm_segment", "tier", "abc_class", "lifecycle_stage", "loyalty_stage"}
INT_FIELDS = {"frequency", "days_since_last", "r_score", "f_score", "m_score", "segment", "n_flags"}


def score_table(customers: pd.DataFrame, facts: pd.DataFrame) -> pd.DataFrame:
    """Every CRM customer (``facts``) with the analysis' columns where the customer was
    scored; unscored customers (no purchase yet) are prospects on the loyalty ladder."""
    scored = customers.assign(customer_id=customers["customer_id"].astype(np.int64))
    wanted = ["customer_id", *[f for f in SCORE_FIELDS if f in scored.columns]]
    scored = scored[[c for c in wanted if c not in ("margin", "satisfaction")]]
    table = facts[["customer_id", "margin", "satisfaction"]].merge(
        scored, on="customer_id", how="left"
    )
    table["scored"] = table["customer_id"].isin(scored["customer_id"])
    table.loc[~table["scored"], "loyalty_stage"] = "prospect"
    return table


def _column(table: pd.DataFrame, name: str) -> np.ndarray:
    if name not in table.columns:  # a mining step that was skipped
        return np.full(len(table), None if name in INT_FIELDS | TEXT_FIELDS else np.nan)
    values = table[name]
    if name in TEXT_FIELDS:
        return values.astype(object).where(values.notna(), "").to_numpy(dtype=object)
    if name in INT_FIELDS:
        return values.round().astype("Int64").to_numpy(dtype=object, na_value=None)
    return values.to_numpy(dtype=float)


def _columns(table: pd.DataFrame, run: ValueRun) -> dict[str, np.ndarray]:
    columns: dict[str, np.ndarray] = {
        "customer": table["customer_id"].to_numpy(dtype=np.int64),
        "run": np.full(len(table), run.pk, dtype=np.int64),
    }
    for name in SCORE_FIELDS:
        columns[name] = _column(table, name)
    return columns


def write_values(run: ValueRun, table: pd.DataFrame, advance: Advance | None = None) -> int:
    """The run's history rows: one per scored customer. The indexes stay in place (the
    history table is large, and a run appends to the end of its (run, customer) index)."""
    scored = table[table["scored"]]
    columns = _columns(scored, run)
    columns = {"id": next_id(CustomerValue) + np.arange(len(scored)), **columns}
    return BulkWriter([CustomerValue]).write(CustomerValue, columns, advance)


def replace_scores(
    replacement: TableReplacement,
    run: ValueRun,
    table: pd.DataFrame,
    advance: Advance | None = None,
) -> int:
    """Every customer's current scores, replaced with the other tables of
    ``replacement``'s transaction."""
    return replacement.replace(CustomerScore, _columns(table, run), advance)


def previous_segments() -> pd.Series:
    """Each customer's segment key in the current scores (the last finished run)."""
    sql = (
        f"SELECT customer_id, segment FROM {quoted_table(CustomerScore)} WHERE segment IS NOT NULL"
    )
    pairs = read_table(sql, [], pa.schema([("customer_id", pa.int64()), ("segment", pa.int64())]))
    return pd.Series(
        pairs["segment"].to_numpy(), index=pairs["customer_id"].to_numpy(), dtype=np.int64
    )


def write_segments(run: ValueRun, segments: list[dict]) -> None:
    fields = ("key", "name", "name_key", "name_detail", "size", "share", "value_share")
    Segment.objects.bulk_create(
        Segment(run=run, traits=s["traits"], medians=s["medians"], **{f: s[f] for f in fields})
        for s in segments
    )


def replace_insights(
    replacement: TableReplacement,
    run: ValueRun,
    reasons: pd.Series,
    recommendations: pd.Series,
    flags: pd.Series,
) -> int:
    """Every customer's explanations (each a JSON list per customer id), replaced with
    the scores."""
    ids = reasons.index.union(recommendations.index).union(flags.index)

    def encoded(source: pd.Series) -> np.ndarray:
        return source.reindex(ids).fillna("[]").to_numpy(dtype=object)

    columns = {
        "customer": ids.to_numpy(dtype=np.int64),
        "run": np.full(len(ids), run.pk, dtype=np.int64),
        "churn_reasons": encoded(reasons),
        "recommendations": encoded(recommendations),
        "flags": encoded(flags),
    }
    return replacement.replace(CustomerInsight, columns)


def prune_runs(keep: int) -> int:
    """Delete every run older than the latest ``keep`` runs, and their history rows, in
    two range deletes. Returns the number of runs deleted."""
    ids = list(ValueRun.objects.order_by("-id").values_list("id", flat=True)[keep : keep + 1])
    if not ids:
        return 0
    cutoff = ids[0]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {quoted_table(CustomerValue)} WHERE run_id <= %s", [cutoff])
        _total, per_model = ValueRun.objects.filter(id__lte=cutoff).delete()
    return per_model.get(ValueRun._meta.label, 0)
