"""OLAP on the sales warehouse: pivots of measures by levels, with drill, YoY, top N, share.

The warehouse is a Parquet star schema (the CRM writes it: ``kehu warehouse build``);
:func:`register_warehouse` makes it readable on an :class:`~kehu.insight.engine.Engine`
(DuckDB, or Spark: the SQL is the same), :func:`run_pivot` answers a
:class:`PivotQuery`, :func:`members` lists a level's members for a filter picker.
"""

from kehu.insight.olap.model import (
    HIERARCHIES,
    LEVELS,
    MEASURES,
    NONE_MEMBER,
    OTHER_MEMBER,
    TABLES,
    Level,
    Measure,
    drill_down,
    drill_up,
)
from kehu.insight.olap.query import PivotError, PivotQuery
from kehu.insight.olap.run import (
    PivotResult,
    WarehouseError,
    date_span,
    idle_products,
    members,
    register_warehouse,
    run_pivot,
)

__all__ = [
    "HIERARCHIES",
    "LEVELS",
    "MEASURES",
    "NONE_MEMBER",
    "OTHER_MEMBER",
    "TABLES",
    "Level",
    "Measure",
    "PivotError",
    "PivotQuery",
    "PivotResult",
    "WarehouseError",
    "date_span",
    "drill_down",
    "drill_up",
    "idle_products",
    "members",
    "register_warehouse",
    "run_pivot",
]
