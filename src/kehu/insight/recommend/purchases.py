"""Purchase lines as a customer x item matrix, under the purchase policy.

Purchase lines as a customer x item matrix, under the purchase policy of
:mod:`kehu.insight.recommend` (what counts as a purchase, what is left out and counted).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from kehu.insight.errors import InputError

__all__ = ["Purchases", "purchase_frame", "read_purchases"]


@dataclass
class Purchases:
    """Purchase lines as a customer x item matrix, with item labels and the accounting."""

    customers: pd.Index
    items: pd.Index
    matrix: sp.csr_matrix  # customer x item, float32 ones
    labels: np.ndarray
    accounting: dict[str, int] = field(default_factory=dict)


def purchase_frame(lines: Any, required: dict[str, str | None]) -> pd.DataFrame:
    """``lines`` as a DataFrame that has the ``required`` columns (role -> column)."""
    if hasattr(lines, "to_pandas") and not isinstance(lines, pd.DataFrame):
        lines = lines.to_pandas()
    if not isinstance(lines, pd.DataFrame):
        raise InputError(f"purchase lines must be a table (DataFrame), got {type(lines).__name__}")
    for role, column in required.items():
        if column is not None and column not in lines.columns:
            raise InputError(
                f"no column {column!r} ({role}); columns found: {[str(c) for c in lines.columns]}"
            )
    return lines


def _text(values: pd.Series) -> pd.Series:
    """Ids and labels as stripped text; blank is missing."""
    text = values.astype("string").str.strip()
    return text.mask(text == "")


def _ids(values: pd.Series) -> pd.Series:
    """Numbers stay numbers (NaN missing), anything else is read as text."""
    return values if pd.api.types.is_numeric_dtype(values) else _text(values)


def read_purchases(
    lines: Any,
    customer_col: str,
    item_col: str,
    quantity_col: str | None,
    label_col: str | None,
    exclude_items: Sequence[str] | None,
) -> Purchases:
    """Purchase lines as a customer x item matrix, under the purchase policy."""
    frame = purchase_frame(
        lines,
        {
            "the customer, customer_col": customer_col,
            "the item, item_col": item_col,
            "the quantity, quantity_col": quantity_col,
            "the item label, label_col": label_col,
        },
    )
    customer, item = _ids(frame[customer_col]), _ids(frame[item_col])
    usable = (customer.notna() & item.notna()).to_numpy(copy=True)
    acc = {
        "rows_in": len(frame),
        "rows_no_customer": int(customer.isna().sum()),
        "rows_no_item": int((customer.notna() & item.isna()).sum()),
    }
    if quantity_col is not None:
        quantity = pd.to_numeric(frame[quantity_col], errors="coerce").to_numpy(dtype=float)
        sale = quantity > 0  # NaN compares False: unreadable is not a purchase
        acc["rows_not_purchase"] = int((usable & ~sale).sum())
        usable &= sale
    if exclude_items:
        excluded = item.isin([str(i).strip() for i in exclude_items]).to_numpy()
        acc["rows_excluded_item"] = int((usable & excluded).sum())
        usable &= ~excluded
    acc["rows_used"] = int(usable.sum())
    if not usable.any():
        counts = ", ".join(
            f"{v:,} {k.removeprefix('rows_').replace('_', ' ')}" for k, v in acc.items()
        )
        raise InputError(f"no purchase lines left: of the rows, {counts}")
    customer_codes, customers = pd.factorize(customer[usable], sort=True)
    item_codes, items = pd.factorize(item[usable], sort=True)
    matrix = sp.csr_matrix(
        (np.ones(len(item_codes), np.float32), (customer_codes, item_codes)),
        shape=(len(customers), len(items)),
    )
    matrix.sum_duplicates()
    matrix.data[:] = 1.0
    labels = _labels(item_codes, items, frame[label_col][usable] if label_col else None)
    acc["customers"], acc["items"] = len(customers), len(items)
    return Purchases(pd.Index(customers), pd.Index(items), matrix, labels, acc)


def _labels(codes: np.ndarray, items: pd.Index, labels: pd.Series | None) -> np.ndarray:
    """Return the most frequent label of each item.

    Return the most frequent label of each item (ties: the first in text order); the item id
    where there is none.
    """
    out = np.asarray(items.astype(str), dtype=object)
    if labels is None:
        return out
    pairs = pd.DataFrame({"code": codes, "label": _text(labels).to_numpy()}).dropna()
    counts = pairs.value_counts().reset_index(name="n")
    best = counts.sort_values(["code", "n", "label"], ascending=[True, False, True])
    best = best.drop_duplicates("code")
    out[best["code"].to_numpy()] = best["label"].to_numpy(dtype=object)
    return out
