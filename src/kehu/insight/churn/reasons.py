"""Each customer's reasons, in words.

Each customer's reasons: the feature columns that raise a model's probability most,
in words ("Contract = Month-to-month").
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from kehu.insight.churn.table import FeatureTable

__all__ = ["TOP_REASONS", "reason_scores"]

TOP_REASONS = 3


def reason_scores(
    table: FeatureTable, probability: np.ndarray, contributions: pd.DataFrame
) -> pa.Table:
    """Return each row's id, probability and the columns that raise it most.

    Per row: id, probability and the columns that raise it most, in words
    ("Contract = Month-to-month"); a row with no raising column has none.
    """
    columns = list(contributions.columns)
    values = contributions.to_numpy()
    k = min(TOP_REASONS, len(columns))
    top = np.argsort(-values, axis=1)[:, :k]
    rows = np.arange(len(values))
    out: dict[str, Any] = {"id": table.ids.to_numpy(), "probability": probability}
    reasons = np.full((len(values), k), None, dtype=object)
    for j in range(k):
        raises = values[rows, top[:, j]] > 0
        for c, column in enumerate(columns):
            pick = raises & (top[:, j] == c)
            if pick.any():
                reasons[pick, j] = _described(column, table.features[column][pick])
        out[f"reason_{j + 1}"] = reasons[:, j]
    present = reasons != None  # noqa: E711 (elementwise)
    offsets = np.concatenate([[0], np.cumsum(present.sum(axis=1))]).astype(np.int32)
    out["top_reasons"] = pa.ListArray.from_arrays(
        pa.array(offsets), pa.array(reasons[present], pa.string())
    )
    return pa.table(out)


def _described(column: str, values: pd.Series) -> np.ndarray:
    if isinstance(values.dtype, pd.CategoricalDtype) or values.dtype == object:
        text = values.astype(object).where(values.notna(), "(missing)").astype(str)
    else:
        numbers = values.to_numpy(dtype=float)
        whole = np.isfinite(numbers) & (numbers == np.round(numbers))
        text = pd.Series(np.round(numbers, 4).astype(str), index=values.index)
        text[whole] = numbers[whole].astype(np.int64).astype(str)
        text[np.isnan(numbers)] = "(missing)"
    return (column + " = " + text).to_numpy(dtype=object)
