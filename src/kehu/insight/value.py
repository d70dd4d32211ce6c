"""Customer value as the CRM needs it.

Customer value as the CRM needs it: a multi-dimensional value score, the customer
pyramid, ABC classes, and the Pareto statistics (top-20% share, Lorenz curve, Gini).

Value dimensions (each turned into a percentile rank in [0, 1], then weighted):

- profitability (how much): realised value, margin where costs are known, else net spend;
- lifecycle (how soon): probability that the customer is still active, P(alive);
- loyalty (how often): repeat purchases per period of tenure, ``frequency / T``;
- potential (how much more): lifetime value still to come, i.e. CLV minus what is
  already realised. The BTYD CLV (``predicted_clv``) is exactly that residual value.

Customer pyramid (Zeithaml, Rust & Lemon 2001, "The customer pyramid: creating and
serving profitable customers", California Management Review 43(4)): tiers by
profitability. The paper fixes no cut-offs; the defaults (top 1% Platinum, next 4%
Gold, next 15% Iron, rest Lead) are parameters. Customers whose realised value is not
positive are Lead whatever their score: they cost more than they bring.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kehu.insight.btyd._parallel import map_threads
from kehu.insight.errors import InputError
from kehu.insight.labels import label_series
from kehu.insight.ranks import average_ranks, first_ranks, stable_order

DEFAULT_WEIGHTS = {"profitability": 0.4, "lifecycle": 0.2, "loyalty": 0.2, "potential": 0.2}
DEFAULT_TIERS: tuple[tuple[str, float], ...] = (
    ("Platinum", 0.01),
    ("Gold", 0.04),
    ("Iron", 0.15),
    ("Lead", 0.80),
)
DEFAULT_ABC = (0.80, 0.95)


def _percentile(values: pd.Series) -> pd.Series:
    if len(values) <= 1:
        return pd.Series(1.0, index=values.index)
    return pd.Series((average_ranks(values) - 1) / (len(values) - 1), index=values.index)


def _check_weights(weights: Mapping[str, float]) -> dict[str, float]:
    unknown = set(weights) - set(DEFAULT_WEIGHTS)
    if unknown:
        raise InputError(
            f"value weights must be among {sorted(DEFAULT_WEIGHTS)}, got {sorted(unknown)}"
        )
    if any(w < 0 for w in weights.values()) or sum(weights.values()) <= 0:
        raise InputError(f"value weights must be ≥ 0 and not all 0, got {dict(weights)}")
    total = sum(weights.values())
    return {k: v / total for k, v in weights.items()}


def value_score(
    customers: pd.DataFrame,
    weights: Mapping[str, float] | None = None,
    realised_col: str = "total_spend",
) -> pd.DataFrame:
    """Return the four dimension ranks and ``value_score`` in [0, 100].

    Needs ``realised_col``, ``p_alive``, ``frequency``, ``T`` and ``predicted_clv``
    (dimensions with zero weight do not need their columns).
    """
    w = _check_weights(weights or DEFAULT_WEIGHTS)
    sources = {
        "profitability": lambda c: c[realised_col],
        "lifecycle": lambda c: c["p_alive"],
        "loyalty": lambda c: c["frequency"] / c["T"].where(c["T"] > 0, np.nan),
        "potential": lambda c: c["predicted_clv"],
    }
    raw: dict[str, pd.Series] = {}
    for dimension, weight in w.items():
        if weight == 0:
            continue
        try:
            raw[dimension] = sources[dimension](customers).fillna(0.0)
        except KeyError as e:
            raise InputError(
                f"the {dimension} dimension needs column {e.args[0]!r}; "
                f"found {list(customers.columns)}"
            ) from None
    out = pd.DataFrame(index=customers.index)
    for dimension, ranks in zip(raw, map_threads(_percentile, list(raw.values())), strict=True):
        out[f"{dimension}_rank"] = ranks
    out["value_score"] = score_of_ranks(out, w)
    return out


def score_of_ranks(ranks: pd.DataFrame, weights: Mapping[str, float]) -> pd.Series:
    """Return ``value_score`` in [0, 100] from the ``<dimension>_rank`` columns.

    Weighs the ranks of the dimensions with a weight (weights normalised to sum 1), in
    the order of :data:`DEFAULT_WEIGHTS`; rounded to 4 decimals.
    """
    w = _check_weights(weights)
    score = pd.Series(0.0, index=ranks.index)
    for dimension, weight in w.items():
        if weight != 0:
            score += weight * ranks[f"{dimension}_rank"]
    return (100 * score).round(4)


def pyramid_tiers(
    score: pd.Series,
    realised: pd.Series | None = None,
    tiers: Sequence[tuple[str, float]] = DEFAULT_TIERS,
) -> pd.Series:
    """Return the tier of each customer.

    Tier of each customer: by rank of ``score``, top shares first. Shares must sum to
    1; the last tier takes the rest. Non-positive ``realised`` value forces the last tier.
    """
    shares = np.array([share for _name, share in tiers], dtype=float)
    if (shares <= 0).any() or not np.isclose(shares.sum(), 1.0):
        raise InputError(f"tier shares must be positive and sum to 1, got {list(tiers)}")
    order = first_ranks(score, ascending=False)  # 1 = best
    return tiers_of_ranks(order, len(score), realised, tiers, score.index)


def tiers_of_ranks(
    order: np.ndarray,
    n: int,
    realised: pd.Series | None,
    tiers: Sequence[tuple[str, float]],
    index: pd.Index,
) -> pd.Series:
    """Return the tier of each customer from its rank by value score (1 = best) among ``n``."""
    shares = np.array([share for _name, share in tiers], dtype=float)
    bounds = np.ceil(np.cumsum(shares) * n)
    codes = np.minimum(np.searchsorted(bounds, order, side="left"), len(tiers) - 1)
    if realised is not None:
        codes[realised.to_numpy() <= 0] = len(tiers) - 1
    return label_series(codes, [name for name, _share in tiers], index)


def abc_classes(value: pd.Series, cuts: tuple[float, float] = DEFAULT_ABC) -> pd.Series:
    """Return the ABC class of each customer.

    A: customers who together make the first ``cuts[0]`` of value (largest first),
    B: up to ``cuts[1]``, C: the rest (and every customer with value ≤ 0).
    """
    a_cut, b_cut = cuts
    if not 0 < a_cut < b_cut < 1:
        raise InputError(f"ABC cuts must satisfy 0 < A < B < 1, got {cuts}")
    positive = value.clip(lower=0).to_numpy(dtype=float)
    total = positive.sum()
    if total <= 0:
        return pd.Series("C", index=value.index)
    order = stable_order(positive, ascending=False)  # largest first, ties as they appear
    ordered = positive[order]
    share_before = np.empty(positive.size)  # share of value ahead of each customer
    share_before[order] = (np.cumsum(ordered) - ordered) / total
    return abc_of_shares(pd.Series(share_before, index=value.index), value, cuts)


def abc_of_shares(
    share_before: pd.Series, value: pd.Series, cuts: tuple[float, float] = DEFAULT_ABC
) -> pd.Series:
    """Return the ABC class from the share of value ahead of each customer, largest first."""
    a_cut, b_cut = cuts
    ahead = share_before.to_numpy()
    codes = np.where(ahead < a_cut, 0, np.where(ahead < b_cut, 1, 2))
    codes[(value <= 0).to_numpy()] = 2
    return label_series(codes, ["A", "B", "C"], value.index)


@dataclass(frozen=True)
class ParetoStats:
    """How concentrated value is among customers."""

    n_customers: int
    top20_share: float
    gini: float
    lorenz_customers: np.ndarray  # cumulative share of customers, from the smallest
    lorenz_value: np.ndarray  # cumulative share of value

    def as_dict(self) -> dict[str, float | int]:
        """Return the concentration figures as plain values."""
        return {"n_customers": self.n_customers, "top20_share": self.top20_share, "gini": self.gini}


def pareto(value: pd.Series, points: int = 101) -> ParetoStats:
    """Top-20% share, Gini coefficient and the Lorenz curve of non-negative value.

    Examples
    --------
    >>> stats = pareto(pd.Series([1.0, 1.0, 1.0, 1.0]))
    >>> round(stats.gini, 6), round(stats.top20_share, 6)
    (0.0, 0.25)
    """
    positive = value.clip(lower=0).to_numpy(dtype=float)
    v = positive[stable_order(positive)]
    n = len(v)
    if n == 0 or v.sum() <= 0:
        raise InputError("Pareto statistics need at least one customer with positive value")
    cumulative = np.concatenate([[0.0], np.cumsum(v) / v.sum()])
    shares = np.linspace(0, 1, n + 1)
    # Gini = 1 - 2 × area under the Lorenz curve (trapezoids over the exact curve)
    gini = 1.0 - float(np.sum((cumulative[1:] + cumulative[:-1]) / n))
    top_k = int(np.ceil(0.2 * n))
    top20 = float(v[n - top_k :].sum() / v.sum())
    grid = np.linspace(0, 1, points)
    return ParetoStats(n, top20, gini, grid, np.interp(grid, shares, cumulative))
