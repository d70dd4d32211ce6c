"""The inputs of the campaign models, checked: features, treatment flags, outcomes.

Numbers in, numbers out: a feature table (a pandas DataFrame, or a 2-D numpy array whose
columns are named ``x0, x1, ...``), a treatment flag per row (1: the customer got the
campaign, 0: held out as control) and an outcome per row (1: responded, 0: did not).
Every check raises :class:`~kehu.insight.errors.InputError` with a message that says
what to fix; no row is dropped silently.
"""

from __future__ import annotations

from collections.abc import Sequence, Sized
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kehu.insight.errors import InputError, coded

__all__ = ["FeatureSpec", "as_features", "binary_column", "check_lengths", "numeric_column"]

#: The text a missing category becomes (its own level).
MISSING = "(missing)"


def as_features(X: Any) -> pd.DataFrame:
    """Return the feature table as a DataFrame with text column names.

    Parameters
    ----------
    X : pandas.DataFrame or array_like
        One row per customer. A 2-D array gets the column names ``x0, x1, ...``.

    Returns
    -------
    pandas.DataFrame
        The same rows, index reset.

    Raises
    ------
    InputError
        When ``X`` is not two-dimensional, has no rows or no columns.

    Examples
    --------
    >>> as_features([[1.0, 2.0], [3.0, 4.0]]).columns.tolist()
    ['x0', 'x1']
    """
    if isinstance(X, pd.DataFrame):
        frame = X.reset_index(drop=True)
        frame.columns = [str(c) for c in frame.columns]
    else:
        array = np.asarray(X)
        if array.ndim != 2:
            raise coded(
                InputError(
                    f"features must be a table (2-D: one row per customer), "
                    f"got an array of shape {array.shape}"
                ),
                "features_not_2d",
                shape=array.shape,
            )
        frame = pd.DataFrame(array, columns=[f"x{i}" for i in range(array.shape[1])])
    if frame.shape[0] == 0 or frame.shape[1] == 0:
        raise coded(
            InputError(f"features need at least one row and one column, got {frame.shape}"),
            "features_empty",
            shape=frame.shape,
        )
    return frame


def binary_column(values: Any, name: str) -> np.ndarray:
    """Return ``values`` as 0/1 integers, or the error naming the first bad row.

    Parameters
    ----------
    values : array_like
        0/1 or ``False``/``True``, one per row.
    name : str
        What the values are (``"treatment"``, ``"outcome"``), for the message.

    Returns
    -------
    numpy.ndarray
        ``int8`` zeros and ones.

    Raises
    ------
    InputError
        When a value is missing or not 0 or 1.

    Examples
    --------
    >>> binary_column([True, False, 1], "treatment")
    array([1, 0, 1], dtype=int8)
    >>> binary_column([0, 2], "outcome")
    Traceback (most recent call last):
    ...
    kehu.insight.errors.InputError: outcome must be 0 or 1 in every row, got 2 in row 1
    """
    raw = pd.Series(np.asarray(values).ravel() if not isinstance(values, pd.Series) else values)
    raw = raw.reset_index(drop=True)
    as_number = pd.to_numeric(raw.astype(object).map(_bool_as_int), errors="coerce")
    bad = as_number.isna() | ~as_number.isin([0, 1])
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise coded(
            InputError(
                f"{name} must be 0 or 1 in every row, got {_shown(raw.iloc[row])!r} in row {row}"
            ),
            "not_binary",
            column=name,
            row=row,
        )
    return as_number.to_numpy().astype(np.int8)


def _shown(value: object) -> object:
    """Return a numpy scalar as the plain Python value (for a message)."""
    return value.item() if isinstance(value, np.generic) else value


def _bool_as_int(value: object) -> object:
    return int(value) if isinstance(value, bool | np.bool_) else value


def numeric_column(values: Any, name: str) -> np.ndarray:
    """Return ``values`` as finite floats, or the error naming the first bad row.

    Parameters
    ----------
    values : array_like
        One number per row (revenue per customer, say).
    name : str
        What the values are, for the message.

    Returns
    -------
    numpy.ndarray
        ``float64``.

    Raises
    ------
    InputError
        When a value is missing, not a number or infinite.
    """
    raw = pd.Series(np.asarray(values, dtype=object).ravel())
    as_number = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(as_number)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise coded(
            InputError(
                f"{name} must be a finite number in every row, "
                f"got {_shown(raw[row])!r} in row {row}"
            ),
            "not_a_number",
            column=name,
            row=row,
        )
    return as_number


def check_lengths(**columns: Sized) -> None:
    """Raise :class:`~kehu.insight.errors.InputError` unless every column has as many rows.

    Parameters
    ----------
    **columns : sized
        Each input by the name the message gives it.

    Raises
    ------
    InputError
        When the lengths differ; the message lists every length.

    Examples
    --------
    >>> check_lengths(features=[[1], [2]], treatment=[1, 0], outcome=[1])
    Traceback (most recent call last):
    ...
    kehu.insight.errors.InputError: features, treatment and outcome must have one row per
    customer each, got 2 rows of features, 2 of treatment and 1 of outcome
    """
    lengths = {name: len(values) for name, values in columns.items()}
    if len(set(lengths.values())) > 1:
        names = _words(list(lengths))
        first, *rest = lengths.items()
        counts = _words([f"{first[1]} rows of {first[0]}", *(f"{n} of {k}" for k, n in rest)])
        raise coded(
            InputError(f"{names} must have one row per customer each, got {counts}"),
            "length_mismatch",
            **lengths,
        )


def _words(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


@dataclass(frozen=True)
class FeatureSpec:
    """The feature columns a model was fitted on, and how each is read.

    Attributes
    ----------
    numeric : list of str
        Numbers and flags (missing values allowed: imputed by the median, with an
        indicator).
    categorical : list of str
        Text or categories (a missing value is its own level, ``"(missing)"``).
    """

    numeric: list[str]
    categorical: list[str]

    @property
    def columns(self) -> list[str]:
        """Every feature column, numeric first."""
        return [*self.numeric, *self.categorical]

    @classmethod
    def learn(cls, X: pd.DataFrame) -> FeatureSpec:
        """Sort the columns of ``X`` into numeric and categorical.

        Parameters
        ----------
        X : pandas.DataFrame
            The training features.

        Returns
        -------
        FeatureSpec
            The columns by kind.

        Raises
        ------
        InputError
            For a date/time column (turn it into a number such as days since) or an
            infinite value.
        """
        numeric, categorical = [], []
        for column in X.columns:
            dtype = X[column].dtype
            if pd.api.types.is_datetime64_any_dtype(dtype) or isinstance(
                dtype, pd.PeriodDtype | pd.IntervalDtype
            ):
                raise coded(
                    InputError(
                        f"feature {column!r} holds dates ({dtype}); give a number instead, "
                        "such as days since the date"
                    ),
                    "date_feature",
                    column=column,
                )
            if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
                numeric.append(column)
            else:
                categorical.append(column)
        return cls(numeric, categorical)

    def prepared(self, X: pd.DataFrame) -> pd.DataFrame:
        """Return the feature columns of ``X`` ready for a learner.

        Numbers as ``float64`` (missing as NaN), categories as text (missing as
        ``"(missing)"``), in the order of :attr:`columns`.

        Parameters
        ----------
        X : pandas.DataFrame
            Features with at least the columns the model was fitted on.

        Returns
        -------
        pandas.DataFrame
            The columns in a fixed order.

        Raises
        ------
        InputError
            When a column is missing, a numeric column holds text, or a value is
            infinite.
        """
        missing = [c for c in self.columns if c not in X.columns]
        if missing:
            raise coded(
                InputError(
                    f"features lack the column(s) {missing} the model was fitted on; "
                    f"found {list(X.columns)}"
                ),
                "missing_feature",
                columns=missing,
            )
        out = pd.DataFrame(index=X.index)
        for column in self.numeric:
            out[column] = self._number(X[column], column)
        for column in self.categorical:
            values = X[column].astype(object)
            out[column] = values.where(values.notna(), MISSING).astype(str)
        return out

    @staticmethod
    def _number(values: pd.Series, column: str) -> pd.Series:
        number = pd.to_numeric(values.astype(object), errors="coerce").astype(float)
        bad = (number.isna() & values.notna()) | np.isinf(number)
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise coded(
                InputError(
                    f"feature {column!r} must be a number (or missing), got "
                    f"{_shown(values.iloc[row])!r} in row {row}"
                ),
                "bad_feature_value",
                column=column,
                row=row,
            )
        return number
