"""The cube the pivot explorer reads: its measures, levels and hierarchies.

The star schema (written by the CRM's warehouse build) has a fact of order lines,
``fact_sales``, and the same summed per order, ``fact_orders`` (a pivot without a
product level reads it: a third fewer rows, and an order is one row), around the
dimensions: the customer as they were when they ordered (``dim_customer``, one row
per version), the product and its category (``dim_product``), the salesperson
(``dim_salesperson``), the date (``dim_date``) and the channel (``dim_channel``).
For speed the facts also carry the customer's region, city, tier and segment of the
day and the product's category, so a pivot reads one table and joins a dimension
only to name the few members it returns. A :class:`Measure` is an aggregate over a
fact; a :class:`Level` is what the cells are grouped or filtered by.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The label of a member the store does not know (a customer without a region).
NONE_MEMBER = "(none)"
#: The row that sums the members outside the top N.
OTHER_MEMBER = "Other"

FACT = "fact_sales"
#: Every table of the star schema: the fact tables, then the dimensions.
TABLES = (
    "fact_sales",
    "fact_orders",
    "fact_returns",
    "fact_payments",
    "fact_invoices",
    "fact_interactions",
    "fact_tickets",
    "dim_date",
    "dim_customer",
    "dim_product",
    "dim_salesperson",
    "dim_channel",
)
#: The tables a pivot needs; the others are there for other readers (BI tools, reports).
REQUIRED_TABLES = ("fact_sales", "fact_orders", "dim_customer", "dim_product", "dim_salesperson")


@dataclass(frozen=True)
class Measure:
    """An aggregate of the sales fact.

    Parameters
    ----------
    key : str
        Its name in a query and in the result's columns.
    label : str
        Its English label (a caller translates by ``key``).
    kind : str
        ``"money"``, ``"count"`` or ``"ratio"``: how to show it.
    description : str
        What it counts, in one sentence.
    """

    key: str
    label: str
    kind: str
    description: str


@dataclass(frozen=True)
class Level:
    """A column the cells can be grouped or filtered by.

    Parameters
    ----------
    key : str
        Its name in a query and in the result's columns.
    label : str
        Its English label (a caller translates by ``key``).
    dimension : str
        ``"date"``, ``"customer"``, ``"product"``, ``"channel"`` or ``"salesperson"``.
    hierarchy : str or None
        The key of the :data:`HIERARCHIES` entry it belongs to.
    """

    key: str
    label: str
    dimension: str
    hierarchy: str | None = None


MEASURES: dict[str, Measure] = {
    m.key: m
    for m in (
        Measure("net_sales", "Net sales", "money", "Sales less returns (line totals)."),
        Measure(
            "margin",
            "Margin",
            "money",
            "Net sales less the cost of the goods, on lines whose product cost is known.",
        ),
        Measure("orders", "Orders", "count", "Sale orders (returns not counted)."),
        Measure("customers", "Customers", "count", "Customers who bought."),
        Measure(
            "new_customers",
            "New customers",
            "count",
            "Customers whose first purchase ever falls in the period.",
        ),
        Measure(
            "repeat_customers",
            "Repeat customers",
            "count",
            "Customers who bought in the period and before it.",
        ),
        Measure("returns", "Returns", "money", "The value of goods returned (positive)."),
        Measure("average_order", "Average order", "money", "Sales (before returns) per order."),
    )
}

LEVELS: dict[str, Level] = {
    level.key: level
    for level in (
        Level("year", "Year", "date", "date"),
        Level("quarter", "Quarter", "date", "date"),
        Level("month", "Month", "date", "date"),
        Level("day", "Day", "date", "date"),
        Level("region", "Region", "customer", "geography"),
        Level("city", "City", "customer", "geography"),
        Level("category", "Category", "product", "product"),
        Level("product", "Product", "product", "product"),
        Level("customer", "Customer", "customer"),
        Level("tier", "Tier", "customer"),
        Level("segment", "Segment", "customer"),
        Level("channel", "Channel", "channel"),
        Level("salesperson", "Salesperson", "salesperson"),
    )
}

HIERARCHIES: dict[str, tuple[str, ...]] = {
    "date": ("year", "quarter", "month", "day"),
    "geography": ("region", "city"),
    "product": ("category", "product"),
}

#: DATE_TRUNC's unit for each date level: where its period starts.
DATE_UNITS = {"year": "year", "quarter": "quarter", "month": "month", "day": "day"}


def drill_down(level: str) -> str | None:
    """Return the next finer level of ``level``'s hierarchy (None at the finest or outside one).

    Examples
    --------
    >>> drill_down("year"), drill_down("region"), drill_down("day"), drill_down("channel")
    ('quarter', 'city', None, None)
    """
    return _step(level, +1)


def drill_up(level: str) -> str | None:
    """Return the next coarser level of ``level``'s hierarchy (None at the top or outside one).

    Examples
    --------
    >>> drill_up("month"), drill_up("product"), drill_up("year")
    ('quarter', 'category', None)
    """
    return _step(level, -1)


def _step(level: str, by: int) -> str | None:
    found = LEVELS.get(level)
    if found is None or found.hierarchy is None:
        return None
    chain = HIERARCHIES[found.hierarchy]
    at = chain.index(level) + by
    return chain[at] if 0 <= at < len(chain) else None
