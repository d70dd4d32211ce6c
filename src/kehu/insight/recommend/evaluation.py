"""Time-split evaluation of the recommender against the popularity baseline.

Time-split evaluation of the recommender against the popularity baseline (hit
rate, precision and recall at k).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone

from kehu.insight.errors import InputError
from kehu.insight.recommend.model import NextBestProduct
from kehu.insight.recommend.purchases import purchase_frame, read_purchases

__all__ = ["evaluate_time_split"]


def evaluate_time_split(
    lines: Any,
    split_date: Any,
    k: int = 10,
    *,
    date_col: str = "date",
    model: NextBestProduct | None = None,
) -> dict[str, Any]:
    """Return the hit rate, precision and recall at ``k`` on a time split.

    Hit rate, precision and recall at ``k`` of ``model`` (default
    ``NextBestProduct()``) and of the popularity baseline, trained on the lines before
    ``split_date`` and tested on the lines on or after it.

    Test customers are those with purchases before the split and, after it, at least
    one purchase of an item they did not have before. For each, the ``k``
    recommendations (items they have excluded) are compared with those new items:

    - hit rate: share of test customers who bought at least one recommended item;
    - precision: recommended items bought / ``k``, averaged over test customers;
    - recall: recommended items bought / new items bought, averaged (new items the
      model never saw count in the denominator: nobody could recommend them).

    The baseline recommends the ``k`` items bought by most customers before the split,
    less the customer's own. Lines with an unreadable date are left out and counted.
    """
    estimator: NextBestProduct = clone(model) if model is not None else NextBestProduct()
    frame = purchase_frame(lines, {"the purchase date, date_col": date_col})
    dates = purchase_dates(frame[date_col])
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise InputError(f"k must be a positive integer, got {k!r}")
    try:
        split = pd.Timestamp(split_date)
        valid = not pd.isna(split)
    except (ValueError, TypeError):
        valid = False
    if not valid:
        raise InputError(f"split date must be a date such as 2011-09-01, got {split_date!r}")
    if split.tz is not None:
        split = split.tz_localize(None)
    before, after = (dates < split).to_numpy(), (dates >= split).to_numpy()
    if not before.any() or not after.any():
        raise InputError(
            f"split date {split.date()} leaves no lines on one side: the dates run from "
            f"{dates.min()} to {dates.max()}"
        )
    estimator.fit(frame[before])
    truth = _new_purchases(estimator, frame[after])
    customers = np.unique(truth["row"])
    result: dict[str, Any] = {
        "split_date": str(split.date()),
        "k": k,
        "rows_bad_date": int(dates.isna().sum()),
        "train_rows": int(before.sum()),
        "test_rows": int(after.sum()),
        "train_customers": len(estimator.customers_),
        "items": len(estimator.items_),
        "test_customers": len(customers),
        "model": estimator.get_params(),
    }
    if len(customers) == 0:
        raise InputError(f"no customer bought a new item on or after {split.date()}")
    for name, popular_only in (("kehu", False), ("popularity", True)):
        result[name] = _scored(estimator, customers, truth, k, popular_only)
    return result


def _new_purchases(model: NextBestProduct, test: pd.DataFrame) -> dict[str, np.ndarray]:
    """Return the items each known customer bought new after the split.

    (row of the customer in the model, item key) of each distinct item bought in
    ``test`` by a customer the model knows, that the customer did not have; items
    the model never saw get keys past the known ones.
    """
    try:
        bought = read_purchases(
            test, model.customer_col, model.item_col, model.quantity_col, None, model.exclude_items
        )
    except InputError as e:
        raise InputError(f"no purchase lines on or after the split date ({e})") from e
    pairs = bought.matrix.tocoo()
    rows = model.customers_.get_indexer(bought.customers)[pairs.row]
    known = model.items_.get_indexer(bought.items)
    unknown = np.cumsum(known < 0) - 1 + len(model.items_)
    items = np.where(known >= 0, known, unknown)[pairs.col]
    width = np.int64(len(model.items_) + (known < 0).sum())
    keys = rows.astype(np.int64) * width + items
    owned = model.purchases_.tocoo()
    had = np.isin(keys, owned.row.astype(np.int64) * width + owned.col)
    new = (rows >= 0) & ~had
    return {"row": rows[new], "key": keys[new], "width": np.array(width)}


def _scored(
    model: NextBestProduct,
    customers: np.ndarray,
    truth: dict[str, np.ndarray],
    k: int,
    popular_only: bool,
) -> dict[str, float]:
    hits = np.zeros(len(customers))
    for start, picked in model._ranked(customers, k, popular_only):
        keys = customers[start + picked.row].astype(np.int64) * truth["width"] + picked.item
        hit = np.isin(keys, truth["key"])
        hits[start : start + picked.n_rows] += np.bincount(picked.row[hit], minlength=picked.n_rows)
    new_items = np.bincount(np.searchsorted(customers, truth["row"]), minlength=len(customers))
    return {
        "hit_rate": float(np.mean(hits > 0)),
        "precision": float(np.mean(hits / k)),
        "recall": float(np.mean(hits / new_items)),
    }


def purchase_dates(values: pd.Series) -> pd.Series:
    """Return ``values`` as timestamps on each purchase's own clock; NaT where not a date.

    pandas reads a column in the layout of its first value; values in another layout
    (``05/03/2024`` among ISO dates) are read one by one. An offset (``+08:00``, ``Z``)
    is dropped, not converted: a split date is a day on the shop's calendar, so an
    order at 05:00 on 1 January in Beijing is on or after a split on 1 January.
    """
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        wall: pd.Series = values.dt.tz_localize(None)
        return wall
    if pd.api.types.is_datetime64_dtype(values.dtype):
        return values
    text = values.astype("string").str.strip()
    local = text.str.replace(r"(Z|[+-]\d{2}:?\d{2})$", "", regex=True)
    dates = pd.to_datetime(local, errors="coerce")
    unread = dates.isna() & text.notna() & (text != "")
    if unread.any():
        dates[unread] = pd.to_datetime(local[unread], errors="coerce", format="mixed")
    return dates
