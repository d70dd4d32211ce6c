"""What ``kehu recommend`` does: evaluate, fit, and write the recommendations."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from kehu.insight.errors import InputError
from kehu.insight.recommend.evaluation import evaluate_time_split
from kehu.insight.recommend.model import NextBestProduct, empty_table

__all__ = ["RecommendRun", "recommend_to_files", "write_recommendations"]


def write_recommendations(
    model: NextBestProduct,
    out: str | Path,
    customers: Iterable[Any] | None = None,
    evaluation: dict[str, Any] | None = None,
) -> Path:
    """Write the recommendations (and the evaluation) to ``out``.

    ``out/recommendations.parquet`` (written chunk by chunk) and, when given,
    ``out/evaluation.json``.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    writer: pq.ParquetWriter | None = None
    try:
        for table in model.iter_recommendations(customers):
            if writer is None:
                writer = pq.ParquetWriter(out / "recommendations.parquet", table.schema)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
    if writer is None:
        pq.write_table(empty_table(), out / "recommendations.parquet")
    if evaluation is not None:
        (out / "evaluation.json").write_text(json.dumps(evaluation, indent=2))
    return out


@dataclass
class RecommendRun:
    """What ``kehu recommend`` wrote: where, the row accounting, and the evaluation."""

    out: Path
    accounting: dict[str, int]
    n_recommendations: int
    evaluation: dict[str, Any] | None


def recommend_to_files(
    lines: Any,
    out: str | Path,
    *,
    customer_col: str,
    item_col: str,
    date_col: str | None = None,
    quantity_col: str | None = None,
    label_col: str | None = None,
    exclude_items: Sequence[str] | None = None,
    top_n: int = 10,
    evaluate_split: str | None = None,
) -> RecommendRun:
    """Run what ``kehu recommend`` does: evaluate, fit, write.

    Run what ``kehu recommend`` does: with ``evaluate_split``, the time-split evaluation at ``k =
    top_n`` (needs ``date_col``); then the model fitted on every line and ``top_n`` recommendations
    for every customer written to ``out``.
    """
    model = NextBestProduct(
        top_n,
        customer_col=customer_col,
        item_col=item_col,
        quantity_col=quantity_col,
        label_col=label_col,
        exclude_items=exclude_items,
    )
    evaluation = None
    if evaluate_split is not None:
        if date_col is None:
            raise InputError("--evaluate-split needs --date-col (the purchase date column)")
        evaluation = evaluate_time_split(
            lines, evaluate_split, top_n, date_col=date_col, model=model
        )
    model.fit(lines)
    path = write_recommendations(model, out, evaluation=evaluation)
    rows = pq.ParquetFile(path / "recommendations.parquet").metadata.num_rows
    return RecommendRun(path, model.accounting_, rows, evaluation)
