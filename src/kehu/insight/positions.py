"""Ranks and running totals over every customer on a cluster, with no single task holding all.

A window ordered over the whole table (``ROW_NUMBER() OVER (ORDER BY x)``) makes Spark
move every row to one task: at a million customers that was half the time of
``kehu analyze --engine spark``, and it does not scale out. Here the table is sorted
across the cluster instead, in consecutive ranges (:meth:`SparkEngine.sort_positions`);
each row knows its place in its range, and the driver adds up the sizes of the ranges
before it. That is the row's rank among all, exactly as ``ROW_NUMBER`` gives it. A
running total works the same way, with each range's sum.
"""

from __future__ import annotations

import pandas as pd

from kehu.insight.engine import SparkEngine

SORTED = "kehu_sorted"
OFFSETS = "kehu_offsets"


def with_position(
    engine: SparkEngine, name: str, source: str, order_by: str, running: str | None = None
) -> None:
    """Materialise ``name``: ``source`` with ``position``, each row's 1-based rank in ``order_by``.

    With ``running`` (a column), also ``running_total``: that column summed over the rows
    up to this one, in the same order. ``order_by`` should end with a unique column
    (``customer_id``) where ties must be broken the same way every time.
    """
    engine.sort_positions(SORTED, source, order_by)
    per_part = f", SUM({running}) AS part_sum" if running else ""
    parts = (
        engine.query(
            f"SELECT _part, COUNT(*) AS n{per_part} FROM {SORTED} GROUP BY _part", "partitions"
        )
        .to_pandas()
        .sort_values("_part")
    )
    offsets = pd.DataFrame(
        {"_part": parts["_part"].astype("int64"), "row_offset": parts["n"].cumsum() - parts["n"]}
    )
    running_sql = ""
    if running:
        offsets["sum_offset"] = (parts["part_sum"].cumsum() - parts["part_sum"]).to_numpy()
        running_sql = (
            f", o.sum_offset + SUM(s.{running}) OVER (PARTITION BY s._part ORDER BY s._pos "
            "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running_total"
        )
    engine.register_table(OFFSETS, offsets)
    kept = ", ".join(f"s.{c}" for c in engine.columns(SORTED) if c not in ("_part", "_pos"))
    engine.materialize(
        name,
        f"SELECT {kept}, s._pos + o.row_offset + 1 AS position{running_sql} "
        f"FROM {SORTED} s JOIN {OFFSETS} o ON s._part = o._part",
    )
    engine.drop(SORTED)
