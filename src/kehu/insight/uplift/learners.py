"""The base learners of the campaign models: calibrated classifiers and a regressor.

As kehu's churn model (:mod:`kehu.insight.churn.model`): LightGBM (regularised: slow
learning, shallow trees, row and column sampling) or a scaled logistic regression,
with Platt scaling learned on out-of-fold scores (Platt 1999) so that a predicted
probability means what it says; the uplift of a two-model learner is a difference of
two such probabilities. Numbers are median-imputed with a missing-value indicator and
standardised; categories are one-hot encoded (rare levels pooled, unseen levels
ignored).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from kehu.insight.errors import InputError, coded
from kehu.insight.logistic import logit as _logit
from kehu.insight.logistic import sigmoid as _sigmoid
from kehu.insight.uplift.data import FeatureSpec

__all__ = [
    "GBM_PARAMS",
    "GBM_UPLIFT_PARAMS",
    "LEARNERS",
    "CalibratedClassifier",
    "Learner",
    "OutcomeRegressor",
    "check_learner",
]

Learner = Literal["lightgbm", "logistic"]
LEARNERS: tuple[Learner, ...] = ("lightgbm", "logistic")

#: Regularised for noisy campaign responses (a few percent respond; the effect is a
#: fraction of that): slow learning, shallow trees, large leaves, sampling.
GBM_PARAMS: dict[str, Any] = {
    "n_estimators": 300,
    "learning_rate": 0.03,
    "num_leaves": 15,
    "min_child_samples": 50,
    "subsample": 0.8,
    "subsample_freq": 1,
    "colsample_bytree": 0.8,
    "reg_lambda": 5.0,
    "verbose": -1,
}
#: For the uplift models: their signal is a small difference (of two response models,
#: or half the uplift in a transformed target under label noise of about one half), so
#: trees need larger leaves, fewer of them and slower learning. On simulated campaigns
#: (``benchmarks/uplift.py``) this raised the two-model Qini on every training draw
#: tried and the share of persuadables in its top 10% from about 0.75 to 0.87.
GBM_UPLIFT_PARAMS: dict[str, Any] = {
    **GBM_PARAMS,
    "num_leaves": 7,
    "min_child_samples": 200,
    "learning_rate": 0.02,
}


def check_learner(learner: str) -> None:
    """Raise :class:`~kehu.insight.errors.InputError` unless ``learner`` is known.

    Parameters
    ----------
    learner : str
        ``"lightgbm"`` or ``"logistic"``.

    Raises
    ------
    InputError
        Naming the value and the allowed ones.
    """
    if learner not in LEARNERS:
        raise coded(
            InputError(f"learner must be one of {list(LEARNERS)}, got {learner!r}"),
            "bad_learner",
            learner=learner,
        )


def _prepare(spec: FeatureSpec, *, scale: bool) -> ColumnTransformer:
    parts: list[tuple[str, Any, list[str]]] = []
    if spec.numeric:
        steps: list[tuple[str, Any]] = [
            ("impute", SimpleImputer(strategy="median", add_indicator=True))
        ]
        if scale:
            steps.append(("scale", StandardScaler()))
        parts.append(("num", Pipeline(steps), spec.numeric))
    if spec.categorical:
        onehot = OneHotEncoder(
            handle_unknown="infrequent_if_exist", min_frequency=10, sparse_output=False
        )
        parts.append(("cat", onehot, spec.categorical))
    return ColumnTransformer(parts, remainder="drop")


def _classifier(
    learner: Learner,
    spec: FeatureSpec,
    seed: int,
    n_jobs: int | None,
    gbm_params: dict[str, Any] | None = None,
) -> Pipeline:
    model: Any
    if learner == "lightgbm":
        params = GBM_PARAMS if gbm_params is None else gbm_params
        model = lgb.LGBMClassifier(**params, random_state=seed, n_jobs=n_jobs)
    else:
        model = LogisticRegression(C=1.0, max_iter=5000)
    return Pipeline([("prepare", _prepare(spec, scale=learner == "logistic")), ("model", model)])


def _fit(model: Pipeline, X: pd.DataFrame, y: np.ndarray, weight: np.ndarray | None) -> Pipeline:
    if weight is None:
        return model.fit(X, y)
    return model.fit(X, y, model__sample_weight=weight)


@dataclass
class CalibratedClassifier:
    """A classifier fitted on every row, with Platt scaling from out-of-fold scores.

    Without calibration (``folds=0``), ``slope`` is 1 and ``intercept`` 0: the
    classifier's own probability.

    Attributes
    ----------
    model : sklearn.pipeline.Pipeline
        The learner fitted on every row.
    slope, intercept : float
        Platt scaling: ``P(y=1) = sigmoid(slope * logit(score) + intercept)``.
    """

    model: Pipeline
    slope: float
    intercept: float

    @classmethod
    def fit(
        cls,
        X: pd.DataFrame,
        y: np.ndarray,
        spec: FeatureSpec,
        *,
        learner: Learner = "lightgbm",
        folds: int = 3,
        seed: int = 0,
        n_jobs: int | None = None,
        weight: np.ndarray | None = None,
        what: str = "the training rows",
        gbm_params: dict[str, Any] | None = None,
    ) -> CalibratedClassifier:
        """Fit the learner and its calibration on ``X``, ``y`` (optionally weighted).

        Parameters
        ----------
        X : pandas.DataFrame
            Prepared features (:meth:`FeatureSpec.prepared`).
        y : numpy.ndarray
            0/1 labels.
        spec : FeatureSpec
            The columns by kind.
        learner : {"lightgbm", "logistic"}
            The base learner.
        folds : int
            Out-of-fold folds for the calibration (stratified, shuffled by ``seed``);
            0 fits no calibration.
        seed : int
            Random seed of the folds and of LightGBM.
        n_jobs : int or None
            LightGBM threads (``None``: its default).
        weight : numpy.ndarray or None
            Row weights for the learner and the calibration.
        what : str
            The rows' name in an error message (``"the control group"``).
        gbm_params : dict or None
            LightGBM's parameters (default :data:`GBM_PARAMS`).

        Returns
        -------
        CalibratedClassifier
            Fitted.

        Raises
        ------
        InputError
            When a class has fewer rows than ``folds``.
        """
        counts = np.bincount(y, minlength=2)
        needed = max(folds, 1)
        if counts.min() < needed:
            raise coded(
                InputError(
                    f"{what} need at least {needed} rows of each outcome to fit a model, "
                    f"got {counts[0]} with outcome 0 and {counts[1]} with outcome 1"
                ),
                "too_few_outcomes",
                rows=what,
                n_negative=int(counts[0]),
                n_positive=int(counts[1]),
            )
        model = _fit(_classifier(learner, spec, seed, n_jobs, gbm_params), X, y, weight)
        if folds == 0:
            return cls(model, 1.0, 0.0)
        out_of_fold = np.empty(len(y))
        split = StratifiedKFold(folds, shuffle=True, random_state=seed).split(X, y)
        for train, test in split:
            part = _fit(
                _classifier(learner, spec, seed, n_jobs, gbm_params),
                X.iloc[train],
                y[train],
                None if weight is None else weight[train],
            )
            out_of_fold[test] = part.predict_proba(X.iloc[test])[:, 1]
        platt = LogisticRegression(C=1e6, max_iter=1000)
        platt.fit(_logit(out_of_fold).reshape(-1, 1), y, sample_weight=weight)
        return cls(model, float(platt.coef_[0, 0]), float(platt.intercept_[0]))

    def probability(self, X: pd.DataFrame) -> np.ndarray:
        """Return the calibrated probability of outcome 1 for each row of ``X``.

        Parameters
        ----------
        X : pandas.DataFrame
            Prepared features.

        Returns
        -------
        numpy.ndarray
            Probabilities in (0, 1).
        """
        score = self.model.predict_proba(X)[:, 1]
        return _sigmoid(self.slope * _logit(score) + self.intercept)


@dataclass
class OutcomeRegressor:
    """A regressor of a continuous target (the transformed outcome).

    Attributes
    ----------
    model : sklearn.pipeline.Pipeline
        LightGBM regression, or ridge regression on the scaled features.
    """

    model: Pipeline

    @classmethod
    def fit(
        cls,
        X: pd.DataFrame,
        target: np.ndarray,
        spec: FeatureSpec,
        *,
        learner: Learner = "lightgbm",
        seed: int = 0,
        n_jobs: int | None = None,
    ) -> OutcomeRegressor:
        """Fit the regressor on ``X``, ``target``.

        Parameters
        ----------
        X : pandas.DataFrame
            Prepared features.
        target : numpy.ndarray
            The values to regress.
        spec : FeatureSpec
            The columns by kind.
        learner : {"lightgbm", "logistic"}
            LightGBM regression (:data:`GBM_UPLIFT_PARAMS`), or (for
            ``"logistic"``, the linear choice) ridge.
        seed : int
            Random seed of LightGBM.
        n_jobs : int or None
            LightGBM threads.

        Returns
        -------
        OutcomeRegressor
            Fitted.
        """
        model: Any
        if learner == "lightgbm":
            params = GBM_UPLIFT_PARAMS
            model = lgb.LGBMRegressor(**params, random_state=seed, n_jobs=n_jobs)
        else:
            model = Ridge(alpha=1.0)
        pipeline = Pipeline(
            [("prepare", _prepare(spec, scale=learner == "logistic")), ("model", model)]
        )
        return cls(pipeline.fit(X, target))

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Return the predicted target for each row of ``X``.

        Parameters
        ----------
        X : pandas.DataFrame
            Prepared features.

        Returns
        -------
        numpy.ndarray
            One value per row.
        """
        result: np.ndarray = np.asarray(self.model.predict(X), dtype=float)
        return result
