"""The numpy ranks agree with pandas' ``Series.rank`` they replace."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kehu.insight.ranks import average_ranks, first_ranks, stable_order


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ranks_equal_pandas_with_many_ties(seed: int) -> None:
    rng = np.random.default_rng(seed)
    values = pd.Series(rng.integers(0, 20, 5_000).astype(float) / 3, index=rng.permutation(5_000))
    for ascending in (True, False):
        expected = values.rank(method="first", ascending=ascending).to_numpy()
        assert np.array_equal(first_ranks(values, ascending=ascending), expected)
    assert np.array_equal(average_ranks(values), values.rank(method="average").to_numpy())


def test_missing_values_stay_missing_as_in_pandas() -> None:
    values = pd.Series([3.0, np.nan, 1.0, 3.0])
    assert np.array_equal(average_ranks(values), [2.5, np.nan, 1.0, 2.5], equal_nan=True)
    assert np.array_equal(
        first_ranks(values, ascending=False), [1.0, np.nan, 3.0, 2.0], equal_nan=True
    )


@pytest.mark.parametrize("span", [5, 700, 32_768, 32_769])  # 16 bits up to a span of 32,767
def test_whole_numbers_sorted_as_small_integers_rank_as_pandas_does(span: int) -> None:
    rng = np.random.default_rng(span)
    values = pd.Series(rng.integers(-3, span - 3, 20_000).astype(float))
    values.iloc[:2] = [-3.0, span - 4.0]  # the whole span
    for ascending in (True, False):
        expected = values.rank(method="first", ascending=ascending).to_numpy()
        assert np.array_equal(first_ranks(values, ascending=ascending), expected)
    assert np.array_equal(average_ranks(values), values.rank(method="average").to_numpy())


def test_no_values_have_no_ranks() -> None:
    assert first_ranks(pd.Series([], dtype=float)).size == 0
    assert average_ranks(pd.Series([], dtype=float)).size == 0


FLOAT_KINDS = {
    "spread": lambda rng, n: rng.lognormal(3, 2, n) * rng.choice([-1, 1], n),
    "cents with ties": lambda rng, n: np.round(rng.gamma(2, 50, n), 2),
    "signed zeros and infinities": lambda rng, n: rng.choice(
        [-0.0, 0.0, 1.5, -2.0, np.inf, -np.inf, 5e-324, -5e-324, 1e308], n
    ),
    "missing values": lambda rng, n: np.where(rng.random(n) < 0.1, np.nan, rng.normal(size=n)),
}


@pytest.mark.parametrize("kind", FLOAT_KINDS)
def test_radix_order_of_floats_is_numpys_stable_order(kind: str) -> None:
    rng = np.random.default_rng(len(kind))
    data = FLOAT_KINDS[kind](rng, 30_000)
    assert np.array_equal(stable_order(data), np.argsort(data, kind="stable"))
    assert np.array_equal(stable_order(data, ascending=False), np.argsort(-data, kind="stable"))
    if not np.isnan(data).any():
        values = pd.Series(data)
        expected = values.rank(method="first", ascending=False).to_numpy()
        assert np.array_equal(first_ranks(values, ascending=False), expected)
        assert np.array_equal(average_ranks(values), values.rank(method="average").to_numpy())
