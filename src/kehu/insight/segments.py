"""Behavioural segments: k-means on scaled customer features, the number of segments
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

Stable keys: given the previous run's key per customer, each new segment takes the key
of the old segment it shares the most customers with (a one-to-one assignment that
maximises the Jaccard overlap, accepted from ``MIN_OVERLAP``); the others get new keys.
Without a previous run keys are 1, 2, ... in descending order of value share.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score

from kehu.insight.data import InputError
from kehu.insight.errors import InvalidParameterError

MIN_OVERLAP = 0.5
TRAIT_MIN_Z = 0.4
MAX_TRAITS = 3

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
    "occasional": "Occasional buyers",
}


@dataclass
class Trait:
    feature: str
    z: float  # the segment's mean of the scaled feature: > 0 above average
    segment_median: float
    overall_median: float
    text: str


@dataclass
class SegmentProfile:
    key: int
    name: str
    name_key: str
    name_detail: str  # the category or channel in "{name} buyers"; "" otherwise
    size: int
    share: float
    value_share: float
    traits: list[Trait]
    medians: dict[str, float] = field(default_factory=dict)


class Segmenter:
    """k-means segments of customers, with the number of segments chosen by silhouette.

    Parameters
    ----------
    k_range : (low, high), the numbers of segments tried, both included.
    sample_size : customers the choice of k is fitted on.
    score_size : customers each silhouette is computed on.
    seed : random seed (samples, k-means starts).

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
    ) -> None:
        self.k_range = k_range
        self.sample_size = sample_size
        self.score_size = score_size
        self.seed = seed

    def fit(
        self,
        features: pd.DataFrame,
        *,
        id_col: str = "customer_id",
        value_col: str = "total_spend",
        previous: pd.Series | None = None,
        labels: dict[str, str] | None = None,
    ) -> Segmenter:
        """Segment the customers of ``features`` (one row each, ``id_col`` plus numeric
        features). ``value_col`` is what a segment's value share measures; ``previous``
        maps customer id to the key of the last run, for stable keys."""
        low, high = self.k_range
        if not 2 <= low <= high:
            raise InvalidParameterError(f"k_range must be 2 <= low <= high, got {self.k_range}")
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
        self.k_ = max(self.k_scores_, key=lambda k: (self.k_scores_[k], -k))
        self.kmeans_ = KMeans(self.k_, init=centres[self.k_], n_init=1).fit(X)
        ids = features[id_col].to_numpy()
        value = (
            features[value_col].to_numpy(dtype=float)
            if value_col in features.columns
            else np.ones(len(features))
        )
        cluster = self.kmeans_.labels_
        self.cluster_keys_ = self._keys(ids, cluster, value, previous)
        self.labels_ = pd.Series(self.cluster_keys_[cluster], index=ids, name="segment")
        names = {**LABELS, **(labels or {})}
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
        """The scaled features k-means sees."""
        if not hasattr(self, "mean_"):
            raise InvalidParameterError("this Segmenter is not fitted yet: call fit first")
        filled = X_raw[self.features_].astype(float).fillna(self.medians_)
        return (self._logged(filled).to_numpy() - self.mean_) / self.scale_

    def predict(self, features: pd.DataFrame) -> np.ndarray:
        """The segment key of each row (new customers between runs)."""
        X = self.transform(features)
        cluster = self.kmeans_.predict(X)
        return self.cluster_keys_[cluster]

    def _keys(
        self, ids: np.ndarray, cluster: np.ndarray, value: np.ndarray, previous: pd.Series | None
    ) -> np.ndarray:
        k = self.k_
        order = np.argsort(-np.bincount(cluster, weights=np.nan_to_num(value), minlength=k))
        keys = np.zeros(k, dtype=np.int64)
        if previous is None or previous.dropna().empty:
            keys[order] = np.arange(1, k + 1)
            self.matched_ = {}
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
            z = X[members].mean(axis=0)
            medians = X_raw[members].median()
            traits = [
                Trait(
                    f,
                    float(z[i]),
                    float(medians[f]),
                    float(overall[f]),
                    _trait_text(f, z[i], medians[f], overall[f], labels),
                )
                for i, f in enumerate(self.features_)
                if abs(z[i]) >= TRAIT_MIN_Z and not np.isnan(medians[f])
            ]
            traits = [
                t
                for t in traits
                if _number(t.segment_median, t.feature) != _number(t.overall_median, t.feature)
            ]
            traits.sort(key=lambda t: -abs(t.z))
            name_key, detail = _name(dict(zip(self.features_, z, strict=True)))
            profiles.append(
                SegmentProfile(
                    key=int(self.cluster_keys_[c]),
                    name=_capitalised(NAMES[name_key].format(name=detail)),
                    name_key=name_key,
                    name_detail=detail,
                    size=int(members.sum()),
                    share=float(members.mean()),
                    value_share=float(np.nansum(np.clip(value[members], 0, None)) / total_value),
                    traits=traits[:MAX_TRAITS],
                    medians={f: _plain(medians[f]) for f in self.features_},
                )
            )
        _distinct_names(profiles)
        return sorted(profiles, key=lambda p: p.key)

    def summary(self) -> dict[str, object]:
        """What the run chose and why, as plain JSON."""
        return {
            "k": self.k_,
            "silhouette": {str(k): round(s, 4) for k, s in self.k_scores_.items()},
            "features": self.features_,
            "log_scaled": self.logged_,
            "kept_keys": {str(k): round(v, 3) for k, v in self.matched_.items()},
        }


def _plain(value: float) -> float | None:
    return None if pd.isna(value) else round(float(value), 4)


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
        f"{direction} {label}: {_number(segment, feature)} vs {_number(overall, feature)} overall"
    )


def _is_count(feature: str) -> bool:
    return feature.startswith(("n_", "orders", "complaints"))


def _number(value: float, feature: str) -> str:
    if feature.startswith(("category: ", "channel: ")) or feature.endswith("_share"):
        return f"{value:.0%}"
    return f"{value:,.0f}" if abs(value) >= 10 else f"{value:,.1f}"


def _name(z: dict[str, float]) -> tuple[str, str]:
    """A name from the traits that set the segment apart (first rule that fits)."""

    def get(feature: str) -> float:
        return z.get(feature, 0.0)

    spend = max(get("total_spend"), get("spend_90d"))
    if max(get("n_complaints"), get("complaints_90d")) > 1.0:
        return "service_heavy", ""
    if get("returns_share") > 1.0:
        return "returners", ""
    if get("recency_days") > 0.8 and get("orders_90d") <= 0:
        return "lapsed", ""
    if spend > 0.7 and get("n_orders") > 0.5 and get("recency_days") < 0:
        return "champions", ""
    if spend > 0.8 or get("mean_order") > 1.0:
        return "big_spenders", ""
    if get("n_orders") > 0.8:
        return "loyal_regulars", ""
    if get("tenure_days") < -0.8:
        return "newcomers", ""
    if get("recency_days") > 0.5:
        return "drifting", ""
    for prefix, key in (("category: ", "category_fans"), ("channel: ", "channel_users")):
        shares = {f: v for f, v in z.items() if f.startswith(prefix)}
        if shares:
            best = max(shares, key=shares.get)  # type: ignore[arg-type]
            if shares[best] > 0.8:
                return key, best.removeprefix(prefix)
    return "occasional", ""


def _capitalised(name: str) -> str:
    return name[:1].upper() + name[1:]


def _distinct_names(profiles: list[SegmentProfile]) -> None:
    """Two segments with the same name are told apart by number: "Lapsed (2)"."""
    seen: dict[str, int] = {}
    for profile in sorted(profiles, key=lambda p: -p.value_share):
        seen[profile.name] = seen.get(profile.name, 0) + 1
        if seen[profile.name] > 1:
            profile.name = f"{profile.name} ({seen[profile.name]})"
