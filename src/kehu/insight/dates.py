"""The as-of date of an analysis, chosen from where the data are dense.

The as-of date of an analysis, chosen from where the data are dense rather than from
the single newest date.

One order entered today in a database whose orders stopped months ago, or an order
mistyped as 2099, would otherwise move the as-of date: every customer would look
months silent, the churn step would find nobody who bought in its window and the
forecasts would extrapolate from empty months. The rule, on the days with purchases or
returns:

1. Dates after ``today`` are left out: they have not happened (a typo or a planned
   delivery). They are counted, and the earliest is named, so a user can fix them.
2. Of the rest, a sparse tail is left out: the orders after a silent gap longer than
   both ``MIN_GAP_DAYS`` and ``GAP_FACTOR`` times the 99th percentile of the gaps
   between consecutive order days, when they are at most ``TAIL_SHARE`` of all
   orders. The earliest such gap wins (so two lonely orders after the same pause go
   together).
3. The as-of date is the last order day that remains.

What was left out and why is returned with the date (:class:`AnalysisDates`), for the
run to record and show.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from kehu.insight.data import TRANSACTIONS
from kehu.insight.errors import InputError

MIN_GAP_DAYS = 28
GAP_FACTOR = 4.0
TAIL_SHARE = 0.01


@dataclass(frozen=True)
class AnalysisDates:
    """The chosen as-of date and why.

    ``reason`` is ``"last_order"`` (the newest order day), ``"sparse_tail"`` (orders
    after a long silent gap were left out) or ``"future"`` (only dates after today were
    left out); ``n_left_out`` orders after ``as_of`` were not analysed, of which
    ``n_future`` are dated after ``today`` (the latest on ``latest_date``).
    """

    as_of: date
    reason: str
    today: date
    latest_date: date
    n_orders: int
    n_left_out: int = 0
    n_future: int = 0
    first_future: date | None = None
    gap_days: int | None = None
    gap_limit_days: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the dates as plain values (ISO text), with the note in words."""
        out = asdict(self)
        out = {k: v.isoformat() if isinstance(v, date) else v for k, v in out.items()}
        return out | {"note": self.note()}

    def note(self) -> str:
        """Return the choice in one English sentence (the CRM phrases it from the numbers)."""
        parts = []
        if self.n_future:
            parts.append(
                f"{_orders(self.n_future)} dated after today ({self.today}), the first on "
                f"{self.first_future}, left out: check their dates"
            )
        if self.reason == "sparse_tail":
            n_tail = self.n_left_out - self.n_future
            parts.append(
                f"{_orders(n_tail)} after a {self.gap_days}-day gap with no orders (longer "
                f"than the {self.gap_limit_days} days the data make usual) left out"
            )
        head = f"analysis as of {self.as_of}, the last day with orders in the dense part"
        return head + ("; " + "; ".join(parts) if parts else "")


def choose_as_of(days: pd.Series, counts: pd.Series, today: date) -> AnalysisDates:
    """Return the as-of date from the purchase days and the orders on each.

    Return the as-of date from the purchase days ``days`` (dates) and the number of orders on
    each (``counts``), by the rule in the module docstring.
    """
    order = np.argsort(pd.to_datetime(days).to_numpy())
    when = pd.to_datetime(days).to_numpy()[order].astype("datetime64[D]")
    n = np.asarray(counts, dtype=np.int64)[order]
    if when.size == 0:
        raise InputError("no purchase days: the analysis needs at least one order")
    total = int(n.sum())
    latest = _day(when[-1])
    future = when > np.datetime64(today, "D")
    n_future = int(n[future].sum())
    first_future = _day(when[future][0]) if future.any() else None
    when, n = when[~future], n[~future]
    if when.size == 0:
        raise InputError(
            f"every order is dated after today ({today}), the first on {first_future}: "
            "check the order dates"
        )
    base: dict[str, Any] = {"today": today, "latest_date": latest, "n_orders": total}
    cut = _sparse_tail(when, n)
    if cut is None:
        reason = "future" if n_future else "last_order"
        return AnalysisDates(
            _day(when[-1]), reason, n_left_out=n_future, n_future=n_future,
            first_future=first_future, **base,
        )  # fmt: skip
    index, gap, limit = cut
    return AnalysisDates(
        _day(when[index]),
        "sparse_tail",
        n_left_out=int(n[index + 1 :].sum()) + n_future,
        n_future=n_future,
        first_future=first_future,
        gap_days=gap,
        gap_limit_days=limit,
        **base,
    )


def _sparse_tail(when: np.ndarray, n: np.ndarray) -> tuple[int, int, int] | None:
    """``(index of the last dense day, the gap after it, the gap limit)`` or None."""
    if when.size < 3:
        return None
    gaps = np.diff(when).astype(np.int64)
    limit = int(max(MIN_GAP_DAYS, np.ceil(GAP_FACTOR * np.percentile(gaps, 99))))
    after = n.sum() - np.cumsum(n)  # orders after each day
    candidates = np.flatnonzero((gaps > limit) & (after[:-1] <= TAIL_SHARE * n.sum()))
    if candidates.size == 0:
        return None
    index = int(candidates[0])
    return index, int(gaps[index]), limit


def _orders(n: int) -> str:
    return f"{n:,} order" if n == 1 else f"{n:,} orders"


def _day(value: np.datetime64) -> date:
    return pd.Timestamp(value).date()


def order_days_sql() -> str:
    """Return the SQL of the dated activity per day.

    Dated activity per day: rows with a customer, a date and a non-zero amount
    (purchases and returns; a return after the last purchase still happened by then).
    """
    return (
        "SELECT CAST(occurred_at AS DATE) AS day, COUNT(*) AS n FROM "
        f"{TRANSACTIONS} WHERE customer_id IS NOT NULL AND occurred_at IS NOT NULL "
        "AND amount <> 0 GROUP BY 1 ORDER BY 1"
    )
