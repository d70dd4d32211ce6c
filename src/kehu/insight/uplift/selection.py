"""Choose the uplift model for the data at hand by its cross-validated Qini coefficient.

:func:`select_uplift_model` scores both uplift approaches, the two-model learner and the
class transformation, on the same folds (stratified on treatment and outcome together,
so that each fold keeps the campaign's treatment share and response rates), plus the
response model as the reference a marketer would otherwise use, and refits the better
uplift model on every row. Both uplift scores are reported, not only the winner's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import StratifiedKFold

from kehu.insight.errors import InputError, coded
from kehu.insight.uplift.data import as_features
from kehu.insight.uplift.evaluate import qini_coefficient
from kehu.insight.uplift.learners import Learner
from kehu.insight.uplift.models import (
    ClassTransformationUplift,
    ResponseModel,
    TwoModelUplift,
    read_campaign,
)

__all__ = ["CANDIDATES", "UpliftSelection", "select_uplift_model"]

#: The uplift approaches compared, by the name the report gives them.
CANDIDATES = ("two_model", "class_transformation")


@dataclass
class UpliftSelection:
    """The chosen uplift model and the cross-validated Qini of every candidate.

    Attributes
    ----------
    chosen : str
        ``"two_model"`` or ``"class_transformation"``: the higher mean Qini.
    model : TwoModelUplift or ClassTransformationUplift
        The chosen approach refitted on every row.
    qini : dict
        Mean out-of-fold Qini coefficient by name: both uplift approaches and
        ``"response"`` (ranking by the response model, for reference).
    fold_qini : dict
        The Qini coefficient of each fold, by name.
    folds : int
        Number of folds.
    """

    chosen: str
    model: TwoModelUplift | ClassTransformationUplift
    qini: dict[str, float]
    fold_qini: dict[str, list[float]] = field(default_factory=dict)
    folds: int = 5

    def as_dict(self) -> dict[str, Any]:
        """Return the report as plain Python values (ready for JSON).

        Returns
        -------
        dict
            ``chosen``, ``qini``, ``fold_qini`` and ``folds``.
        """
        return {
            "chosen": self.chosen,
            "qini": dict(self.qini),
            "fold_qini": {k: list(v) for k, v in self.fold_qini.items()},
            "folds": self.folds,
        }


def _candidates(
    learner: Learner, random_state: int, n_jobs: int | None
) -> dict[str, TwoModelUplift | ClassTransformationUplift | ResponseModel]:
    options: dict[str, Any] = {"learner": learner, "random_state": random_state, "n_jobs": n_jobs}
    return {
        "two_model": TwoModelUplift(**options),
        "class_transformation": ClassTransformationUplift(**options),
        "response": ResponseModel(**options),
    }


#: Rows of each outcome each training fold needs (the calibration folds of a model).
_PER_FOLD = 3


def _check_cells(y: np.ndarray, treatment: np.ndarray, folds: int) -> None:
    needed = folds * _PER_FOLD
    for group, name in ((1, "treated"), (0, "control")):
        for outcome, who in ((1, "responders"), (0, "non-responders")):
            n = int(((treatment == group) & (y == outcome)).sum())
            if n < needed:
                raise coded(
                    InputError(
                        f"cross-validating with {folds} folds needs at least {needed} "
                        f"{name} {who}, got {n}; use fewer folds or more campaigns"
                    ),
                    "too_few_for_folds",
                    group=name,
                    outcome=outcome,
                    n=n,
                    needed=needed,
                )


def select_uplift_model(
    X: Any,
    y: Any,
    treatment: Any,
    *,
    folds: int = 5,
    learner: Learner = "lightgbm",
    random_state: int = 0,
    n_jobs: int | None = None,
) -> UpliftSelection:
    """Compare the uplift approaches by cross-validated Qini and fit the better one.

    Parameters
    ----------
    X : pandas.DataFrame or array_like
        Features of each member of past campaigns (as of each campaign's start).
    y : array_like
        1 for a member who responded, 0 otherwise.
    treatment : array_like
        1 for a contacted member, 0 for the control group.
    folds : int
        Cross-validation folds (at least 2).
    learner : {"lightgbm", "logistic"}
        Base learner of every candidate.
    random_state : int
        Seed of the folds and the learners.
    n_jobs : int or None
        LightGBM threads.

    Returns
    -------
    UpliftSelection
        The chosen approach fitted on every row, and the Qini of each candidate.

    Raises
    ------
    InputError
        For bad input (as the models), or fewer than two folds.

    Examples
    --------
    >>> from kehu.insight.uplift.simulate import FEATURES, simulate_campaign
    >>> past = simulate_campaign(4000, seed=2)
    >>> selection = select_uplift_model(
    ...     past[list(FEATURES)], past["response"], past["treatment"],
    ...     folds=2, learner="logistic")
    >>> sorted(selection.qini)
    ['class_transformation', 'response', 'two_model']
    >>> selection.chosen in ("two_model", "class_transformation")
    True
    """
    if not (isinstance(folds, int) and folds >= 2):
        raise coded(
            InputError(f"folds must be an integer of at least 2, got {folds!r}"),
            "bad_folds",
            folds=folds,
        )
    data = read_campaign(X, y, treatment)
    features = as_features(X)
    _check_cells(data.y, data.treatment, folds)
    candidates = _candidates(learner, random_state, n_jobs)
    strata = 2 * data.treatment + data.y
    split = StratifiedKFold(folds, shuffle=True, random_state=random_state)
    scores: dict[str, list[float]] = {name: [] for name in candidates}
    for train, test in split.split(features, strata):
        for name, candidate in candidates.items():
            model = clone(candidate).fit(features.iloc[train], data.y[train], data.treatment[train])
            score = model.predict(features.iloc[test])
            scores[name].append(qini_coefficient(data.y[test], score, data.treatment[test]))
    qini = {name: float(np.mean(values)) for name, values in scores.items()}
    chosen = max(CANDIDATES, key=lambda name: qini[name])
    final = clone(candidates[chosen]).fit(features, data.y, data.treatment)
    return UpliftSelection(chosen, final, qini, scores, folds)
