"""The BTYD side of the estimator contract (fitted parameters by symbol, optimiser
settings, convergence) and the input checks of every BTYD estimator; the contract all
estimators share is tested in tests/insight/test_base.py."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from tests.insight.btyd.conftest import simulate_bg_nbd, simulate_spend

from kehu.insight.btyd import (
    BgNbd,
    ConvergenceWarning,
    GammaGamma,
    InvalidDataError,
    MbgNbd,
    NotFittedError,
    ParetoNbd,
    ShiftedBetaGeometric,
)
from kehu.insight.errors import InsightError

RFM = simulate_bg_nbd(500, 0.5, 5.0, 0.8, 2.5, seed=2)
SPEND = simulate_spend(300, 4.0, 3.0, 20.0, seed=2)
SURVIVORS = [1000, 631, 468, 382, 326, 289, 262, 241]

#: (estimator class, training table, a prediction call on a fitted or unfitted model)
ESTIMATORS = [
    (BgNbd, RFM, lambda m: m.conditional_probability_alive(RFM)),
    (MbgNbd, RFM, lambda m: m.conditional_expected_purchases(10, RFM)),
    (ParetoNbd, RFM, lambda m: m.conditional_expected_purchases(10, RFM)),
    (GammaGamma, SPEND, lambda m: m.conditional_expected_average_spend(SPEND)),
    (ShiftedBetaGeometric, SURVIVORS, lambda m: m.survival_function(np.arange(20))),
]
IDS = [cls.__name__ for cls, _, _ in ESTIMATORS]


@pytest.mark.parametrize(("cls", "data", "predict"), ESTIMATORS, ids=IDS)
def test_fit_returns_self_and_sets_underscore_attributes(cls, data, predict) -> None:
    model = cls()
    assert model.fit(data) is model
    assert set(model.params_) == set(cls._param_names)
    for name in cls._param_names:
        assert getattr(model, f"{name}_") == model.params_[name] > 0
    assert np.all(np.isfinite(predict(model)))


@pytest.mark.parametrize(("cls", "data", "predict"), ESTIMATORS, ids=IDS)
def test_init_stores_configuration_unchanged(cls, data, predict) -> None:
    model = cls(tol=1e-8, max_iter=50)
    assert (model.tol, model.max_iter) == (1e-8, 50)
    assert not any(k.endswith("_") for k in vars(model))


def test_not_fitted_error_is_an_insight_error_and_a_value_error() -> None:
    assert issubclass(NotFittedError, InsightError)
    assert issubclass(NotFittedError, ValueError)
    assert issubclass(InvalidDataError, InsightError)
    assert issubclass(InvalidDataError, ValueError)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"frequency": -1.0}, r"frequency must be >= 0, got -1\.0 at row 3"),
        ({"frequency": 1.5}, r"frequency must be whole numbers, got 1\.5 at row 3"),
        ({"recency": 31.0}, r"recency must be <= T, got recency=31\.0 > T=30\.0 at row 3"),
        ({"recency": np.nan}, r"recency must be finite, got nan at row 3"),
        ({"T": -2.0}, r"T must be >= 0, got -2\.0 at row 3"),
    ],
)
def test_bad_values_are_named_with_their_row(change: dict, message: str) -> None:
    data = RFM.copy()
    data.loc[3, "recency"] = 0.0
    data.loc[3, "T"] = 30.0
    for column, value in change.items():
        data.loc[3, column] = value
    with pytest.raises(InvalidDataError, match=message):
        BgNbd().fit(data)


def test_recency_of_a_customer_without_repeats_must_be_zero() -> None:
    data = RFM.copy()
    data.loc[0, ["frequency", "recency"]] = [0.0, 3.0]
    with pytest.raises(InvalidDataError, match="recency must be 0 when frequency is 0"):
        BgNbd().fit(data)


def test_missing_column_is_named_with_what_was_found() -> None:
    with pytest.raises(InvalidDataError, match=r"missing required column 'T'; found columns"):
        BgNbd().fit(RFM.drop(columns="T"))


def test_empty_input_is_refused() -> None:
    with pytest.raises(InvalidDataError, match="no rows"):
        BgNbd().fit(RFM.iloc[:0])


def test_bad_weights_are_refused() -> None:
    with pytest.raises(InvalidDataError, match="weights must be >= 0"):
        BgNbd().fit(RFM, weights=-np.ones(len(RFM)))
    with pytest.raises(InvalidDataError, match="one value per row"):
        BgNbd().fit(RFM, weights=[1, 2])


def test_from_params_refuses_unknown_or_nonpositive_parameters() -> None:
    with pytest.raises(InsightError, match=r"needs exactly the parameters"):
        BgNbd.from_params(r=1, alpha=1, a=1)
    with pytest.raises(InsightError, match=r"alpha must be positive"):
        BgNbd.from_params(r=1, alpha=-1, a=1, b=1)


def test_arrow_tables_and_mappings_are_accepted() -> None:
    import pyarrow as pa

    from_pandas = BgNbd().fit(RFM).params_
    assert BgNbd().fit(pa.Table.from_pandas(RFM)).params_ == pytest.approx(from_pandas)
    assert BgNbd().fit(RFM.to_dict("list")).params_ == pytest.approx(from_pandas)


@pytest.mark.parametrize(("cls", "data", "predict"), ESTIMATORS, ids=IDS)
def test_a_fit_that_stops_early_says_so(cls, data, predict) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = cls(max_iter=1).fit(data)
    messages = [str(w.message) for w in caught if w.category is ConvergenceWarning]
    assert any("did not converge" in m for m in messages)  # (and, away from the
    # optimum, usually "standard errors ... are not available" too)
    assert model.converged_ is False
    assert model.convergence_message_
    assert model.n_iter_ == 1


@pytest.mark.slow
def test_a_million_customers_fit_on_their_distinct_rows() -> None:
    # Timing is reported, not asserted; this guards the compressed path at scale.
    data = simulate_bg_nbd(1_000_000, 0.2426, 4.4136, 0.7929, 2.4259, seed=1, max_T=78)
    data[["recency", "T"]] = (data[["recency", "T"]] * 7).round() / 7  # whole days
    model = BgNbd().fit(data)
    assert model.converged_
    assert model.n_customers_ == 1_000_000
    assert model.n_distinct_ < 300_000
    for name, value in {"r": 0.2426, "alpha": 4.4136, "a": 0.7929, "b": 2.4259}.items():
        assert abs(model.params_[name] - value) < 4 * model.standard_errors_[name], name
