"""The response and uplift estimators: scikit-learn's contract, bad input, and whether
the uplift models find the persuadables of a simulated campaign."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from kehu.insight.errors import InputError, NotFittedError
from kehu.insight.uplift import (
    ClassTransformationUplift,
    ResponseModel,
    TwoModelUplift,
    qini_coefficient,
)

from .conftest import COLUMNS

MODELS = [
    ResponseModel(learner="logistic"),
    TwoModelUplift(learner="logistic"),
    ClassTransformationUplift(learner="logistic"),
    ClassTransformationUplift(target="outcome"),
    TwoModelUplift(n_jobs=1),
]
IDS = ["response", "two_model", "class", "transformed_outcome", "two_model_lightgbm"]


def _fit(model, campaign: pd.DataFrame):
    return model.fit(campaign[COLUMNS], campaign["response"], campaign["treatment"])


@pytest.mark.parametrize("model", MODELS, ids=IDS)
def test_estimator_contract(model, small_campaign):
    model = clone(model)
    with pytest.raises(NotFittedError, match=r"not fitted yet: call fit\(\) before predict\(\)"):
        model.predict(small_campaign[COLUMNS])
    assert _fit(model, small_campaign) is model
    first = model.predict(small_campaign[COLUMNS])
    assert first.shape == (len(small_campaign),) and np.isfinite(first).all()
    # a refit, and a fit of a clone, give the same predictions
    np.testing.assert_allclose(_fit(model, small_campaign).predict(small_campaign[COLUMNS]), first)
    twin = clone(model)
    assert twin.get_params() == model.get_params()
    assert not any(k.endswith("_") for k in vars(twin))
    np.testing.assert_allclose(_fit(twin, small_campaign).predict(small_campaign[COLUMNS]), first)


def test_response_model_learns_from_the_contacted_rows_only(small_campaign):
    treated = small_campaign[small_campaign["treatment"] == 1]
    model = _fit(ResponseModel(learner="logistic"), small_campaign)
    alone = ResponseModel(learner="logistic").fit(treated[COLUMNS], treated["response"])
    assert model.n_rows_ == len(treated)
    assert model.response_rate_ == pytest.approx(treated["response"].mean())
    np.testing.assert_allclose(
        model.predict(small_campaign[COLUMNS]), alone.predict(small_campaign[COLUMNS])
    )
    proba = model.predict_proba(small_campaign[COLUMNS].head(3))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


def test_calibrated_response_probabilities_match_the_observed_rate(even_split):
    train, test = even_split
    model = _fit(ResponseModel(n_jobs=1), train)
    contacted = test[test["treatment"] == 1]
    p = model.predict(contacted[COLUMNS])
    # by decile of predicted probability, the mean prediction is near the response rate
    decile = pd.qcut(p, 10, labels=False)
    table = pd.DataFrame({"p": p, "y": contacted["response"].to_numpy(), "d": decile})
    by_decile = table.groupby("d").mean()
    assert (by_decile["p"] - by_decile["y"]).abs().max() < 0.05
    assert abs(p.mean() - contacted["response"].mean()) < 0.01


def test_two_model_uplift_is_the_difference_of_its_probabilities(small_campaign):
    model = _fit(TwoModelUplift(learner="logistic"), small_campaign)
    outcomes = model.predict_outcomes(small_campaign[COLUMNS])
    np.testing.assert_allclose(
        outcomes["uplift"], outcomes["p_treated"] - outcomes["p_control"], atol=1e-12
    )
    np.testing.assert_allclose(model.predict(small_campaign[COLUMNS]), outcomes["uplift"])
    assert (model.n_treated_, model.n_control_) == (
        int(small_campaign["treatment"].sum()),
        int((small_campaign["treatment"] == 0).sum()),
    )


def _top_share(score: np.ndarray, kinds: pd.Series, kind: str, fraction: float = 0.1) -> float:
    top = np.argsort(-score, kind="stable")[: int(len(score) * fraction)]
    return float((kinds.to_numpy()[top] == kind).mean())


def test_uplift_models_find_the_persuadables_a_response_model_misses(even_split):
    # given a 50/50 campaign where persuadables (17%) are engaged lapsed readers and
    # sure things and do-not-disturbs are frequent buyers
    train, test = even_split
    y, w = test["response"], test["treatment"]
    base_rate = float((test["kind"] == "persuadable").mean())
    # when each targeting ranks the held-out campaign
    response = _fit(ResponseModel(n_jobs=1), train).predict(test[COLUMNS])
    two_model = _fit(TwoModelUplift(n_jobs=1), train).predict(test[COLUMNS])
    transformed = _fit(ClassTransformationUplift(n_jobs=1), train).predict(test[COLUMNS])
    random = np.random.default_rng(0).random(len(test))
    qini = {
        name: qini_coefficient(y, score, w)
        for name, score in [
            ("random", random),
            ("response", response),
            ("two_model", two_model),
            ("class", transformed),
            ("truth", test["true_uplift"].to_numpy()),
        ]
    }
    # then the two-model uplift beats random and the response model clearly; the class
    # transformation beats random (on 8,000 training rows, not always the response model)
    assert abs(qini["random"]) < 0.02
    assert qini["two_model"] > qini["response"] + 0.03
    assert qini["two_model"] > 0.6 * qini["truth"]
    assert qini["class"] > qini["random"] + 0.02
    # and their top 10% is mostly persuadables, far more than the response model's
    assert _top_share(two_model, test["kind"], "persuadable") > 4 * base_rate
    assert _top_share(transformed, test["kind"], "persuadable") > 2 * base_rate
    assert _top_share(two_model, test["kind"], "persuadable") > (
        _top_share(response, test["kind"], "persuadable") + 0.2
    )
    # and the bottom 10% of the two-model uplift holds over three times the
    # do-not-disturbs of the campaign as a whole
    dnd_rate = float((test["kind"] == "do_not_disturb").mean())
    assert _top_share(-two_model, test["kind"], "do_not_disturb") > 3 * dnd_rate
    # and the predicted uplift follows the true one
    assert np.corrcoef(two_model, test["true_uplift"])[0, 1] > 0.6


def test_the_class_transformation_is_weighted_for_an_uneven_split(uneven_split):
    # given a 90/10 campaign: unweighted, z = 1 would be mostly treated responders
    train, test = uneven_split
    model = _fit(ClassTransformationUplift(n_jobs=1), train)
    assert model.treatment_share_ == pytest.approx(train["treatment"].mean())
    uplift = model.predict(test[COLUMNS])
    base_rate = float((test["kind"] == "persuadable").mean())
    assert _top_share(uplift, test["kind"], "persuadable") > 2.5 * base_rate
    assert np.corrcoef(uplift, test["true_uplift"])[0, 1] > 0.3
    assert qini_coefficient(test["response"], uplift, test["treatment"]) > 0.02


def test_features_may_be_an_array_and_text_columns_are_categories(small_campaign):
    X = small_campaign[COLUMNS].drop(columns="region").to_numpy(dtype=float)
    model = TwoModelUplift(learner="logistic").fit(
        X, small_campaign["response"], small_campaign["treatment"]
    )
    assert model.features_.numeric == [f"x{i}" for i in range(X.shape[1])]
    assert model.predict(X[:5]).shape == (5,)
    with_text = _fit(TwoModelUplift(learner="logistic"), small_campaign)
    assert with_text.features_.categorical == ["region"]
    # an unseen region, a missing one and missing numbers are scored, not refused
    now = small_campaign[COLUMNS].head(3).copy()
    now.loc[0, "region"], now.loc[1, "region"], now.loc[2, "n_orders"] = "mars", None, None
    assert np.isfinite(with_text.predict(now)).all()


def _control_responders_left(campaign: pd.DataFrame, n: int) -> pd.Series:
    """The responses with all but ``n`` control responders turned into non-responders."""
    responders = campaign.index[(campaign["treatment"] == 0) & (campaign["response"] == 1)]
    return campaign["response"].where(~campaign.index.isin(responders[n:]), 0)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda c: (c[COLUMNS], c["response"].head(10), c["treatment"]),
            "features, treatment and outcome must have one row per customer each, got "
            "2000 rows of features, 2000 of treatment and 10 of outcome",
        ),
        (
            lambda c: (c[COLUMNS], c["response"], np.ones(len(c))),
            "no control rows: all 2000 rows have treatment 1; uplift needs customers held "
            "out of the campaign (treatment 0), a control group",
        ),
        (
            lambda c: (c[COLUMNS], c["response"], np.zeros(len(c))),
            "no treated rows: all 2000 rows have treatment 0",
        ),
        (
            lambda c: (c[COLUMNS], np.zeros(len(c)), c["treatment"]),
            "the outcome has one class only: all 2000 rows are 0; a model needs customers "
            "who responded (1) and who did not (0)",
        ),
        (
            lambda c: (c[COLUMNS], c["response"], c["treatment"].replace({0: 2})),
            "treatment must be 0 or 1 in every row, got 2 in row",
        ),
        (
            lambda c: (
                c[COLUMNS].assign(seen=pd.Timestamp("2026-01-01")),
                c["response"],
                c["treatment"],
            ),
            "feature 'seen' holds dates (datetime64[",
        ),
    ],
    ids=[
        "lengths",
        "no_control",
        "no_treated",
        "one_class",
        "not_binary",
        "date",
    ],
)
@pytest.mark.parametrize(
    "model",
    [TwoModelUplift(learner="logistic"), ClassTransformationUplift(learner="logistic")],
    ids=["two_model", "class"],
)
def test_bad_input_gets_a_message(model, make, message, small_campaign):
    X, y, treatment = make(small_campaign)
    with pytest.raises(InputError) as caught:
        clone(model).fit(X, y, treatment)
    assert message in str(caught.value)


def test_the_two_models_need_responders_in_each_group(small_campaign):
    c = small_campaign
    with pytest.raises(InputError) as caught:
        TwoModelUplift(learner="logistic").fit(
            c[COLUMNS], _control_responders_left(c, 2), c["treatment"]
        )
    n_control = int((c["treatment"] == 0).sum())
    assert str(caught.value) == (
        "the control rows need at least 3 rows of each outcome to fit a model, "
        f"got {n_control - 2} with outcome 0 and 2 with outcome 1"
    )


def test_the_response_model_needs_no_control_group_but_both_outcomes(small_campaign):
    c = small_campaign
    ResponseModel(learner="logistic").fit(c[COLUMNS], c["response"], np.ones(len(c)))
    only_control_respond = c["response"].where(c["treatment"] == 0, 0)
    n_treated = int(c["treatment"].sum())
    with pytest.raises(InputError, match=f"the outcome has one class only: all {n_treated} "):
        ResponseModel(learner="logistic").fit(c[COLUMNS], only_control_respond, c["treatment"])


def test_bad_parameters_and_missing_columns_get_a_message(small_campaign):
    c = small_campaign
    with pytest.raises(InputError, match=r"learner must be one of \['lightgbm', 'logistic'\]"):
        TwoModelUplift(learner="forest").fit(c[COLUMNS], c["response"], c["treatment"])
    with pytest.raises(InputError, match="calibration_folds must be an integer of at least 2"):
        ResponseModel(calibration_folds=1).fit(c[COLUMNS], c["response"])
    with pytest.raises(InputError, match=r"target must be one of \['class', 'outcome'\]"):
        ClassTransformationUplift(target="z").fit(c[COLUMNS], c["response"], c["treatment"])
    model = _fit(TwoModelUplift(learner="logistic"), c)
    with pytest.raises(InputError, match=r"features lack the column\(s\) \['region'\]"):
        model.predict(c[COLUMNS].drop(columns="region"))
    stray_text = c[COLUMNS].astype({"n_orders": object})
    stray_text.loc[7, "n_orders"] = "x"
    with pytest.raises(
        InputError, match="feature 'n_orders' must be a number \\(or missing\\), got 'x' in row 7"
    ):
        model.predict(stray_text)


@pytest.mark.parametrize("model", MODELS[:4], ids=IDS[:4])
def test_a_refit_that_fails_leaves_no_half_fitted_model(model, small_campaign):
    c = small_campaign
    model = _fit(clone(model), c)
    only_treated = c[c["treatment"] == 1]
    no_responder_treated = c["response"].where(c["treatment"] == 0, 0)
    with pytest.raises(InputError):
        if isinstance(model, ResponseModel):
            model.fit(c[COLUMNS], no_responder_treated, c["treatment"])
        else:
            model.fit(only_treated[COLUMNS], only_treated["response"], only_treated["treatment"])
    with pytest.raises(NotFittedError, match="not fitted yet"):
        model.predict(c[COLUMNS])
