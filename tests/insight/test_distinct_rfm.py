"""Models evaluated on the distinct (frequency, recency, T) rows give each customer
what they give on the customers' own rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kehu.insight.btyd import BgNbd, MbgNbd, ParetoNbd
from kehu.insight.distinct_rfm import DistinctRfm
from kehu.insight.errors import InputError


def _customers() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    T = rng.integers(1, 40, 5_000) / 7 * 7
    frequency = rng.integers(0, 4, 5_000)
    recency = np.where(frequency > 0, np.floor(T * rng.random(5_000)), 0.0)
    return pd.DataFrame({"frequency": frequency, "recency": recency, "T": T})


def test_distinct_rows_stand_for_every_customer() -> None:
    customers = _customers()
    rows = DistinctRfm.of(customers)
    assert len(rows.table) < len(customers) == rows.weights.sum()
    rebuilt = rows.table.iloc[rows.inverse].reset_index(drop=True)
    pd.testing.assert_frame_equal(rebuilt, customers.astype(float))


def test_predictions_per_distinct_row_equal_those_per_customer() -> None:
    customers = _customers()
    rows = DistinctRfm.of(customers)
    on_customers = MbgNbd().fit(customers)
    on_rows = MbgNbd().fit(rows.table, rows.weights)
    for name, value in on_customers.params_.items():
        assert on_rows.params_[name] == pytest.approx(value, rel=1e-6)
    expected = on_customers.conditional_expected_purchases(10, customers)
    got = rows.per_customer(on_customers.conditional_expected_purchases(10, rows.table))
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_rows_are_checked_as_the_models_check_them() -> None:
    with pytest.raises(InputError, match="recency must be <= T"):
        DistinctRfm.of(pd.DataFrame({"frequency": [1], "recency": [5.0], "T": [2.0]}))


@pytest.mark.parametrize("model_class", [BgNbd, ParetoNbd])
def test_a_fit_takes_compressed_rows_as_they_are(model_class) -> None:
    customers = _customers()
    rows = DistinctRfm.of(customers)
    on_compressed = model_class().fit(rows.compressed)
    on_table = model_class().fit(rows.table, rows.weights)
    assert on_compressed.params_ == on_table.params_
    assert on_compressed.n_customers_ == len(customers)
    with pytest.raises(InputError, match="carry their own weights"):
        model_class().fit(rows.compressed, rows.weights)
