"""Choosing the uplift model by cross-validated Qini."""

from __future__ import annotations

import json

import numpy as np
import pytest

from kehu.insight.errors import InputError
from kehu.insight.uplift import (
    ClassTransformationUplift,
    TwoModelUplift,
    qini_coefficient,
    select_uplift_model,
)
from kehu.insight.uplift.simulate import simulate_campaign

from .conftest import COLUMNS


def test_the_selection_reports_both_approaches_and_fits_the_better(small_campaign):
    c = small_campaign
    selection = select_uplift_model(
        c[COLUMNS], c["response"], c["treatment"], folds=3, learner="logistic"
    )
    assert set(selection.qini) == {"two_model", "class_transformation", "response"}
    assert all(len(v) == 3 for v in selection.fold_qini.values())
    for name, values in selection.fold_qini.items():
        assert selection.qini[name] == pytest.approx(np.mean(values))
    best = max(("two_model", "class_transformation"), key=selection.qini.__getitem__)
    assert selection.chosen == best
    kind = TwoModelUplift if best == "two_model" else ClassTransformationUplift
    assert isinstance(selection.model, kind) and selection.model.learner == "logistic"
    # the chosen model is refitted on every row
    refit = kind(learner="logistic").fit(c[COLUMNS], c["response"], c["treatment"])
    np.testing.assert_allclose(
        selection.model.predict(c[COLUMNS]), refit.predict(c[COLUMNS]), rtol=1e-9
    )
    assert json.loads(json.dumps(selection.as_dict()))["chosen"] == best


def test_the_selection_is_reproducible(small_campaign):
    c = small_campaign
    first = select_uplift_model(
        c[COLUMNS], c["response"], c["treatment"], folds=2, learner="logistic"
    )
    again = select_uplift_model(
        c[COLUMNS], c["response"], c["treatment"], folds=2, learner="logistic"
    )
    assert first.as_dict() == again.as_dict()


def test_on_a_campaign_with_persuadables_the_chosen_model_beats_the_response_model(even_split):
    train, test = even_split
    selection = select_uplift_model(
        train[COLUMNS], train["response"], train["treatment"], folds=2, n_jobs=1
    )
    assert (
        max(selection.qini["two_model"], selection.qini["class_transformation"])
        > (selection.qini["response"])
    )
    uplift = selection.model.predict(test[COLUMNS])
    assert qini_coefficient(test["response"], uplift, test["treatment"]) > 0.08


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"folds": 1}, "folds must be an integer of at least 2, got 1"),
        (
            {"folds": 50},
            "cross-validating with 50 folds needs at least 150 treated responders, got 91",
        ),
        ({"learner": "svm"}, "learner must be one of ['lightgbm', 'logistic'], got 'svm'"),
    ],
)
def test_bad_input_gets_a_message(kwargs, message, small_campaign):
    c = small_campaign
    with pytest.raises(InputError) as caught:
        select_uplift_model(c[COLUMNS], c["response"], c["treatment"], **kwargs)
    assert message in str(caught.value)


def test_a_campaign_without_control_group_is_refused():
    c = simulate_campaign(500, seed=9)
    with pytest.raises(InputError, match="no control rows: all 500 rows have treatment 1"):
        select_uplift_model(c[COLUMNS], c["response"], np.ones(500))
