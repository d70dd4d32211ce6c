"""Who will respond to a campaign, and whom the campaign will move: the estimators.

- :class:`ResponseModel`: ``P(response | x)`` learned from the contacted members of
  past campaigns (the treated rows only): who responds when contacted. It ranks the
  sure things as high as the persuadables.
- :class:`TwoModelUplift` (the "two-model" approach or T-learner): one calibrated
  classifier on the treated rows, one on the control rows; the uplift is
  ``P(y=1 | treated, x) - P(y=1 | control, x)``.
- :class:`ClassTransformationUplift`: one model of a transformed target
  (Jaskowski and Jaroszewicz 2012): ``z = y w + (1 - y)(1 - w)`` (a treated responder
  or a control non-responder). With a treatment share ``p = 1/2``,
  ``uplift = 2 P(z=1 | x) - 1``; for any other ``p`` the rows are weighted
  ``1 / (2p)`` (treated) and ``1 / (2(1 - p))`` (control), which makes the weighted
  share one half, and the same formula holds on the weighted rows (``P(z=1 | x)`` is
  not Platt-scaled: see the class's notes). With
  ``target="outcome"`` it regresses the transformed outcome of Athey and Imbens
  (2016) instead, ``y* = y (w - p) / (p (1 - p))``, whose expectation given ``x`` is
  the uplift.

Each follows scikit-learn's contract (:class:`kehu.insight.base.Estimator`):
hyperparameters in ``__init__``, ``fit(X, y, treatment)`` returns ``self``,
``predict(X)`` gives one number per row, and calling it before ``fit`` raises
:class:`~kehu.insight.errors.NotFittedError`.

Jaskowski, M. and Jaroszewicz, S. (2012). Uplift modeling for clinical trial data.
*ICML 2012 Workshop on Clinical Data Analysis*. Athey, S. and Imbens, G. W. (2016).
Recursive partitioning for heterogeneous causal effects. *PNAS* 113(27), 7353-7360.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Self

import numpy as np
import pandas as pd

from kehu.insight.base import Estimator, check_is_fitted
from kehu.insight.errors import InputError, coded
from kehu.insight.uplift.data import FeatureSpec, as_features, binary_column, check_lengths
from kehu.insight.uplift.learners import (
    GBM_UPLIFT_PARAMS,
    CalibratedClassifier,
    Learner,
    OutcomeRegressor,
    check_learner,
)

__all__ = ["ClassTransformationUplift", "ResponseModel", "TwoModelUplift"]

TARGETS = ("class", "outcome")


@dataclass(frozen=True)
class Campaign:
    """Checked training data: prepared features, outcomes and treatment flags."""

    X: pd.DataFrame
    y: np.ndarray
    treatment: np.ndarray
    spec: FeatureSpec


def read_campaign(X: Any, y: Any, treatment: Any, *, need_control: bool = True) -> Campaign:
    """Check the training data of a campaign model and prepare its features.

    Parameters
    ----------
    X : pandas.DataFrame or array_like
        Features, one row per campaign member.
    y : array_like
        Outcome per member (0/1).
    treatment : array_like
        1 for a contacted member, 0 for the control group.
    need_control : bool
        Whether control rows are required (uplift) or not (response).

    Returns
    -------
    Campaign
        The checked data.

    Raises
    ------
    InputError
        For mismatched lengths, values other than 0/1, no treated rows, no control
        rows (when needed) or one outcome class only.
    """
    features = as_features(X)
    outcome = np.asarray(y).ravel() if not isinstance(y, pd.Series) else y.to_numpy()
    flags = np.asarray(treatment).ravel() if not isinstance(treatment, pd.Series) else treatment
    check_lengths(features=features, treatment=flags, outcome=outcome)
    y_ = binary_column(outcome, "outcome").astype(np.int64)
    t_ = binary_column(flags, "treatment").astype(np.int64)
    if not t_.any():
        raise coded(
            InputError(
                f"no treated rows: all {len(t_)} rows have treatment 0; the models learn "
                "from customers who got the campaign (treatment 1)"
            ),
            "no_treated_rows",
            n_rows=len(t_),
        )
    if need_control and t_.all():
        raise coded(
            InputError(
                f"no control rows: all {len(t_)} rows have treatment 1; uplift needs "
                "customers held out of the campaign (treatment 0), a control group"
            ),
            "no_control_rows",
            n_rows=len(t_),
        )
    _check_both_outcomes(y_)
    spec = FeatureSpec.learn(features)
    return Campaign(spec.prepared(features), y_, t_, spec)


def _check_both_outcomes(y: np.ndarray) -> None:
    if y.min() == y.max():
        raise coded(
            InputError(
                f"the outcome has one class only: all {len(y)} rows are {int(y[0])}; a "
                "model needs customers who responded (1) and who did not (0)"
            ),
            "one_outcome_class",
            n_rows=len(y),
            value=int(y[0]),
        )


class _CampaignModel(Estimator):
    """Hyperparameters and feature handling shared by the campaign models."""

    learner: Learner
    random_state: int
    n_jobs: int | None
    features_: FeatureSpec  # set by fit
    #: the fitted attribute set last: present only after a fit that went through
    _fitted_last = "model_"

    def _check_is_fitted(self, method: str) -> None:
        check_is_fitted(self, method, attribute=self._fitted_last)

    def _check_params(self) -> None:
        """Forget an earlier fit (a fit that fails leaves no half-fitted model), check."""
        for name in [k for k in vars(self) if k.endswith("_") and not k.startswith("__")]:
            delattr(self, name)
        check_learner(self.learner)
        folds = getattr(self, "calibration_folds", 2)
        if not (isinstance(folds, int) and folds >= 2):
            raise coded(
                InputError(f"calibration_folds must be an integer of at least 2, got {folds!r}"),
                "bad_calibration_folds",
                calibration_folds=folds,
            )

    def _classifier(
        self,
        X: pd.DataFrame,
        y: np.ndarray,
        *,
        what: str,
        weight: np.ndarray | None = None,
        calibrated: bool = True,
        gbm_params: dict[str, Any] | None = None,
    ) -> CalibratedClassifier:
        return CalibratedClassifier.fit(
            X,
            y,
            self.features_,
            learner=self.learner,
            folds=getattr(self, "calibration_folds", 3) if calibrated else 0,
            seed=self.random_state,
            n_jobs=self.n_jobs,
            weight=weight,
            what=what,
            gbm_params=gbm_params,
        )

    def _features(self, X: Any, method: str) -> pd.DataFrame:
        self._check_is_fitted(method)
        features: FeatureSpec = self.features_
        return features.prepared(as_features(X))


class ResponseModel(_CampaignModel):
    """The probability that a contacted customer responds, calibrated.

    Fitted on the members of past campaigns who were contacted (with ``treatment``
    given, the control rows are left out: they were never asked).

    Parameters
    ----------
    learner : {"lightgbm", "logistic"}
        The base learner (:mod:`kehu.insight.uplift.learners`).
    calibration_folds : int
        Folds of the out-of-fold scores that Platt scaling learns from.
    random_state : int
        Seed of the folds and of LightGBM.
    n_jobs : int or None
        LightGBM threads (``None``: LightGBM's default, every core).

    Attributes
    ----------
    features_ : FeatureSpec
        The feature columns, numeric and categorical.
    model_ : CalibratedClassifier
        The fitted classifier.
    n_rows_ : int
        Rows it was fitted on (the treated ones).
    response_rate_ : float
        Their response rate.

    Examples
    --------
    >>> from kehu.insight.uplift.simulate import FEATURES, simulate_campaign
    >>> past = simulate_campaign(3000, seed=1)
    >>> model = ResponseModel(learner="logistic").fit(
    ...     past[list(FEATURES)], past["response"], treatment=past["treatment"])
    >>> model.n_rows_, round(model.response_rate_, 3)
    (1463, 0.108)
    >>> p = model.predict(past[list(FEATURES)])
    >>> bool(0 < p.min() and p.max() < 1)
    True
    """

    def __init__(
        self,
        *,
        learner: Learner = "lightgbm",
        calibration_folds: int = 3,
        random_state: int = 0,
        n_jobs: int | None = None,
    ) -> None:
        self.learner = learner
        self.calibration_folds = calibration_folds
        self.random_state = random_state
        self.n_jobs = n_jobs

    def fit(self, X: Any, y: Any, treatment: Any = None) -> Self:
        """Learn ``P(response | x)`` from the contacted customers.

        Parameters
        ----------
        X : pandas.DataFrame or array_like
            Features of each campaign member.
        y : array_like
            1 for a member who responded, 0 otherwise.
        treatment : array_like, optional
            1 for a contacted member, 0 for control; only the contacted rows are
            used. ``None``: every row was contacted.

        Returns
        -------
        ResponseModel
            ``self``, fitted.
        """
        self._check_params()
        flags = np.ones(len(as_features(X)), dtype=np.int64) if treatment is None else treatment
        data = read_campaign(X, y, flags, need_control=False)
        treated = data.treatment == 1
        X_t, y_t = data.X[treated], data.y[treated]
        _check_both_outcomes(y_t)
        self.features_ = data.spec
        self.n_rows_ = int(treated.sum())
        self.response_rate_ = float(y_t.mean())
        self.model_ = self._classifier(X_t, y_t, what="the treated rows")
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Return the calibrated probability of a response for each row of ``X``.

        Parameters
        ----------
        X : pandas.DataFrame or array_like
            Features with the columns the model was fitted on.

        Returns
        -------
        numpy.ndarray
            One probability per row.
        """
        features = self._features(X, "predict")
        result: np.ndarray = self.model_.probability(features)
        return result

    def predict_proba(self, X: Any) -> np.ndarray:
        """Return ``[P(no response), P(response)]`` for each row (scikit-learn's form).

        Parameters
        ----------
        X : pandas.DataFrame or array_like
            Features.

        Returns
        -------
        numpy.ndarray
            Shape ``(n_rows, 2)``.
        """
        p = self.predict(X)
        return np.column_stack([1 - p, p])


class _UpliftModel(_CampaignModel):
    """Shared fit bookkeeping of the uplift models."""

    def _read(self, X: Any, y: Any, treatment: Any) -> Campaign:
        self._check_params()
        data = read_campaign(X, y, treatment)
        self.features_ = data.spec
        self.n_treated_ = int(data.treatment.sum())
        self.n_control_ = int(len(data.treatment) - self.n_treated_)
        self.treatment_share_ = self.n_treated_ / len(data.treatment)
        return data


class TwoModelUplift(_UpliftModel):
    """Uplift as the difference of two calibrated response models (T-learner).

    Parameters
    ----------
    learner : {"lightgbm", "logistic"}
        The base learner of both models; LightGBM regularised more than for a response
        model (:data:`~kehu.insight.uplift.learners.GBM_UPLIFT_PARAMS`), since the
        uplift is a small difference of two noisy estimates.
    calibration_folds : int
        Folds of the out-of-fold scores that Platt scaling learns from.
    random_state : int
        Seed of the folds and of LightGBM.
    n_jobs : int or None
        LightGBM threads.

    Attributes
    ----------
    features_ : FeatureSpec
        The feature columns.
    treated_model_, control_model_ : CalibratedClassifier
        ``P(y=1 | x)`` on the treated rows and on the control rows.
    n_treated_, n_control_ : int
        Rows in each group.
    treatment_share_ : float
        Share of treated rows.

    Examples
    --------
    >>> from kehu.insight.uplift.simulate import FEATURES, simulate_campaign
    >>> past = simulate_campaign(4000, seed=1)
    >>> model = TwoModelUplift(learner="logistic").fit(
    ...     past[list(FEATURES)], past["response"], past["treatment"])
    >>> outcomes = model.predict_outcomes(past[list(FEATURES)].head(2))
    >>> outcomes.columns.tolist()
    ['p_treated', 'p_control', 'uplift']
    >>> bool(np.allclose(outcomes["uplift"], outcomes["p_treated"] - outcomes["p_control"]))
    True
    """

    _fitted_last = "control_model_"

    def __init__(
        self,
        *,
        learner: Learner = "lightgbm",
        calibration_folds: int = 3,
        random_state: int = 0,
        n_jobs: int | None = None,
    ) -> None:
        self.learner = learner
        self.calibration_folds = calibration_folds
        self.random_state = random_state
        self.n_jobs = n_jobs

    def fit(self, X: Any, y: Any, treatment: Any) -> Self:
        """Fit one response model on the treated rows and one on the control rows.

        Parameters
        ----------
        X : pandas.DataFrame or array_like
            Features of each campaign member.
        y : array_like
            1 for a member who responded, 0 otherwise.
        treatment : array_like
            1 for a contacted member, 0 for the control group.

        Returns
        -------
        TwoModelUplift
            ``self``, fitted.
        """
        data = self._read(X, y, treatment)
        treated = data.treatment == 1
        self.treated_model_ = self._classifier(
            data.X[treated], data.y[treated], what="the treated rows", gbm_params=GBM_UPLIFT_PARAMS
        )
        self.control_model_ = self._classifier(
            data.X[~treated],
            data.y[~treated],
            what="the control rows",
            gbm_params=GBM_UPLIFT_PARAMS,
        )
        return self

    def predict_outcomes(self, X: Any) -> pd.DataFrame:
        """Return each row's response probability if treated, if not, and the uplift.

        Parameters
        ----------
        X : pandas.DataFrame or array_like
            Features with the columns the model was fitted on.

        Returns
        -------
        pandas.DataFrame
            ``p_treated``, ``p_control`` and ``uplift`` (their difference), one row per
            row of ``X``.
        """
        features = self._features(X, "predict_outcomes")
        p_treated = self.treated_model_.probability(features)
        p_control = self.control_model_.probability(features)
        return pd.DataFrame(
            {"p_treated": p_treated, "p_control": p_control, "uplift": p_treated - p_control}
        )

    def predict(self, X: Any) -> np.ndarray:
        """Return the predicted uplift ``P(y | treated, x) - P(y | control, x)`` per row.

        Parameters
        ----------
        X : pandas.DataFrame or array_like
            Features with the columns the model was fitted on.

        Returns
        -------
        numpy.ndarray
            One uplift per row, in [-1, 1].
        """
        self._check_is_fitted("predict")
        result: np.ndarray = self.predict_outcomes(X)["uplift"].to_numpy()
        return result


class ClassTransformationUplift(_UpliftModel):
    """Uplift from one model of a transformed target (Jaskowski and Jaroszewicz 2012).

    Parameters
    ----------
    target : {"class", "outcome"}
        ``"class"``: a classifier of ``z = y w + (1 - y)(1 - w)`` on rows weighted to
        an even treatment share, uplift ``2 P(z=1 | x) - 1``. ``"outcome"``: a
        regression of Athey and Imbens' transformed outcome ``y (w - p) / (p (1 - p))``,
        its prediction clipped to [-1, 1].
    learner : {"lightgbm", "logistic"}
        The base learner (for ``"outcome"``: LightGBM regression or, for
        ``"logistic"``, ridge regression). LightGBM is regularised more than for a
        response (:data:`~kehu.insight.uplift.learners.GBM_UPLIFT_PARAMS`): the
        transformed target's signal is half the uplift, under heavy label noise.
    random_state : int
        Seed of the folds and of LightGBM.
    n_jobs : int or None
        LightGBM threads.

    Attributes
    ----------
    features_ : FeatureSpec
        The feature columns.
    model_ : CalibratedClassifier or OutcomeRegressor
        The model of the transformed target.
    n_treated_, n_control_ : int
        Rows in each group.
    treatment_share_ : float
        ``p``, the share of treated rows.

    Notes
    -----
    ``P(z=1 | x)`` is not calibrated (no Platt scaling as in the response models): it
    is not a response probability, and on its weak out-of-fold signal a fitted Platt
    slope can come out near zero or negative, flattening or reversing the order. On
    the simulated campaigns of ``benchmarks/uplift.py`` the calibrated version put
    fewer persuadables in its top 10% than random targeting does at a 90/10 split.

    Examples
    --------
    >>> from kehu.insight.uplift.simulate import FEATURES, simulate_campaign
    >>> past = simulate_campaign(4000, treatment_share=0.9, seed=1)
    >>> model = ClassTransformationUplift(learner="logistic").fit(
    ...     past[list(FEATURES)], past["response"], past["treatment"])
    >>> round(model.treatment_share_, 2)
    0.9
    >>> uplift = model.predict(past[list(FEATURES)])
    >>> bool(-1 <= uplift.min() and uplift.max() <= 1)
    True
    """

    def __init__(
        self,
        *,
        target: Literal["class", "outcome"] = "class",
        learner: Learner = "lightgbm",
        random_state: int = 0,
        n_jobs: int | None = None,
    ) -> None:
        self.target = target
        self.learner = learner
        self.random_state = random_state
        self.n_jobs = n_jobs

    def fit(self, X: Any, y: Any, treatment: Any) -> Self:
        """Fit the model of the transformed target.

        Parameters
        ----------
        X : pandas.DataFrame or array_like
            Features of each campaign member.
        y : array_like
            1 for a member who responded, 0 otherwise.
        treatment : array_like
            1 for a contacted member, 0 for the control group.

        Returns
        -------
        ClassTransformationUplift
            ``self``, fitted.
        """
        if self.target not in TARGETS:
            raise coded(
                InputError(f"target must be one of {list(TARGETS)}, got {self.target!r}"),
                "bad_target",
                target=self.target,
            )
        data = self._read(X, y, treatment)
        p, w, y_ = self.treatment_share_, data.treatment, data.y
        if self.target == "outcome":
            transformed = y_ * (w - p) / (p * (1 - p))
            self.model_: CalibratedClassifier | OutcomeRegressor = OutcomeRegressor.fit(
                data.X,
                transformed,
                self.features_,
                learner=self.learner,
                seed=self.random_state,
                n_jobs=self.n_jobs,
            )
            return self
        z = y_ * w + (1 - y_) * (1 - w)
        weight = np.where(w == 1, 0.5 / p, 0.5 / (1 - p))
        self.model_ = self._classifier(
            data.X,
            z,
            weight=weight,
            calibrated=False,
            gbm_params=GBM_UPLIFT_PARAMS,
            what="the transformed target (treated responders and "
            "control non-responders against the rest)",
        )
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Return the predicted uplift per row.

        Parameters
        ----------
        X : pandas.DataFrame or array_like
            Features with the columns the model was fitted on.

        Returns
        -------
        numpy.ndarray
            One uplift per row, in [-1, 1].
        """
        features = self._features(X, "predict")
        if isinstance(self.model_, OutcomeRegressor):
            clipped: np.ndarray = np.clip(self.model_.predict(features), -1.0, 1.0)
            return clipped
        result: np.ndarray = 2.0 * self.model_.probability(features) - 1.0
        return result
