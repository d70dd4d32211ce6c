"""scikit-learn's contract, held by every estimator of kehu.insight (kehu.insight.base):
hyperparameters stored unchanged in __init__, data only in fit, which returns self,
fitted state ending in _, NotFittedError naming the method before fit, refit gives the
same result. (The BTYD specifics are in tests/insight/btyd/test_contract.py.)"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from tests.insight.btyd.conftest import simulate_bg_nbd, simulate_spend

from kehu.insight.base import Estimator, check_is_fitted
from kehu.insight.btyd import BgNbd, GammaGamma, MbgNbd, ParetoNbd, ShiftedBetaGeometric
from kehu.insight.errors import InputError, InsightError, NotFittedError
from kehu.insight.recommend import NextBestProduct
from kehu.insight.segments import Segmenter

RFM = simulate_bg_nbd(500, 0.5, 5.0, 0.8, 2.5, seed=2)
SPEND = simulate_spend(300, 4.0, 3.0, 20.0, seed=2)
SURVIVORS = [1000, 631, 468, 382, 326, 289, 262, 241]


def _features() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "customer_id": range(600),
            "n_orders": np.r_[rng.poisson(2, 300), rng.poisson(20, 300)],
            "total_spend": np.r_[rng.gamma(2, 50, 300), rng.gamma(2, 900, 300)],
        }
    )


def _lines() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    customers = rng.integers(0, 80, 400)
    items = (customers % 7 + rng.integers(0, 3, 400)).astype(str)
    return pd.DataFrame({"customer_id": customers, "item": items})


FEATURES, LINES = _features(), _lines()


@dataclass(frozen=True)
class Case:
    cls: type[Estimator]
    params: dict[str, Any]  # hyperparameters other than the defaults
    data: Any
    method: str  # a method that needs the fit
    args: tuple[Any, ...] = ()

    def predict(self, model: Any) -> Any:
        return getattr(model, self.method)(*self.args)


CASES = [
    Case(BgNbd, {"tol": 1e-8}, RFM, "conditional_probability_alive", (RFM,)),
    Case(MbgNbd, {"max_iter": 500}, RFM, "conditional_expected_purchases", (10, RFM)),
    Case(ParetoNbd, {"tol": 1e-9}, RFM, "conditional_expected_purchases", (10, RFM)),
    Case(
        GammaGamma,
        {"initial_params": {"p": 1.0, "q": 2.0, "v": 10.0}},
        SPEND,
        "conditional_expected_average_spend",
        (SPEND,),
    ),
    Case(ShiftedBetaGeometric, {"max_iter": 200}, SURVIVORS, "survival_function", (np.arange(20),)),
    Case(
        Segmenter,
        {"k_range": (2, 4), "labels": {"n_orders": "orders"}},
        FEATURES,
        "predict",
        (FEATURES,),
    ),
    Case(NextBestProduct, {"top_n": 3, "neighbours": 5}, LINES, "predict"),
]
IDS = [case.cls.__name__ for case in CASES]


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, pd.DataFrame):
        return a.equals(b)
    return bool(np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_init_stores_hyperparameters_unchanged_and_fits_nothing(case: Case) -> None:
    model = case.cls(**case.params)
    params = model.get_params()
    for name, value in case.params.items():
        assert params[name] is value
    assert not [k for k in vars(model) if k.endswith("_")]
    assert clone(model).get_params() == params


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_fit_returns_self_and_adds_only_underscore_attributes(case: Case) -> None:
    model = case.cls(**case.params)
    before = set(vars(model))
    assert model.fit(case.data) is model
    added = set(vars(model)) - before
    assert added and all(name.endswith("_") for name in added)
    assert model.get_params() == case.cls(**case.params).get_params()


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_predicting_before_fit_raises_not_fitted_error_naming_the_method(case: Case) -> None:
    with pytest.raises(
        NotFittedError, match=rf"not fitted yet: call fit.* before {case.method}\(\)"
    ):
        case.predict(case.cls(**case.params))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_refit_gives_the_same_result(case: Case) -> None:
    model = case.cls(**case.params).fit(case.data)
    first = case.predict(model)
    assert _same(case.predict(model.fit(case.data)), first)
    assert _same(case.predict(clone(model).fit(case.data)), first)


def test_one_not_fitted_error_and_one_bad_input_error() -> None:
    assert issubclass(NotFittedError, InsightError)
    assert issubclass(NotFittedError, ValueError)
    assert issubclass(NotFittedError, AttributeError)  # hasattr-style checks still work
    assert issubclass(InputError, InsightError)
    assert issubclass(InputError, ValueError)
    assert not issubclass(NotFittedError, InputError)


def test_check_is_fitted_looks_for_underscore_attributes_or_the_one_named() -> None:
    model = Segmenter()
    with pytest.raises(
        NotFittedError, match=r"this Segmenter is not fitted yet.* before labels\(\)"
    ):
        check_is_fitted(model, "labels")
    model.k_ = 3
    check_is_fitted(model, "labels")
    with pytest.raises(NotFittedError):
        check_is_fitted(model, "labels", attribute="labels_")


def test_params_and_repr_follow_scikit_learn_without_importing_it() -> None:
    model = BgNbd(tol=1e-8)
    assert repr(model) == "BgNbd(tol=1e-08)"
    assert model.set_params(max_iter=5) is model
    assert model.get_params() == {
        "initial_params": None,
        "max_iter": 5,
        "standard_errors": True,
        "tol": 1e-8,
    }
    assert repr(clone(model)) == "BgNbd(max_iter=5, tol=1e-08)"
    with pytest.raises(ValueError, match="invalid parameter 'alpha' for BgNbd"):
        model.set_params(alpha=1.0)
    code = "import sys, kehu.insight.analyze; print('sklearn' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr
