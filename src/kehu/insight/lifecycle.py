"""Relationship lifecycle stage and loyalty-ladder stage of each customer.

Lifecycle (the exploration / formation / stability / decline stages of Dwyer, Schurr &
Oh 1987, with "lost" added), first matching rule wins:

1. **lost**: P(alive) below ``lost_below`` (default 0.15).
2. **decline**: P(alive) below ``decline_below`` (0.5); or the silence since the last
   purchase is longer than ``slowdown`` (2) times the customer's own mean gap (for a
   one-time buyer, who has none: the median of the repeat buyers' mean gaps); or the
   last gap is longer than ``slowdown`` times the mean of the earlier gaps; or the RFM
   segment (column ``rfm_segment``, where present) is one of :data:`FADING_SEGMENTS`,
   whose names already say the relationship is fading, or the status a user gave the
   customer (column ``status``, where present, e.g. a CRM's) is one of
   :data:`FADING_STATUSES`: the stage agrees with what those say.
3. **exploration**: one purchase so far (no repeat).
4. **formation**: fewer than ``stable_repeats`` (3) repeat purchases.
5. **stability**: the rest: regular repeat buyers who are likely alive.

Loyalty ladder (Christopher, Payne & Ballantyne 1991), first matching rule from the top:

- **advocate**: a loyal customer who referred others (``referrals`` > 0) or whose mean
  satisfaction (``satisfaction``, 1-5) is at least 4, where the CRM records these;
- **loyal**: at least ``loyal_repeats`` (4) repeat purchases and P(alive) ≥ 0.5;
- **repeat**: at least one repeat purchase;
- **first-time**: one purchase;
- **prospect**: no purchase (CRM customers without orders).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kehu.insight.errors import InputError
from kehu.insight.labels import label_series

LIFECYCLE_STAGES = ("exploration", "formation", "stability", "decline", "lost")
#: RFM segments (:mod:`kehu.insight.rfm`) that are at best in decline.
FADING_SEGMENTS = ("At risk", "Can't lose", "Hibernating", "Lost")
#: Customer statuses (set by people, e.g. in a CRM) that are at best in decline.
FADING_STATUSES = ("inactive", "lost")
LOYALTY_STAGES = ("prospect", "first-time", "repeat", "loyal", "advocate")


@dataclass(frozen=True)
class LifecycleRules:
    """Thresholds of the lifecycle stages."""

    lost_below: float = 0.15
    decline_below: float = 0.5
    slowdown: float = 2.0
    stable_repeats: int = 3
    loyal_repeats: int = 4
    loyal_p_alive: float = 0.5
    advocate_satisfaction: float = 4.0

    def __post_init__(self) -> None:
        """Check that the thresholds are in order."""
        if not 0 <= self.lost_below <= self.decline_below <= 1:
            raise InputError(
                "lifecycle thresholds must satisfy 0 ≤ lost_below ≤ decline_below ≤ 1, got "
                f"{self.lost_below} and {self.decline_below}"
            )


def _require(customers: pd.DataFrame, *columns: str) -> None:
    missing = [c for c in columns if c not in customers.columns]
    if missing:
        raise InputError(
            f"lifecycle stages need columns {missing}; found {list(customers.columns)}"
        )


def lifecycle_stage(
    customers: pd.DataFrame,
    rules: LifecycleRules | None = None,
    repeat_gap_median: float | None = None,
) -> pd.Series:
    """Return the lifecycle stage of each customer.

    Stage per customer from ``p_alive``, ``frequency``, ``recency`` and ``T`` (same
    period), ``days_since_last``, ``last_gap_days`` and ``prior_mean_gap_days``. A
    one-time buyer's usual gap is the median of the repeat buyers' mean gaps: of these
    rows, or ``repeat_gap_median`` when the rows are one part of the customers.
    """
    rules = rules or LifecycleRules()
    _require(
        customers,
        "p_alive",
        "frequency",
        "days_since_last",
        "last_gap_days",
        "prior_mean_gap_days",
        "first_purchase",
        "last_purchase",
    )
    frequency = customers["frequency"].to_numpy()
    p_alive = customers["p_alive"].to_numpy(dtype=float)
    span_days = (
        pd.to_datetime(customers["last_purchase"]) - pd.to_datetime(customers["first_purchase"])
    ).dt.days.to_numpy(dtype=float)
    mean_gap = np.where(frequency > 0, span_days / np.maximum(frequency, 1), np.nan)
    if repeat_gap_median is None and (frequency > 0).any():
        repeat_gap_median = float(np.nanmedian(mean_gap[frequency > 0]))
    if repeat_gap_median is not None:  # a one-time buyer is measured against repeat buyers
        mean_gap = np.where(frequency > 0, mean_gap, repeat_gap_median)
    silence = customers["days_since_last"].to_numpy(dtype=float)
    last_gap = customers["last_gap_days"].to_numpy(dtype=float)
    prior_gap = customers["prior_mean_gap_days"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        slowing = (silence > rules.slowdown * mean_gap) | (
            last_gap > rules.slowdown * np.where(prior_gap > 0, prior_gap, np.nan)
        )
    if "rfm_segment" in customers.columns:
        slowing |= customers["rfm_segment"].isin(FADING_SEGMENTS).to_numpy()
    if "status" in customers.columns:
        slowing |= customers["status"].isin(FADING_STATUSES).to_numpy()
    conditions = [
        p_alive < rules.lost_below,
        (p_alive < rules.decline_below) | slowing,
        frequency == 0,
        frequency < rules.stable_repeats,
    ]
    stages = np.select(conditions, np.arange(4), 4)
    names = ["lost", "decline", "exploration", "formation", "stability"]
    return label_series(stages, names, customers.index)


def loyalty_stage(customers: pd.DataFrame, rules: LifecycleRules | None = None) -> pd.Series:
    """Return the loyalty ladder stage of each customer.

    Ladder stage per customer from ``frequency`` and ``p_alive`` (and ``referrals``,
    ``satisfaction`` when present); rows with a missing ``frequency`` are prospects.
    """
    rules = rules or LifecycleRules()
    _require(customers, "frequency", "p_alive")
    frequency = customers["frequency"]
    loyal = (frequency >= rules.loyal_repeats) & (customers["p_alive"] >= rules.loyal_p_alive)
    endorses = pd.Series(False, index=customers.index)
    if "referrals" in customers.columns:
        endorses |= customers["referrals"].fillna(0) > 0
    if "satisfaction" in customers.columns:
        endorses |= customers["satisfaction"].fillna(0) >= rules.advocate_satisfaction
    conditions = [frequency.isna(), loyal & endorses, loyal, frequency >= 1, frequency == 0]
    stages = np.select([c.to_numpy() for c in conditions], np.arange(5), 0)
    names = ["prospect", "advocate", "loyal", "repeat", "first-time"]
    return label_series(stages, names, customers.index)
