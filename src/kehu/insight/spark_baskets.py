"""What sells together, counted on a Spark cluster: `kehu baskets --engine spark`.

The baskets are read, deduplicated and counted where the data is: Spark reads the file,
gathers each basket's distinct items, and Spark ML's FP-growth (Li et al. 2008, "PFP:
parallel FP-growth for query recommendation") finds the frequent itemsets on the
workers. Only the frequent itemsets come back to this process, which derives the
association rules from them (:func:`kehu.insight.baskets.association_rules`: every
split into antecedents and consequents, as mlxtend; Spark's own rules keep single-item
consequents only). The result equals :func:`kehu.insight.baskets.mine` on the same
file and thresholds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from kehu.insight.baskets import (
    QUOTED,
    Mined,
    association_rules,
    check_separator,
    check_thresholds,
    min_count,
)
from kehu.insight.engine import QueryError, SparkEngine, java_message
from kehu.insight.errors import InputError, InsightError
from kehu.insight.text_encoding import text_encoding, undecodable

__all__ = ["SparkBaskets", "mine_on_spark"]

#: The view of the input's rows on the Spark session.
LINES = "kehu_basket_lines"


@dataclass
class SparkBaskets:
    """What Spark mined, and how many input lines it read and skipped (blank)."""

    mined: Mined
    lines: int
    skipped: int


def mine_on_spark(
    engine: SparkEngine,
    path: str | Path,
    min_support: float,
    min_confidence: float,
    max_len: int | None = None,
    *,
    basket_col: str | None = None,
    item_col: str | None = None,
    one_per_line: bool = False,
    separator: str = ",",
    encoding: str | None = None,
) -> SparkBaskets:
    """Mine the baskets of ``path`` on ``engine``'s cluster.

    ``path`` as :func:`kehu.insight.baskets.read_baskets` reads it: a table (CSV or
    Parquet) with ``basket_col`` and ``item_col``, or with ``one_per_line`` a text file
    of one basket per line, items split by ``separator``. A line without a basket id or
    an item (empty or missing) is skipped and counted; an item repeated in a basket
    counts once. Text is read in ``encoding``, or in the one the file's start shows;
    Spark puts U+FFFD for bytes that are not that encoding, and a line holding one
    refuses the file (pandas refuses it locally).

    Spark ML's FP-growth has no length limit: ``max_len`` drops the longer itemsets
    after they are found, so it bounds the output, not the work.
    """
    check_thresholds(min_support, min_confidence, max_len)
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    text = not path.name.lower().removesuffix(".gz").endswith(".parquet")
    if one_per_line:
        check_separator(separator)
    reading = text_encoding(path, encoding) if text else None
    try:
        lines = _lines(engine, path, basket_col, item_col, one_per_line, separator, reading)
        return _mine(min_support, min_confidence, max_len, lines, path, reading)
    except InsightError:
        raise
    except Exception as e:  # pyspark and py4j raise several unrelated types
        reason = java_message(e)
        raise QueryError("counting baskets on Spark", reason, f"the baskets of {path}") from e


def _mine(
    min_support: float,
    min_confidence: float,
    max_len: int | None,
    lines: Any,
    path: Path,
    encoding: str | None,
) -> SparkBaskets:
    from pyspark.ml.fpm import FPGrowth
    from pyspark.sql import functions as F

    # one pass over the input: each basket's lines, blank ones and distinct items (a blank
    # basket id's lines land in one group of their own, all of them blank)
    blank = _blank("basket") | _blank("item")
    grouped = (
        lines.groupBy("basket")
        .agg(
            F.count(F.lit(1)).alias("lines"),
            F.sum(F.when(blank, 1).otherwise(0)).alias("skipped"),
            F.collect_set(F.when(~blank, F.col("item"))).alias("items"),
            F.sum(F.when(_undecoded(), 1).otherwise(0)).alias("undecoded"),
        )
        .localCheckpoint(eager=True)
    )
    counted = grouped.agg(
        F.sum("lines").alias("lines"),
        F.sum("skipped").alias("skipped"),
        F.sum("undecoded").alias("undecoded"),
    )
    totals = counted.first()
    n_lines, skipped = int(totals["lines"] or 0), int(totals["skipped"] or 0)
    if encoding is not None and totals["undecoded"]:
        where = f" ({int(totals['undecoded']):,} lines hold bytes that are not)"
        raise undecodable(str(path), encoding, where)
    baskets = grouped.where(F.size("items") > 0).select("items")
    n = baskets.count()
    if n == 0:
        raise InputError("no baskets: every row lacks a basket id or an item")
    # Spark keeps count >= ceil(minSupport * n); half a basket below the least count
    # that passes the support test as mlxtend makes it keeps exactly that count
    least = min_count(min_support, n)
    found = FPGrowth(itemsCol="items", minSupport=(least - 0.5) / n).fit(baskets).freqItemsets
    if max_len is not None:
        found = found.where(F.size("items") <= max_len)
    itemsets = _itemsets(found.toPandas(), n)
    return SparkBaskets(
        Mined(itemsets, association_rules(itemsets, min_confidence), n), n_lines, skipped
    )


def _lines(
    engine: SparkEngine,
    path: Path,
    basket_col: str | None,
    item_col: str | None,
    one_per_line: bool,
    separator: str,
    encoding: str | None,
) -> Any:
    """Return the input as Spark rows of (``basket``, ``item``) text, blank ones kept."""
    from pyspark.sql import functions as F

    session = engine.session
    if one_per_line:
        # each line whole, in the file's encoding (Spark's text source reads only UTF-8)
        text = (
            session.read.options(
                sep="\x01",
                quote="",
                header=False,
                encoding=engine.charset(encoding or "utf-8"),
                inferSchema=False,
            )
            .schema("value STRING")
            .csv(str(path))
            .where(F.col("value").isNotNull() & (_trimmed("value") != ""))
        )
        baskets = text.select(
            F.monotonically_increasing_id().cast("string").alias("basket"),
            F.split("value", _literal_pattern(separator)).alias("items"),
        )
        lines = baskets.select("basket", F.explode("items").alias("item"))
        return lines.select(
            "basket", F.regexp_replace(_trimmed("item"), QUOTED, "$1").alias("item")
        )
    if not basket_col or not item_col:
        raise InputError("give --basket-col and --item-col (or --format basket)")
    name = path.name.lower().removesuffix(".gz")
    if name.endswith(".parquet"):
        engine.register_parquet(LINES, path)
    else:  # as DuckDB and pandas read a CSV (RFC 4180)
        engine.register_csv(LINES, path, encoding=encoding or "utf-8")
    table = session.table(LINES)
    missing = [c for c in (basket_col, item_col) if c not in table.columns]
    if missing:
        raise InputError(f"{path}: no column {missing[0]!r}; the columns are {table.columns}")
    return table.select(
        F.col(f"`{basket_col}`").cast("string").alias("basket"),
        F.col(f"`{item_col}`").cast("string").alias("item"),
    )


def _blank(column: str) -> Any:
    """Return the test that a line's ``column`` is missing or empty (a skipped line)."""
    from pyspark.sql import functions as F

    return F.col(column).isNull() | (F.col(column) == "")


def _trimmed(column: str) -> Any:
    """Return ``column`` without white space around it, as Python's ``str.strip`` takes it.

    Unicode's white space and the four separator controls (Spark's ``trim`` takes spaces
    only, so a line of a tab would have been a basket).
    """
    from pyspark.sql import functions as F

    return F.regexp_replace(column, r"(?U)^[\s\x1c-\x1f]+|[\s\x1c-\x1f]+$", "")


def _undecoded() -> Any:
    """Return the test that a line holds U+FFFD, Spark's mark for bytes it could not decode."""
    from pyspark.sql import functions as F

    mark = "\ufffd"
    return F.coalesce(F.instr("basket", mark) > 0, F.lit(False)) | F.coalesce(
        F.instr("item", mark) > 0, F.lit(False)
    )


def _literal_pattern(separator: str) -> str:
    """Spark's ``split`` takes a regular expression: the separator, quoted."""
    return "".join(f"\\{ch}" if not ch.isalnum() else ch for ch in separator)


def _itemsets(found: pd.DataFrame, n: int) -> pd.DataFrame:
    """Spark's frequent itemsets as :func:`kehu.insight.baskets.frequent_itemsets` gives them."""
    frame = pd.DataFrame(
        {
            "itemsets": [tuple(sorted(items)) for items in found["items"]],
            "count": found["freq"].astype("int64").to_numpy(),
        }
    )
    frame["support"] = frame["count"] / float(n)
    return frame.sort_values(["count", "itemsets"], ascending=[False, True], ignore_index=True)
