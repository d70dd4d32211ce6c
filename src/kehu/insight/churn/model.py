"""The outcome model: a blend of LightGBM and a scaled logistic regression.

The outcome model: a blend of a regularised gradient-boosted tree model (LightGBM;
interactions, thresholds, missing values as their own branch) and a scaled logistic
regression (smooth monotone effects, stable on small data), averaged in log-odds and
then calibrated (Platt scaling on out-of-fold scores), with each row's contributions
per input column so that the top reasons can be named.

On the Telco churn data a scaled logistic regression and a tuned GBM both reach about
0.845 ROC AUC and an untuned LightGBM 0.836 (see REFERENCES); the blend is above each
(``benchmarks/churn.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from kehu.insight.churn.tree_shap import tree_contributions
from kehu.insight.logistic import logit as _logit
from kehu.insight.logistic import sigmoid as _sigmoid

#: Slow learning, shallow trees, row and column sampling: tuned once on Telco and Bank
#: Marketing (5-fold CV), kept for every table rather than searched per run.
GBM_PARAMS: dict[str, Any] = {
    "n_estimators": 400,
    "learning_rate": 0.02,
    "num_leaves": 8,
    "min_child_samples": 40,
    "subsample": 0.8,
    "subsample_freq": 1,
    "colsample_bytree": 0.7,
    "reg_lambda": 5.0,
    "verbose": -1,
}
CALIBRATION_FOLDS = 3


@dataclass
class Blend:
    """The two models, fitted on the same rows."""

    numeric: list[str]
    categorical: list[str]
    gbm: lgb.LGBMClassifier
    linear: Pipeline
    #: transformed column -> the input column it comes from
    sources: np.ndarray
    #: mean of each transformed column on the training rows (the "average customer")
    centre: np.ndarray

    @classmethod
    def fit(
        cls,
        X: pd.DataFrame,
        y: np.ndarray,
        numeric: list[str],
        categorical: list[str],
        seed: int = 0,
        threads: int = 0,
    ) -> Blend:
        """Fit the blend of LightGBM and a scaled logistic regression on ``X``, ``y``."""
        gbm = lgb.LGBMClassifier(**GBM_PARAMS, random_state=seed, n_jobs=threads or None)
        gbm.fit(_for_trees(X, numeric, categorical), y)
        linear = Pipeline(
            [
                ("text", _LinearInput(categorical)),
                ("prepare", _linear_features(numeric, categorical)),
                ("model", LogisticRegression(C=1.0, max_iter=5000)),
            ]
        )
        linear.fit(X, y)
        names = linear.named_steps["prepare"].get_feature_names_out()
        sources = np.array([_source(name, numeric, categorical) for name in names])
        centre = linear[:-1].transform(X).mean(axis=0)
        return cls(numeric, categorical, gbm, linear, sources, centre)

    def log_odds(self, X: pd.DataFrame) -> np.ndarray:
        """Return the blend's log-odds of a positive outcome for each row of ``X``."""
        trees = _for_trees(X, self.numeric, self.categorical)
        gbm = np.asarray(self.gbm.predict_proba(trees))[:, 1]
        linear = self.linear.predict_proba(X)[:, 1]
        return 0.5 * _logit(gbm) + 0.5 * _logit(linear)

    def contributions(self, X: pd.DataFrame) -> pd.DataFrame:
        """Return each input column's share of each row's log-odds.

        Each input column's share of each row's log-odds (beside the average row):
        the trees' SHAP values and the linear terms, weighted as in the blend.
        """
        columns = [*self.numeric, *self.categorical]
        trees = _for_trees(X, self.numeric, self.categorical)
        by_tree = pd.DataFrame(tree_contributions(self.gbm.booster_, trees), columns=columns)
        model = self.linear.named_steps["model"]
        terms = (self.linear[:-1].transform(X) - self.centre) * model.coef_[0]
        linear = pd.DataFrame(0.0, index=range(len(X)), columns=columns)
        for column in columns:
            mask = self.sources == column
            if mask.any():
                linear[column] = terms[:, mask].sum(axis=1)
        return 0.5 * by_tree[columns].reset_index(drop=True) + 0.5 * linear


def _for_trees(X: pd.DataFrame, numeric: list[str], categorical: list[str]) -> pd.DataFrame:
    """Return the feature columns in a fixed order under plain names.

    Return the feature columns in a fixed order under plain names: LightGBM refuses some
    characters in names (quotes, colons, brackets) and rewrites others (spaces).
    """
    columns = [*numeric, *categorical]
    return X[columns].set_axis([f"f{i}" for i in range(len(columns))], axis=1)


def _linear_features(numeric: list[str], categorical: list[str]) -> ColumnTransformer:
    parts = []
    if numeric:
        impute = SimpleImputer(strategy="median", add_indicator=True)
        parts.append(("num", Pipeline([("impute", impute), ("scale", StandardScaler())]), numeric))
    if categorical:
        onehot = OneHotEncoder(
            handle_unknown="infrequent_if_exist", min_frequency=10, sparse_output=False
        )
        parts.append(("cat", onehot, categorical))
    return ColumnTransformer(parts, remainder="drop")


class _LinearInput(TransformerMixin, BaseEstimator):  # type: ignore[misc]  # untyped sklearn
    """Categories as text, a missing one as its own value "(missing)"."""

    def __init__(self, categorical: list[str] | None = None) -> None:
        self.categorical = categorical

    def fit(self, X: pd.DataFrame, y: object = None) -> _LinearInput:
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        out = X.copy()
        for column in self.categorical or []:
            out[column] = out[column].astype(object).where(out[column].notna(), "(missing)")
        return out


def _source(name: str, numeric: list[str], categorical: list[str]) -> str:
    """Map a transformed column name back to the input column.

    ``num__tenure``, ``num__missingindicator_TotalCharges``, ``cat__Contract_Month``
    back to the input column.
    """
    kind, _, rest = name.partition("__")
    if kind == "num":
        rest = rest.removeprefix("missingindicator_")
        return rest if rest in numeric else next(c for c in numeric if rest.startswith(c))
    return max((c for c in categorical if rest.startswith(c + "_")), key=len)


def out_of_fold_log_odds(
    X: pd.DataFrame,
    y: np.ndarray,
    numeric: list[str],
    categorical: list[str],
    folds: int,
    seed: int,
) -> np.ndarray:
    """Each row's blend log-odds from the fold that did not train on it."""
    out_of_fold = np.empty(len(y))
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(X, y):
        part = Blend.fit(X.iloc[train], y[train], numeric, categorical, seed)
        out_of_fold[test] = part.log_odds(X.iloc[test])
    return out_of_fold


@dataclass
class OutcomeModel:
    """A blend fitted on every labelled row, with Platt scaling.

    A blend fitted on every labelled row, with Platt scaling learned from
    out-of-fold blend scores.
    """

    blend: Blend
    slope: float
    intercept: float

    @classmethod
    def fit(
        cls,
        X: pd.DataFrame,
        y: np.ndarray,
        numeric: list[str],
        categorical: list[str],
        seed: int = 0,
        out_of_fold: np.ndarray | None = None,
    ) -> tuple[OutcomeModel, np.ndarray]:
        """Fit the calibrated model; return it and its out-of-fold probabilities.

        Return the model and its calibrated out-of-fold probabilities (for the report).
        ``out_of_fold``: blend log-odds already computed on the same folds (``CALIBRATION_FOLDS``
        stratified, shuffled with ``seed``), not fitted again.
        """
        if out_of_fold is None:
            out_of_fold = out_of_fold_log_odds(X, y, numeric, categorical, CALIBRATION_FOLDS, seed)
        platt = LogisticRegression(C=1e6, max_iter=1000).fit(out_of_fold.reshape(-1, 1), y)
        slope, intercept = float(platt.coef_[0, 0]), float(platt.intercept_[0])
        model = cls(Blend.fit(X, y, numeric, categorical, seed), slope, intercept)
        return model, _sigmoid(slope * out_of_fold + intercept)

    def probability(self, X: pd.DataFrame) -> np.ndarray:
        """Return the calibrated probability of a positive outcome for each row of ``X``."""
        return _sigmoid(self.slope * self.blend.log_odds(X) + self.intercept)
