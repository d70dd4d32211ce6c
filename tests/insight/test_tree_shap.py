"""The trees' SHAP values computed once per way through each tree are LightGBM's own
``pred_contrib``, whatever the model does with missing values and zeros, and LightGBM
explains every row itself where a tree has a categorical split."""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest

from kehu.insight.churn.tree_shap import tree_contributions

PARAMS = {
    "n_estimators": 60,
    "learning_rate": 0.1,
    "num_leaves": 8,
    "min_child_samples": 20,
    "subsample": 0.8,
    "subsample_freq": 1,
    "colsample_bytree": 0.7,
    "verbose": -1,
    "random_state": 3,
}


def _table(n: int = 6_000) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(7)
    X = pd.DataFrame(rng.normal(size=(n, 6)), columns=[f"f{i}" for i in range(6)])
    X["f1"] = rng.integers(0, 4, n).astype(float)  # few values: rows exactly at thresholds
    X["f2"] = np.where(rng.random(n) < 0.3, 0.0, X["f2"])  # many zeros
    X.loc[rng.random(n) < 0.15, "f3"] = np.nan
    X.loc[rng.random(n) < 0.6, "f4"] = np.nan
    signal = X["f0"] + 0.4 * X["f1"] - X["f2"] + X["f3"].fillna(1.5) + X["f4"].isna()
    y = (signal + rng.normal(size=n) > 0.8).astype(int).to_numpy()
    return X, y


@pytest.mark.parametrize("extra", [{}, {"zero_as_missing": True}, {"use_missing": False}], ids=str)
def test_the_same_values_as_lightgbm(extra):
    X, y = _table()
    booster = lgb.LGBMClassifier(**PARAMS, **extra).fit(X, y).booster_
    ours = tree_contributions(booster, X)
    theirs = np.asarray(booster.predict(X, pred_contrib=True))[:, :-1]
    assert ours.shape == theirs.shape == (len(X), X.shape[1])
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-12)
    assert np.abs(theirs).sum() > 1.0  # the model explains something


def test_rows_never_seen_in_training_are_explained_too():
    X, y = _table()
    booster = lgb.LGBMClassifier(**PARAMS).fit(X.iloc[:3_000], y[:3_000]).booster_
    later = X.iloc[3_000:].copy()
    later["f0"] *= 3  # beyond the training range
    np.testing.assert_allclose(
        tree_contributions(booster, later),
        np.asarray(booster.predict(later, pred_contrib=True))[:, :-1],
        rtol=0,
        atol=1e-12,
    )


def test_a_categorical_split_is_left_to_lightgbm():
    X, y = _table()
    X["f5"] = pd.Categorical(np.where(y == 1, "a", np.where(X["f0"] > 0, "b", "c")))
    booster = lgb.LGBMClassifier(**PARAMS).fit(X, y).booster_
    assert any(
        "==" in str(tree) for tree in booster.dump_model()["tree_info"]
    )  # the model does split on the category
    np.testing.assert_allclose(
        tree_contributions(booster, X),
        np.asarray(booster.predict(X, pred_contrib=True))[:, :-1],
        rtol=0,
        atol=1e-12,
    )


def test_a_category_the_trees_do_not_split_on_is_no_obstacle():
    # a few rows: the trees split on numbers only, and the category's text must not be
    # read as a number (it had been: "could not convert string to float")
    X, y = _table(n=400)
    X["f5"] = pd.Categorical(np.random.default_rng(1).choice(["a", "b", None], len(X)))
    params = PARAMS | {"n_estimators": 5, "min_child_samples": 150}
    booster = lgb.LGBMClassifier(**params).fit(X, y).booster_
    assert not any("==" in str(tree) for tree in booster.dump_model()["tree_info"])
    np.testing.assert_allclose(
        tree_contributions(booster, X),
        np.asarray(booster.predict(X, pred_contrib=True))[:, :-1],
        rtol=0,
        atol=1e-12,
    )
