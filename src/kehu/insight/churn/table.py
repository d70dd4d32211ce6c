"""A table of customer features with a binary outcome, as an analyst brings it.

A table of customer features with a binary outcome, as an analyst brings it: read
from a file, the outcome column read as 0/1, every other column typed as a number or a
category (blank strings are missing values), and the columns that cannot help a model
(an id per row, one value only) set aside with the reason.

Rows without an outcome are kept: they are scored but not learned from, so every input
row comes out with a probability.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from kehu.insight.errors import InputError
from kehu.insight.text_encoding import sniff_delimiter, text_encoding, text_sample, undecodable

#: Outcome words read as the positive class (lower case).
POSITIVE = ("1", "1.0", "yes", "y", "true", "t", "churn", "churned", "positive", "是", "流失")
NEGATIVE = ("0", "0.0", "no", "n", "false", "f", "stay", "stayed", "negative", "否", "未流失")
ID_NAMES = ("id", "customerid", "customer_id", "customer", "clientid", "client_id", "客户编号")
#: A text column is numeric when at least this share of its non-blank values are numbers.
NUMERIC_SHARE = 0.95
#: A category with more distinct values than this share of the rows names rows, not groups.
MAX_DISTINCT_SHARE = 0.5


@dataclass
class FeatureTable:
    """Customer features with the outcome column read and checked."""

    ids: pd.Series
    features: pd.DataFrame  # numeric columns as float64, categories as pandas category
    outcome: pd.Series  # 1.0, 0.0 or NaN (not known: scored, not learned from)
    numeric: list[str]
    categorical: list[str]
    #: columns left out, with why
    dropped: dict[str, str] = field(default_factory=dict)
    #: non-blank cells of numeric columns that were not numbers (read as missing)
    unreadable: dict[str, int] = field(default_factory=dict)
    positive_label: str = "1"

    @property
    def labelled(self) -> np.ndarray:
        """Which rows have a known outcome (learned from; the others are only scored)."""
        return self.outcome.notna().to_numpy()


def read_table(path: str | Path, encoding: str | None = None) -> pd.DataFrame:
    """CSV/TSV (also gzipped), Parquet, Excel or JSON lines; text cells stay text.

    A CSV/TSV file is read in ``encoding``, or in the one its start shows (UTF-8, else
    a guess such as GB18030).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    name = path.name.lower().removesuffix(".gz")
    text = not name.endswith((".parquet", ".xlsx", ".xls", ".ods", ".jsonl", ".ndjson"))
    reading = text_encoding(path, encoding) if text else None
    sample = text_sample(path, reading) if reading else ""
    if reading and not sample.strip():
        raise InputError(f"{path} is empty: its first line should name the columns")
    try:
        if name.endswith(".parquet"):
            return pd.read_parquet(path)
        if name.endswith((".xlsx", ".xls", ".ods")):
            return pd.read_excel(path, dtype=str, engine="calamine")
        if name.endswith((".jsonl", ".ndjson")):
            return pd.read_json(path, lines=True, dtype=False)
        tab = name.endswith((".tsv", ".tab"))
        return pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            sep="\t" if tab else sniff_delimiter(sample),
            encoding="utf-8-sig" if reading == "utf-8" else reading,
        )
    except UnicodeDecodeError:
        raise undecodable(str(path), str(reading)) from None
    except (ValueError, OSError) as e:
        raise InputError(f"{path}: cannot be read as a table ({e})") from e


def feature_table(
    frame: pd.DataFrame, target: str, id_col: str | None = None, positive: str | None = None
) -> FeatureTable:
    """Type the columns of ``frame`` and read ``target`` as the outcome."""
    if target not in frame.columns:
        raise InputError(f"no column {target!r} (the outcome); columns: {list(frame.columns)}")
    if len(frame) == 0:
        raise InputError("the table has no rows")
    id_col = id_col or _id_column(frame, target)
    if id_col is not None and id_col not in frame.columns:
        raise InputError(f"no column {id_col!r} (the id); columns: {list(frame.columns)}")
    ids = frame[id_col].astype(str) if id_col else pd.Series(np.arange(1, len(frame) + 1))
    outcome, positive_label = _outcome(frame[target], positive)
    table = FeatureTable(
        ids=ids.reset_index(drop=True),
        features=pd.DataFrame(index=range(len(frame))),
        outcome=outcome.reset_index(drop=True),
        numeric=[],
        categorical=[],
        positive_label=positive_label,
    )
    for column in frame.columns:
        if column in (target, id_col):
            continue
        _add_column(table, str(column), frame[column].reset_index(drop=True))
    if not table.numeric and not table.categorical:
        why = "; ".join(f"{name!r}: {reason}" for name, reason in table.dropped.items())
        raise InputError(
            "no column to learn from besides the outcome and the id"
            + (f" ({why})" if why else f": the columns are {list(frame.columns)}")
        )
    if table.labelled.sum() == 0:
        raise InputError(f"column {target!r} has no outcome in any row")
    return table


def _id_column(frame: pd.DataFrame, target: str) -> str | None:
    for column in frame.columns:
        key = str(column).lower().replace(" ", "")
        if column != target and key in ID_NAMES and frame[column].is_unique:
            return str(column)
    return None


def _blank_to_nan(values: pd.Series) -> pd.Series:
    if values.dtype == object or pd.api.types.is_string_dtype(values):
        text = values.astype("string").str.strip()
        return text.mask(text == "")
    return values


def _outcome(values: pd.Series, positive: str | None) -> tuple[pd.Series, str]:
    text = _blank_to_nan(values).astype("string").str.strip()
    lower = text.str.lower()
    seen = sorted(set(lower.dropna()))
    if positive is not None:
        pos = positive.strip().lower()
        if pos not in seen:
            raise InputError(f"--positive {positive!r} is not a value of the outcome: {seen[:10]}")
        if len(seen) != 2:
            raise InputError(f"the outcome must have two values, it has {len(seen)}: {seen[:10]}")
        return (lower == pos).astype("float64").where(lower.notna()), positive
    if len(seen) != 2:
        raise InputError(
            f"the outcome must have two values (e.g. yes/no, 1/0), it has {len(seen)}: "
            f"{seen[:10]}; blank cells are rows without an outcome"
        )
    positives = [v for v in seen if v in POSITIVE]
    negatives = [v for v in seen if v in NEGATIVE]
    if len(positives) != 1 or len(negatives) != 1:
        raise InputError(
            f"cannot tell which outcome value is the positive one among {seen}: "
            "name it with --positive VALUE"
        )
    label = text[lower == positives[0]].iloc[0]
    return (lower == positives[0]).astype("float64").where(lower.notna()), str(label)


#: Past this size a value's square overflows, which no model's scaling survives.
LARGEST = 1e150


def _finite(numbers: pd.Series) -> pd.Series:
    """Return ``numbers`` with infinities, NaN and values past :data:`LARGEST` missing."""
    return numbers.where(numbers.abs() < LARGEST)


def _add_column(table: FeatureTable, name: str, values: pd.Series) -> None:
    values = _blank_to_nan(values)
    present = values.dropna()
    if present.empty:
        table.dropped[name] = "empty"
        return
    if pd.api.types.is_bool_dtype(values):
        values = values.astype("float64")
    if pd.api.types.is_numeric_dtype(values):
        numbers = _finite(values.astype("float64"))
    else:
        parsed = pd.to_numeric(present.astype(str).str.replace(",", "", regex=False), "coerce")
        if parsed.notna().mean() >= NUMERIC_SHARE:
            numbers = _finite(
                pd.to_numeric(
                    values.astype("string").str.replace(",", "", regex=False), "coerce"
                ).astype("float64")
            )
            bad = int(numbers.isna().sum() - values.isna().sum())
            if bad:
                table.unreadable[name] = bad
        else:
            numbers = None
    if numbers is not None:
        if numbers.nunique(dropna=True) <= 1 and numbers.notna().all():
            table.dropped[name] = "one value only"
            return
        table.features[name] = numbers
        table.numeric.append(name)
        return
    text = values.astype("string")
    distinct = text.nunique(dropna=True)
    if distinct <= 1 and text.notna().all():
        table.dropped[name] = "one value only"
        return
    if distinct > max(50, MAX_DISTINCT_SHARE * len(text)):
        table.dropped[name] = f"{distinct:,} distinct values: names rows, not groups"
        return
    table.features[name] = text.astype("category")
    table.categorical.append(name)
