"""What sells together: frequent itemsets and association rules from baskets.

Itemsets are mined by depth-first pattern growth, as FP-growth does (no candidate
generation level by level), over a vertical bitset per item: a prefix's baskets ANDed
with every possible extension at once, counted with a popcount (numpy), so each node
of the search is one array operation. The itemsets and rules are exactly those of
mlxtend's ``fpgrowth`` + ``association_rules`` on the same baskets and thresholds:

- an itemset is frequent when ``count / baskets >= min_support`` (compared as mlxtend
  compares, in floating point);
- a rule ``A -> C`` is every split of a frequent itemset into two non-empty parts
  (multi-item consequents, as mlxtend; R's arules keeps only single-item consequents),
  kept when ``confidence = support(A ∪ C) / support(A) >= min_confidence``;
  ``lift = confidence / support(C)``.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from kehu.insight.errors import InputError
from kehu.insight.text_encoding import sniff_delimiter, text_encoding, text_sample, undecodable

WORD = 64
#: The most frequent itemsets mined: past it the thresholds, not the data, set the count.
MAX_ITEMSETS = 2_000_000
#: An item of a basket-per-line file in double quotes: the quotes are not part of it.
QUOTED = r'^"(.*)"$'


@dataclass
class BasketData:
    """Baskets as one bit per (item, basket), for the items that can be frequent."""

    items: np.ndarray  # item names, in the order of ``bits``
    bits: np.ndarray  # uint64 (items × words)
    baskets: int


@dataclass
class Mined:
    """Frequent itemsets and association rules mined from baskets."""

    itemsets: pd.DataFrame  # itemsets (tuple of names, sorted), support, count
    rules: pd.DataFrame  # antecedents, consequents, support, confidence, lift, ...
    baskets: int


def basket_data(
    basket_ids: pd.Series | np.ndarray, items: pd.Series | np.ndarray, min_support: float
) -> BasketData:
    """One row per (basket, item) line; repeated lines count once."""
    basket_codes, _baskets = pd.factorize(pd.Series(basket_ids), sort=False)
    item_codes, names = pd.factorize(pd.Series(items).astype("string"), sort=True)
    keep = (basket_codes >= 0) & (item_codes >= 0)
    n = len(_baskets)
    if n == 0:
        raise InputError("no baskets: every row lacks a basket id or an item")
    # (item, basket) as one integer: a 1-D unique drops the repeated lines fast
    keys = np.unique(item_codes[keep].astype(np.int64) * n + basket_codes[keep])
    pairs = np.stack([keys // n, keys % n], axis=1)
    counts = np.bincount(pairs[:, 0], minlength=len(names))
    frequent = np.flatnonzero(counts / float(n) >= min_support)
    position = np.full(len(names), -1)
    position[frequent] = np.arange(len(frequent))
    pairs = pairs[position[pairs[:, 0]] >= 0]
    words = (n + WORD - 1) // WORD
    bits = np.zeros((len(frequent), words), dtype=np.uint64)
    rows = position[pairs[:, 0]]
    np.bitwise_or.at(
        bits,
        (rows, pairs[:, 1] // WORD),
        np.left_shift(np.uint64(1), (pairs[:, 1] % WORD).astype(np.uint64)),
    )
    return BasketData(np.asarray(names)[frequent], bits, n)


def frequent_itemsets(
    data: BasketData, min_support: float, max_len: int | None = None
) -> pd.DataFrame:
    """Every itemset with ``count / baskets >= min_support`` (up to ``max_len`` items)."""
    n = data.baskets
    threshold = min_count(min_support, n)
    found_sets: list[tuple[int, ...]] = []
    found_counts: list[int] = []
    counts = np.bitwise_count(data.bits).sum(axis=1)
    order = np.argsort(-counts, kind="stable")  # frequent first: small conditional sets

    def grow(prefix: tuple[int, ...], prefix_bits: np.ndarray, extensions: np.ndarray) -> None:
        if extensions.size == 0 or (max_len is not None and len(prefix) >= max_len):
            return
        joint = data.bits[extensions] & prefix_bits
        support = np.bitwise_count(joint).sum(axis=1)
        keep = np.flatnonzero(support >= threshold)
        if len(found_sets) + keep.size > MAX_ITEMSETS:
            raise InputError(
                f"more than {MAX_ITEMSETS:,} frequent itemsets (baskets this full hold every "
                "combination of their items): raise --min-support or give --max-len"
            )
        for j, index in enumerate(keep):
            itemset = (*prefix, int(extensions[index]))
            found_sets.append(itemset)
            found_counts.append(int(support[index]))
            grow(itemset, joint[index], extensions[keep[j + 1 :]])

    for j, item in enumerate(order):
        if counts[item] < threshold:
            continue
        found_sets.append((int(item),))
        found_counts.append(int(counts[item]))
        grow((int(item),), data.bits[item], order[j + 1 :][counts[order[j + 1 :]] >= threshold])
    names = data.items
    itemsets = [tuple(sorted(names[list(s)])) for s in found_sets]
    frame = pd.DataFrame({"itemsets": itemsets, "count": found_counts})
    frame["support"] = frame["count"] / float(n)
    return frame.sort_values(["count", "itemsets"], ascending=[False, True], ignore_index=True)


def min_count(min_support: float, n: int) -> int:
    """Return the least count whose support (count / n, in floating point) reaches min_support."""
    count = max(int(np.ceil(min_support * n)), 0)
    while count > 0 and (count - 1) / float(n) >= min_support:
        count -= 1
    while count / float(n) < min_support:
        count += 1
    return count


def association_rules(itemsets: pd.DataFrame, min_confidence: float) -> pd.DataFrame:
    """Every rule of every frequent itemset with confidence at least ``min_confidence``."""
    support = dict(zip(itemsets["itemsets"], itemsets["support"], strict=True))
    rows: list[tuple[Any, ...]] = []
    for itemset, both in support.items():
        size = len(itemset)
        for k in range(1, size):
            for antecedent in combinations(itemset, k):
                consequent = tuple(i for i in itemset if i not in antecedent)
                confidence = both / support[antecedent]
                if confidence >= min_confidence:
                    rows.append((antecedent, consequent, both, confidence, support[consequent]))
    frame = pd.DataFrame(
        rows, columns=["antecedents", "consequents", "support", "confidence", "c_support"]
    )
    frame["lift"] = frame["confidence"] / frame["c_support"]
    frame["antecedent support"] = frame["support"] / frame["confidence"]
    frame["consequent support"] = frame.pop("c_support")
    frame["leverage"] = frame["support"] - frame["antecedent support"] * frame["consequent support"]
    return frame.sort_values(
        ["lift", "confidence", "antecedents", "consequents"],
        ascending=[False, False, True, True],
        ignore_index=True,
    )


def mine(
    basket_ids: pd.Series | np.ndarray,
    items: pd.Series | np.ndarray,
    min_support: float,
    min_confidence: float,
    max_len: int | None = None,
) -> Mined:
    """Frequent itemsets (FP-growth) and association rules of the baskets.

    Each row of ``basket_ids``/``items`` is one item in one basket. Bad thresholds raise
    :class:`~kehu.insight.errors.InputError` naming the option.
    """
    check_thresholds(min_support, min_confidence, max_len)
    data = basket_data(basket_ids, items, min_support)
    itemsets = frequent_itemsets(data, min_support, max_len)
    return Mined(itemsets, association_rules(itemsets, min_confidence), data.baskets)


def check_thresholds(min_support: float, min_confidence: float, max_len: int | None) -> None:
    """Raise :class:`~kehu.insight.errors.InputError` naming the option out of range."""
    if not 0 < min_support <= 1:
        raise InputError(f"--min-support must be in (0, 1], got {min_support}")
    if not 0 <= min_confidence <= 1:
        raise InputError(f"--min-confidence must be in [0, 1], got {min_confidence}")
    if max_len is not None and max_len < 1:
        raise InputError(f"--max-len must be at least 1, got {max_len}")


def check_separator(separator: str) -> None:
    """Raise :class:`~kehu.insight.errors.InputError` for an empty item separator."""
    if not separator:
        raise InputError("--separator must be one or more characters, e.g. ',' or ';'")


def read_baskets(
    path: str | Path,
    basket_col: str | None = None,
    item_col: str | None = None,
    one_per_line: bool = False,
    separator: str = ",",
    encoding: str | None = None,
) -> tuple[pd.Series, pd.Series, int]:
    """Read (basket id, item) pairs from a table or a basket-per-line file.

    (basket id, item) per line from a table, or from a file with one basket per
    line (items split by ``separator``, each trimmed of white space and of one pair of
    double quotes around it; the line number is the basket; empty lines are no basket),
    and how many rows were skipped for a blank basket or item. Text is read in
    ``encoding``, or in the one the file's start shows (UTF-8, else a guess such as
    GB18030). Whole-number items are read as their digits (``10``, not ``10.0`` where
    the column has a gap).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    name = path.name.lower().removesuffix(".gz")
    text = not name.endswith(".parquet")
    reading = text_encoding(path, encoding) if text else None
    if one_per_line:
        check_separator(separator)
        lines = _decoded(
            path,
            reading,
            lambda: pd.read_csv(
                path,
                header=None,
                names=["line"],
                sep="\x01",
                dtype=str,
                quoting=csv.QUOTE_NONE,
                encoding=reading,
            ),
        )
        items = lines["line"].str.split(separator, regex=False).explode().str.strip()
        items = items.str.replace(QUOTED, r"\1", regex=True)
        blank = items.isna() | (items == "")
        items = items[~blank]
        return pd.Series(items.index.to_numpy()), pd.Series(items.to_numpy()), int(blank.sum())
    if not basket_col or not item_col:
        raise InputError("give --basket-col and --item-col (or --format basket)")
    columns = [basket_col, item_col]
    try:
        if text:
            frame = _csv_columns(path, columns, str(reading))
        else:
            frame = _parquet_columns(path, columns)
    except InputError:
        raise
    except (ValueError, KeyError) as e:
        raise InputError(f"{path}: {e}") from e
    frame = frame.replace("", np.nan)
    complete = frame.dropna()
    return complete[basket_col], complete[item_col], len(frame) - len(complete)


def _decoded(path: Path, encoding: str | None, read: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """Return ``read()``; text that is not ``encoding`` is an :class:`InputError` saying so."""
    try:
        return read()
    except UnicodeDecodeError:
        raise undecodable(str(path), str(encoding)) from None


def _csv_columns(path: Path, columns: list[str], encoding: str) -> pd.DataFrame:
    """Read ``columns`` of a CSV file (RFC 4180) as text, every line checked whole.

    A line with more cells than the header is refused (an unquoted ``1,234.50`` would
    shift the item into the next column; pandas, asked for some columns only, lets such
    a line through); a line with fewer reads the missing cells as empty. Arrow's reader
    reads the common file; one it refuses (a short line, a value longer than its block)
    is read whole by pandas, whose errors name the line. The delimiter is sniffed as
    the CRM's import sniffs it; a UTF-8 byte-order mark is dropped.
    """
    delimiter = sniff_delimiter(text_sample(path, encoding))
    read = pacsv.ReadOptions(encoding="utf8" if encoding == "utf-8" else encoding)
    parse = pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True)
    convert = pacsv.ConvertOptions(
        include_columns=columns,
        column_types=dict.fromkeys(columns, pa.string()),
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    try:
        table = pacsv.read_csv(
            path, read_options=read, parse_options=parse, convert_options=convert
        )
    except UnicodeDecodeError:
        raise undecodable(str(path), encoding) from None
    except pa.ArrowInvalid as e:
        if "invalid UTF8" in str(e):
            raise undecodable(str(path), encoding) from None
        return _whole_csv(path, columns, encoding, delimiter)
    except KeyError:  # a column not in the file: named by the whole read
        return _whole_csv(path, columns, encoding, delimiter)
    frame: pd.DataFrame = table.to_pandas()
    return frame


def _whole_csv(path: Path, columns: list[str], encoding: str, delimiter: str) -> pd.DataFrame:
    """Read every column of a CSV file with pandas, then ``columns`` of it."""
    whole = _decoded(
        path,
        encoding,
        lambda: pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            sep=delimiter,
            encoding="utf-8-sig" if encoding == "utf-8" else encoding,
        ),
    )
    missing = [c for c in columns if c not in whole.columns]
    if missing:
        raise InputError(f"{path}: no column {missing[0]!r}; the columns are {list(whole.columns)}")
    return whole[columns].fillna("")


def _parquet_columns(path: Path, columns: list[str]) -> pd.DataFrame:
    """Read ``columns`` of a Parquet file, whole numbers as their digits.

    pandas would make an integer column with a gap floats (``10.0``); Spark, which
    mines the same file with ``--engine spark``, writes ``10``.
    """
    table = pq.read_table(path, columns=columns)
    for i, field in enumerate(table.schema):
        if pa.types.is_integer(field.type):
            table = table.set_column(i, field.name, pc.cast(table.column(i), pa.string()))
    # pandas' metadata of the file would turn the digits back into its integer type
    frame: pd.DataFrame = table.replace_schema_metadata(None).to_pandas()
    return frame


def write_mined(mined: Mined, out: str | Path) -> Path:
    """Write the rules and the itemsets as Parquet files.

    ``rules.parquet`` (antecedents, consequents as item lists; support, confidence,
    lift, antecedent/consequent support, leverage) and ``itemsets.parquet``.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rules = mined.rules.copy()
    for column in ("antecedents", "consequents"):
        rules[column] = rules[column].map(list)
    pq.write_table(pa.Table.from_pandas(rules, preserve_index=False), out / "rules.parquet")
    itemsets = mined.itemsets.copy()
    itemsets["itemsets"] = itemsets["itemsets"].map(list)
    pq.write_table(pa.Table.from_pandas(itemsets, preserve_index=False), out / "itemsets.parquet")
    return out
