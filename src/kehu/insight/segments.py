"""Behavioural segments: k-means on scaled customer features.

Behavioural segments: k-means on scaled customer features, the number of segments
chosen by the silhouette score, a profile of each segment in words, and segment keys
that persist from one run to the next.

Scaling: a feature with a long tail (spend, order counts, gaps; |skewness| > 1) is
taken as ``sign(x) log(1 + |x|)`` first (returns make spend negative at times), so that
a few very large customers do not become segments of their own; then every feature is
standardised, and missing values take the median.

Choosing k: k-means is fitted for each k in ``k_range`` on a sample of at most
``sample_size`` customers and scored by the silhouette (Rousseeuw 1987) on at most
``score_size`` of them; the best k is refitted on every customer from the sample's
centres. Two segments rarely help a marketer (the ABC classes already split the base),
so the range starts at 3.

Minimum size: a segment of fewer than ``min_share`` of the customers (and at least
``MIN_SEGMENT_CUSTOMERS``) is an outlier group, not a segment anyone can act on: it is
merged, smallest first, into the segments its members are nearest to, and the others'
centres are updated (``merged_`` says how many customers moved). The silhouette of the
final segments is ``silhouette_``; under ``WEAK_SILHOUETTE`` (0.25, below which Kaufman
& Rousseeuw 1990 find "no substantial structure") the segments are a partition of a
continuum rather than separate groups, and the CRM says so.

Names: each naming rule is checked against what the segment is, not only against its
mean scaled features: "Big spenders" and "Champions" must bring at least
``BIG_SPENDER_VALUE_RATIO`` and ``CHAMPION_VALUE_RATIO`` times their share of customers
in value, and a rule about a feature (more orders, longer since the last order, more
complaints, a category's share) needs the segment's median on the same side of every
customer's median. Traits are medians, and a trait is shown only when the median and
the mean move the same way.

Stable keys: given the previous run's key per customer, each new segment takes the key
of the old segment it shares the most customers with (a one-to-one assignment that
maximises the Jaccard overlap, accepted from ``MIN_OVERLAP``); the others get new keys.
Without a previous run keys are 1, 2, ... in descending order of value share.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Self

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score

from kehu.insight.base import Estimator
from kehu.insight.errors import InputError

MIN_OVERLAP = 0.5
TRAIT_MIN_Z = 0.4
MAX_TRAITS = 3
#: The smallest segment kept: ``min_share`` of the customers, and at least this many.
MIN_SEGMENT_CUSTOMERS = 10
#: Below this silhouette the segments show no substantial structure (Kaufman &
#: Rousseeuw 1990, "Finding groups in data", ch. 2).
WEAK_SILHOUETTE = 0.25
#: value share / customer share a segment needs to be called "Big spenders" / "Champions"
BIG_SPENDER_VALUE_RATIO = 1.5
CHAMPION_VALUE_RATIO = 2.0

#: What the standard behaviour features are called in a profile's words.
LABELS = {
    "recency_days": "days since last order",
    "tenure_days": "days as a customer",
    "n_orders": "orders",
    "total_spend": "total spend",
    "mean_order": "mean order",
    "mean_gap_days": "days between orders",
    "spend_90d": "spend in the last 90 days",
    "orders_90d": "orders in the last 90 days",
    "spend_prev_90d": "spend in the 90 days before",
    "returns_share": "share of orders returned",
    "n_tickets": "service tickets",
    "n_complaints": "complaints",
    "complaints_90d": "complaints in the last 90 days",
    "overdue_amount": "overdue amount",
    "days_overdue": "days overdue",
}

#: Segment names: a key (translated by the CRM) and the English text.
NAMES = {
    "champions": "Champions",
    "big_spenders": "Big spenders",
    "loyal_regulars": "Loyal regulars",
    "newcomers": "Newcomers",
    "lapsed": "Lapsed",
    "drifting": "Drifting away",
    "service_heavy": "Service-heavy",
    "returners": "Frequent returners",
    "category_fans": "{name} buyers",
    "channel_users": "{name} customers",
    "recent_buyers": "Recently active",
    "occasional": "Occasional buyers",
    "typical": "Typical customers",
}


@dataclass
class Trait:
    """A feature that sets a segment apart, with its medians and the words for it."""

    feature: str
    z: float  # the segment's mean of the scaled feature: > 0 above average
    segment_median: float
    overall_median: float
    text: str


@dataclass
class SegmentProfile:
    """One segment: key, name, size, value share, traits and medians."""

    key: int
    name: str
    name_key: str
    name_detail: str  # the category or channel in "{name} buyers"; "" otherwise
    size: int
    share: float
    value_share: float
    traits: list[Trait]
    medians: dict[str, float | None] = field(default_factory=dict)


class Segmenter(Estimator):
    """k-means segments of customers, with the number of segments chosen by silhouette.

    Parameters
    ----------
    k_range : tuple of int
        ``(low, high)``, the numbers of segments tried, both included
        (``2 <= low <= high``).
    sample_size : int
        Customers the choice of k is fitted on.
    score_size : int
        Customers each silhouette is computed on.
    seed : int
        Random seed (samples, k-means starts).
    min_share : float
        The smallest segment, as a share of the customers (at least
        ``MIN_SEGMENT_CUSTOMERS``); smaller clusters are merged into their neighbours.
    id_col : str
        The customer id column of the features.
    value_col : str
        What a segment's value share measures (every customer counts 1 when the
        features lack it).
    labels : dict or None
        Words for feature names in the traits, over :data:`LABELS`.

    Attributes
    ----------
    features_ : list of str
        The numeric feature columns used.
    k_scores_ : dict
        Silhouette of each k tried.
    k_chosen_ : int
        The k with the best silhouette; ``k_`` segments remain after merging.
    k_ : int
        Number of segments.
    centres_ : numpy.ndarray
        Segment centres in the scaled features.
    cluster_keys_ : numpy.ndarray
        The stable key of each segment.
    labels_ : pandas.Series
        Segment key per customer id.
    profiles_ : list of SegmentProfile
        Each segment in words, by key.
    silhouette_ : float
        Silhouette of the final segments (NaN for one segment).
    min_size_, merged_ : int
        The smallest segment kept, and the customers moved out of smaller ones.
    matched_ : dict
        Previous key -> Jaccard overlap, for each key kept from the previous run.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"customer_id": range(600),
    ...                   "n_orders": np.r_[rng.poisson(2, 300), rng.poisson(20, 300)],
    ...                   "total_spend": np.r_[rng.gamma(2, 50, 300), rng.gamma(2, 900, 300)]})
    >>> seg = Segmenter(k_range=(2, 4)).fit(X)
    >>> seg.k_
    2
    """

    def __init__(
        self,
        k_range: tuple[int, int] = (3, 8),
        sample_size: int = 20_000,
        score_size: int = 5_000,
        seed: int = 0,
        min_share: float = 0.02,
        *,
        id_col: str = "customer_id",
        value_col: str = "total_spend",
        labels: dict[str, str] | None = None,
    ) -> None:
        self.k_range = k_range
        self.sample_size = sample_size
        self.score_size = score_size
        self.seed = seed
        self.min_share = min_share
        self.id_col = id_col
        self.value_col = value_col
        self.labels = labels

    def fit(self, features: pd.DataFrame, *, previous: pd.Series | None = None) -> Self:
        """Segment the customers of ``features``.

        Parameters
        ----------
        features : pandas.DataFrame
            One row per customer: ``id_col`` plus numeric features.
        previous : pandas.Series, optional
            Customer id -> segment key of the last run, for stable keys.

        Returns
        -------
        Segmenter
            ``self``, fitted.
        """
        id_col, value_col = self.id_col, self.value_col
        low, high = self.k_range
        if not 2 <= low <= high:
            raise InputError(f"k_range must be 2 <= low <= high, got {self.k_range}")
        if not 0 <= self.min_share < 1 / high:
            raise InputError(
                f"min_share must be at least 0 and below 1/{high} (the largest k), "
                f"got {self.min_share!r}"
            )
        if id_col not in features.columns:
            raise InputError(f"no {id_col!r} column; found {list(features.columns)}")
        X_raw = features.drop(columns=[id_col]).select_dtypes("number").astype(float)
        if X_raw.shape[1] == 0:
            raise InputError("segmentation needs at least one numeric feature column")
        if len(X_raw) < max(3 * high, 10):
            raise InputError(
                f"segmentation needs at least {max(3 * high, 10)} customers for up to {high} "
                f"segments, got {len(X_raw)}"
            )
        self.features_ = list(X_raw.columns)
        self._fit_scaling(X_raw)
        X = self.transform(X_raw)
        rng = np.random.default_rng(self.seed)
        sample = rng.choice(len(X), min(len(X), self.sample_size), replace=False)
        self.k_scores_ = {}
        centres: dict[int, np.ndarray] = {}
        for k in range(low, high + 1):
            model = KMeans(k, n_init=4, random_state=self.seed).fit(X[sample])
            if len(np.unique(model.labels_)) < 2:
                continue
            self.k_scores_[k] = float(
                silhouette_score(
                    X[sample],
                    model.labels_,
                    sample_size=min(len(sample), self.score_size),
                    random_state=self.seed,
                )
            )
            centres[k] = model.cluster_centers_
        if not self.k_scores_:
            raise InputError("the customers do not differ in these features: no segments")
        self.k_chosen_ = max(self.k_scores_, key=lambda k: (self.k_scores_[k], -k))
        self.kmeans_ = KMeans(self.k_chosen_, init=centres[self.k_chosen_], n_init=1).fit(X)
        self.min_size_ = max(MIN_SEGMENT_CUSTOMERS, int(np.ceil(self.min_share * len(X))))
        cluster, self.centres_, self.merged_ = _merge_small(
            X, self.kmeans_.labels_.copy(), self.kmeans_.cluster_centers_, self.min_size_
        )
        self.k_ = len(self.centres_)
        self.silhouette_ = (
            float(
                silhouette_score(
                    X[sample],
                    cluster[sample],
                    sample_size=min(len(sample), self.score_size),
                    random_state=self.seed,
                )
            )
            if self.k_ > 1
            else float("nan")
        )
        ids = features[id_col].to_numpy()
        value = (
            features[value_col].to_numpy(dtype=float)
            if value_col in features.columns
            else np.ones(len(features))
        )
        self.cluster_keys_ = self._keys(ids, cluster, value, previous)
        self.labels_ = pd.Series(self.cluster_keys_[cluster], index=ids, name="segment")
        names = {**LABELS, **(self.labels or {})}
        self.profiles_ = self._profiles(X_raw, X, cluster, value, names)
        return self

    def _fit_scaling(self, X_raw: pd.DataFrame) -> None:
        self.medians_ = X_raw.median().fillna(0.0)
        filled = X_raw.fillna(self.medians_)
        skew = filled.skew().fillna(0.0).to_numpy()
        self.logged_ = list(X_raw.columns[np.abs(skew) > 1.0])
        logged = self._logged(filled)
        self.mean_ = logged.mean().to_numpy()
        std = logged.std(ddof=0).to_numpy()
        self.scale_ = np.where(std > 0, std, 1.0)

    def _logged(self, filled: pd.DataFrame) -> pd.DataFrame:
        out = filled.copy()
        for column in self.logged_:
            values = out[column].to_numpy()
            out[column] = np.sign(values) * np.log1p(np.abs(values))
        return out

    def transform(self, X_raw: pd.DataFrame) -> np.ndarray:
        """Scale ``X_raw`` as k-means sees it.

        Parameters
        ----------
        X_raw : pandas.DataFrame
            The fitted feature columns (others are ignored).

        Returns
        -------
        numpy.ndarray
            The features, logged where long-tailed, standardised, missing values at the
            median.
        """
        self._check_is_fitted("transform")
        filled = X_raw[self.features_].astype(float).fillna(self.medians_)
        result: np.ndarray = (self._logged(filled).to_numpy() - self.mean_) / self.scale_
        return result

    def predict(self, features: pd.DataFrame) -> np.ndarray:
        """Return the segment key of each row (new customers between runs).

        Parameters
        ----------
        features : pandas.DataFrame
            The fitted feature columns, one row per customer.

        Returns
        -------
        numpy.ndarray
            The key of the nearest segment of each row.
        """
        self._check_is_fitted("predict")
        X = self.transform(features)
        distance = ((X[:, None, :] - self.centres_[None, :, :]) ** 2).sum(axis=2)
        result: np.ndarray = self.cluster_keys_[distance.argmin(axis=1)]
        return result

    def _keys(
        self, ids: np.ndarray, cluster: np.ndarray, value: np.ndarray, previous: pd.Series | None
    ) -> np.ndarray:
        k = self.k_
        order = np.argsort(-np.bincount(cluster, weights=np.nan_to_num(value), minlength=k))
        keys = np.zeros(k, dtype=np.int64)
        if previous is None or previous.dropna().empty:
            keys[order] = np.arange(1, k + 1)
            self.matched_: dict[int, float] = {}
            return keys
        old = previous.dropna().astype(np.int64)
        common = pd.Index(ids).get_indexer(old.index)
        kept = common >= 0
        old_keys = old.to_numpy()[kept]
        new_cluster = cluster[common[kept]]
        old_unique, old_code = np.unique(old_keys, return_inverse=True)
        both = np.zeros((k, len(old_unique)))
        np.add.at(both, (new_cluster, old_code), 1)
        new_size = np.bincount(cluster, minlength=k)[:, None]
        old_size = np.bincount(old_code, minlength=len(old_unique))[None, :]
        jaccard = both / np.maximum(new_size + old_size - both, 1)
        rows, cols = linear_sum_assignment(-jaccard)
        self.matched_ = {}
        for r, c in zip(rows, cols, strict=True):
            if jaccard[r, c] >= MIN_OVERLAP:
                keys[r] = old_unique[c]
                self.matched_[int(old_unique[c])] = float(jaccard[r, c])
        next_key = int(max(old_unique.max(), 0)) + 1
        for r in order:
            if keys[r] == 0:
                keys[r] = next_key
                next_key += 1
        return keys

    def _profiles(
        self,
        X_raw: pd.DataFrame,
        X: np.ndarray,
        cluster: np.ndarray,
        value: np.ndarray,
        labels: dict[str, str],
    ) -> list[SegmentProfile]:
        total_value = float(np.nansum(np.clip(value, 0, None))) or 1.0
        overall = X_raw.median()
        profiles = []
        for c in range(self.k_):
            members = cluster == c
            z = dict(zip(self.features_, X[members].mean(axis=0).tolist(), strict=True))
            medians = X_raw[members].median()
            share = float(members.mean())
            value_share = float(np.nansum(np.clip(value[members], 0, None)) / total_value)
            facts = _Facts(z, _by_name(medians), _by_name(overall), value_share / share)
            name_key, detail = _name(facts)
            profiles.append(
                SegmentProfile(
                    key=int(self.cluster_keys_[c]),
                    name=_capitalised(NAMES[name_key].format(name=detail)),
                    name_key=name_key,
                    name_detail=detail,
                    size=int(members.sum()),
                    share=share,
                    value_share=value_share,
                    traits=_traits(facts, self.features_, labels),
                    medians={f: _rounded(medians[f]) for f in self.features_},
                )
            )
        _distinct_names(profiles)
        return sorted(profiles, key=lambda p: p.key)

    def summary(self) -> dict[str, object]:
        """Return what the run chose and why, as plain JSON."""
        self._check_is_fitted("summary")
        return {
            "k": self.k_,
            "k_chosen": self.k_chosen_,
            "silhouette": {str(k): round(s, 4) for k, s in self.k_scores_.items()},
            "silhouette_final": None if np.isnan(self.silhouette_) else round(self.silhouette_, 4),
            "weak": bool(np.isnan(self.silhouette_) or self.silhouette_ < WEAK_SILHOUETTE),
            "weak_below": WEAK_SILHOUETTE,
            "min_size": self.min_size_,
            "merged_customers": self.merged_,
            "features": self.features_,
            "log_scaled": self.logged_,
            "kept_keys": {str(k): round(v, 3) for k, v in self.matched_.items()},
        }


def _merge_small(
    X: np.ndarray, cluster: np.ndarray, centres: np.ndarray, min_size: int
) -> tuple[np.ndarray, np.ndarray, int]:
    """Merge the clusters under ``min_size`` into their nearest neighbours.

    Clusters under ``min_size`` dissolved, smallest first, into the nearest of the
    others (member by member), whose centres move to their new means; at least two
    clusters stay. Returns the clusters numbered 0..k'-1, their centres and the number
    of customers moved.
    """
    centres = centres.astype(float).copy()
    keep = list(range(len(centres)))
    moved = 0
    while len(keep) > 2:
        sizes = np.bincount(cluster, minlength=len(centres))
        small = [c for c in keep if sizes[c] < min_size]
        if not small:
            break
        gone = min(small, key=lambda c: (sizes[c], c))
        keep.remove(gone)
        members = np.flatnonzero(cluster == gone)
        if members.size:
            distance = ((X[members, None, :] - centres[None, keep, :]) ** 2).sum(axis=2)
            targets = np.asarray(keep)[distance.argmin(axis=1)]
            cluster[members] = targets
            for t in np.unique(targets):
                centres[t] = X[cluster == t].mean(axis=0)
            moved += int(members.size)
    renumber = np.full(len(centres), -1, dtype=np.int64)
    renumber[keep] = np.arange(len(keep))
    return renumber[cluster], centres[keep], moved


@dataclass
class _Facts:
    """What a segment is: its features, medians and value share.

    What a segment is: mean scaled features (``z``), its medians and every
    customer's, and its value share over its customer share.
    """

    z: dict[str, float]
    median: dict[str, float]
    overall: dict[str, float]
    value_ratio: float

    def zf(self, feature: str) -> float:
        return self.z.get(feature, 0.0)

    def side(self, feature: str) -> int:
        """Return +1, -1 or 0: the segment's median above, below or at every customer's.

        +1 when the segment's median is above every customer's median, -1 below, 0
        when equal or unknown.
        """
        seg, every = self.median.get(feature), self.overall.get(feature)
        if seg is None or every is None or pd.isna(seg) or pd.isna(every):
            return 0
        return int(np.sign(seg - every))


def _traits(facts: _Facts, features: list[str], labels: dict[str, str]) -> list[Trait]:
    """Return the features that set the segment apart most.

    Return the features that set the segment apart most (by mean scaled distance), shown as
    medians; one whose median does not move the way its mean does is left out.
    """
    traits = [
        Trait(
            f,
            facts.zf(f),
            float(facts.median[f]),
            float(facts.overall[f]),
            _trait_text(f, facts.zf(f), facts.median[f], facts.overall[f], labels),
        )
        for f in features
        if abs(facts.zf(f)) >= TRAIT_MIN_Z
        and facts.side(f) == np.sign(facts.zf(f))
        and _number(facts.median[f], f) != _number(facts.overall[f], f)
    ]
    traits.sort(key=lambda t: -abs(t.z))
    return traits[:MAX_TRAITS]


def _rounded(value: float) -> float | None:
    return None if pd.isna(value) else round(float(value), 4)


def _by_name(values: pd.Series) -> dict[str, float]:
    return {str(name): float(value) for name, value in values.items()}


def _trait_text(
    feature: str, z: float, segment: float, overall: float, labels: dict[str, str]
) -> str:
    label = labels.get(feature, feature)
    if feature.startswith("category: "):
        label = "share of spend on " + feature.removeprefix("category: ")
    elif feature.startswith("channel: "):
        label = "share of orders by " + feature.removeprefix("channel: ")
    if _is_count(feature):
        direction = "more" if z > 0 else "fewer"
    else:
        direction = "higher" if z > 0 else "lower"
    return (
        f"{direction} {label}: median {_number(segment, feature)} vs "
        f"{_number(overall, feature)} for all customers"
    )


def _is_count(feature: str) -> bool:
    return feature.startswith(("n_", "orders", "complaints"))


def _number(value: float, feature: str) -> str:
    if feature.startswith(("category: ", "channel: ")) or feature.endswith("_share"):
        return f"{value:.0%}"
    return f"{value:,.0f}" if abs(value) >= 10 else f"{value:,.1f}"


def _name(f: _Facts) -> tuple[str, str]:
    """Return a name for the segment from the traits that set it apart.

    Return a name from the traits that set the segment apart: the first rule whose mean scaled
    features fit and whose facts (value share, medians) agree.
    """
    spend = max(f.zf("total_spend"), f.zf("spend_90d"))
    if max(f.zf("n_complaints"), f.zf("complaints_90d")) > 1.0 and (
        max(f.side("n_complaints"), f.side("complaints_90d"), f.side("n_tickets")) > 0
    ):
        return "service_heavy", ""
    if f.zf("returns_share") > 1.0 and f.side("returns_share") > 0:
        return "returners", ""
    if f.zf("recency_days") > 0.8 and f.zf("orders_90d") <= 0 and f.side("recency_days") > 0:
        return "lapsed", ""
    if (
        spend > 0.7
        and f.zf("n_orders") > 0.5
        and f.zf("recency_days") < 0
        and f.value_ratio >= CHAMPION_VALUE_RATIO
        and f.side("n_orders") > 0
    ):
        return "champions", ""
    if (spend > 0.8 or f.zf("mean_order") > 1.0) and f.value_ratio >= BIG_SPENDER_VALUE_RATIO:
        return "big_spenders", ""
    if f.zf("orders_90d") > 0.8 and f.side("recency_days") < 0:
        return "recent_buyers", ""
    if f.zf("n_orders") > 0.8 and f.side("n_orders") > 0:
        return "loyal_regulars", ""
    if f.zf("tenure_days") < -0.8 and f.side("tenure_days") < 0:
        return "newcomers", ""
    if f.zf("recency_days") > 0.5 and f.side("recency_days") > 0:
        return "drifting", ""
    for prefix, key in (("category: ", "category_fans"), ("channel: ", "channel_users")):
        shares = {name: v for name, v in f.z.items() if name.startswith(prefix)}
        if shares:
            best = max(shares, key=shares.get)  # type: ignore[arg-type]
            if shares[best] > 0.8 and f.median.get(best, 0.0) >= 0.5:
                return key, best.removeprefix(prefix)
    if f.value_ratio < 1 and f.side("n_orders") <= 0:
        return "occasional", ""
    return "typical", ""


def _capitalised(name: str) -> str:
    return name[:1].upper() + name[1:]


def _distinct_names(profiles: list[SegmentProfile]) -> None:
    """Two segments with the same name are told apart by number: "Lapsed (2)"."""
    seen: dict[str, int] = {}
    for profile in sorted(profiles, key=lambda p: -p.value_share):
        seen[profile.name] = seen.get(profile.name, 0) + 1
        if seen[profile.name] > 1:
            profile.name = f"{profile.name} ({seen[profile.name]})"
