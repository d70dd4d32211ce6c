"""The SQL of a pivot, built by pure functions in DuckDB's dialect (Spark's by SQLGlot).

A member is user input: it enters the SQL only as a string literal written by
:func:`sql_string`, which doubles every quote (and SQLGlot rewrites the literal in
Spark's escaping), so no member can end the literal early.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from kehu.insight.olap.model import (
    DATE_UNITS,
    FACT,
    JOINS,
    LEVELS,
    NONE_MEMBER,
    OTHER_MEMBER,
)
from kehu.insight.olap.query import PivotQuery

#: The most cells one pivot returns; more asks the user for a filter or a top N.
MAX_CELLS = 20_000
#: Where "every purchase is in the period" starts when no date bounds the period.
DAWN = date(1, 1, 1)
DATE_COLUMN = "f.date"
FIRST_PURCHASE_COLUMN = "f.first_purchase"


def sql_string(value: str) -> str:
    """Return ``value`` as a SQL string literal, every quote doubled.

    Examples
    --------
    >>> print(sql_string("O'Brien"))
    'O''Brien'
    """
    if "\x00" in value:
        raise ValueError("a SQL string cannot hold a NUL character")
    return "'" + value.replace("'", "''") + "'"


def date_literal(day: date) -> str:
    """Return ``day`` as a SQL date literal.

    Examples
    --------
    >>> date_literal(date(2024, 2, 29))
    "DATE '2024-02-29'"
    """
    return f"DATE '{day.isoformat()}'"


def shifted(expression: str, years: int) -> str:
    """Return the date ``expression`` moved ``years`` later (0: as it is).

    Examples
    --------
    >>> shifted("f.date", 1)
    'CAST(f.date + INTERVAL 1 YEAR AS DATE)'
    """
    return expression if years == 0 else f"CAST({expression} + INTERVAL {years} YEAR AS DATE)"


def year_earlier(day: date) -> date:
    """Return the same day a year earlier (28 February for 29 February).

    Examples
    --------
    >>> year_earlier(date(2024, 2, 29)), year_earlier(date(2024, 3, 1))
    (datetime.date(2023, 2, 28), datetime.date(2023, 3, 1))
    """
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def _known(text: str) -> str:
    return f"COALESCE(NULLIF({text}, ''), {sql_string(NONE_MEMBER)})"


def level_sql(level: str, day: str = DATE_COLUMN) -> str:
    """Return the SQL of ``level``'s member (text) for a fact row; ``day`` is its date.

    Examples
    --------
    >>> level_sql("month")
    "STRFTIME(f.date, '%Y-%m')"
    >>> level_sql("region")
    "COALESCE(NULLIF(c.region, ''), '(none)')"
    """
    expressions = {
        "year": f"STRFTIME({day}, '%Y')",
        "quarter": f"STRFTIME({day}, '%Y') || '-Q' || CAST(QUARTER({day}) AS VARCHAR)",
        "month": f"STRFTIME({day}, '%Y-%m')",
        "day": f"STRFTIME({day}, '%Y-%m-%d')",
        "region": _known("c.region"),
        "city": _known("c.city"),
        "customer": _known("c.customer"),
        "tier": _known("c.tier"),
        "segment": _known("c.segment"),
        "category": _known("p.category"),
        "product": _known("p.product"),
        "channel": _known("f.channel"),
        "salesperson": _known("s.salesperson"),
    }
    return expressions[level]


def measure_sql(key: str, period_start: str) -> str:
    """Return the aggregate of measure ``key`` over the pivot's base rows.

    ``period_start`` is the SQL of the first day of each row's period: a customer
    whose first purchase is on or after it is new there, one before it repeats.

    Examples
    --------
    >>> measure_sql("orders", "DATE '2024-01-01'")
    'COUNT(DISTINCT CASE WHEN NOT is_return THEN order_id END)'
    """
    orders = "COUNT(DISTINCT CASE WHEN NOT is_return THEN order_id END)"
    expressions = {
        "net_sales": "SUM(net_sales)",
        "margin": "SUM(margin)",
        "orders": orders,
        "customers": "COUNT(DISTINCT CASE WHEN NOT is_return THEN customer_id END)",
        "new_customers": (
            "COUNT(DISTINCT CASE WHEN NOT is_return AND first_purchase >= "
            f"{period_start} THEN customer_id END)"
        ),
        "repeat_customers": (
            "COUNT(DISTINCT CASE WHEN NOT is_return AND first_purchase < "
            f"{period_start} THEN customer_id END)"
        ),
        "returns": "SUM(CASE WHEN is_return THEN -net_sales ELSE 0 END)",
        "average_order": (f"SUM(CASE WHEN NOT is_return THEN net_sales END) / NULLIF({orders}, 0)"),
    }
    return expressions[key]


def period_start_sql(levels: Sequence[str], date_from: date | None) -> str:
    """Return the SQL of the first day of a group's period (see :func:`measure_sql`).

    The period of a group is the member of its finest date level (a month of the
    rows), within the date range; with no date level, the date range itself.

    Examples
    --------
    >>> period_start_sql(["region", "month"], None)
    "CAST(DATE_TRUNC('month', fact_day) AS DATE)"
    >>> period_start_sql(["region"], date(2024, 1, 1))
    "DATE '2024-01-01'"
    """
    finest = [k for k in LEVELS if k in levels and k in DATE_UNITS][-1:]
    start = date_literal(date_from or DAWN)
    if not finest:
        return start
    truncated = f"CAST(DATE_TRUNC('{DATE_UNITS[finest[0]]}', fact_day) AS DATE)"
    return f"GREATEST({truncated}, {start})" if date_from else truncated


def _key(level: str) -> str:
    return f"k_{level}"


def _needed_levels(query: PivotQuery) -> list[str]:
    return list(dict.fromkeys([*query.rows, *query.columns]))


def filter_sql(filters: Mapping[str, Sequence[str]], day: str) -> list[str]:
    """Return one condition per filtered level: its member among those kept.

    Examples
    --------
    >>> filter_sql({"region": ["North", "O'Hara"]}, "f.date")
    ["COALESCE(NULLIF(c.region, ''), '(none)') IN ('North', 'O''Hara')"]
    """
    return [
        f"{level_sql(level, day)} IN ({', '.join(sql_string(m) for m in members)})"
        for level, members in filters.items()
    ]


def joins_sql(levels: Sequence[str]) -> str:
    """Return the joins of the dimensions ``levels`` read, in a fixed order."""
    dimensions = {LEVELS[level].dimension for level in levels}
    return " ".join(join for name, join in JOINS.items() if name in dimensions)


def base_sql(query: PivotQuery, years_back: int = 0, *, extra_levels: Sequence[str] = ()) -> str:
    """Return the fact rows a pivot aggregates, one per order line, with their members.

    ``years_back`` = 1 reads the year before the query's dates, its dates moved a
    year later, so that its members (2023-03 read as 2024-03) line up with the
    current year's cells.
    """
    day = shifted(DATE_COLUMN, years_back)
    levels = list(dict.fromkeys([*_needed_levels(query), *extra_levels]))
    keys = [f"{level_sql(level, day)} AS {_key(level)}" for level in levels]
    conditions = filter_sql(query.filters, day)
    for bound, operator in ((query.date_from, ">="), (query.date_to, "<=")):
        if bound is not None:
            moved = year_earlier(bound) if years_back else bound
            conditions.append(f"{DATE_COLUMN} {operator} {date_literal(moved)}")
    columns = ", ".join(
        [
            *keys,
            f"{day} AS fact_day",
            f"{shifted(FIRST_PURCHASE_COLUMN, years_back)} AS first_purchase",
            "f.order_id",
            "f.customer_id",
            "f.is_return",
            "f.net_sales",
            "f.margin",
        ]
    )
    joins = joins_sql([*levels, *query.filters])
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    return f"SELECT {columns} FROM {FACT} f {joins}{where}".replace("  ", " ")


@dataclass(frozen=True)
class Grouping:
    """One set of group keys of a pivot: its name, levels, and whether it sees the top N only."""

    name: str
    levels: tuple[str, ...]
    source: str


def groupings(query: PivotQuery) -> list[Grouping]:
    """Return the cells, row totals, column totals and grand total a pivot computes.

    The cells and the row totals read the rows kept by the top N (with "Other");
    the column totals and the grand total read every row the filters keep, so that a
    share is a share of everything.

    Examples
    --------
    >>> [g.name for g in groupings(PivotQuery(("orders",), ("year",), ("channel",)))]
    ['cells', 'rows', 'columns', 'total']
    >>> [g.name for g in groupings(PivotQuery(("orders",), ("year",)))]
    ['cells', 'total']
    """
    shown = "shown" if query.top_n else "base"
    out = [Grouping("cells", (*query.rows, *query.columns), shown)]
    if query.rows and query.columns:
        out.append(Grouping("rows", query.rows, shown))
        out.append(Grouping("columns", query.columns, "base"))
    if query.rows or query.columns:
        out.append(Grouping("total", (), "base"))
    return out


def _grouping_sql(query: PivotQuery, grouping: Grouping) -> str:
    every = _needed_levels(query)
    keys = [
        _key(level) if level in grouping.levels else f"CAST(NULL AS VARCHAR) AS {_key(level)}"
        for level in every
    ]
    start = period_start_sql(grouping.levels, query.date_from)
    measures = [f"{measure_sql(key, start)} AS {key}" for key in query.measures]
    select = ", ".join([f"'{grouping.name}' AS grouping_set", *keys, *measures])
    group_by = f" GROUP BY {', '.join(_key(k) for k in grouping.levels)}" if grouping.levels else ""
    sql = f"SELECT {select} FROM {grouping.source}{group_by}"
    if grouping.name == "cells":
        sql = f"SELECT * FROM ({sql} LIMIT {MAX_CELLS + 1}) AS limited"
    return sql


def _top_sql(query: PivotQuery, source: str) -> str:
    rows = ", ".join(_key(k) for k in query.rows)
    rank = measure_sql(query.ranking_measure, period_start_sql(query.rows, query.date_from))
    return (
        f"SELECT {rows} FROM {source} GROUP BY {rows} "
        f"ORDER BY {rank} DESC NULLS LAST, {rows} LIMIT {query.top_n}"
    )


def _shown_sql(query: PivotQuery) -> str:
    on = " AND ".join(f"b.{_key(k)} = t.{_key(k)}" for k in query.rows)
    first = _key(query.rows[0])
    if query.other:
        rows = [
            f"CASE WHEN t.{first} IS NULL THEN {sql_string(OTHER_MEMBER)} "
            f"ELSE b.{_key(k)} END AS {_key(k)}"
            for k in query.rows
        ]
        join = "LEFT JOIN"
    else:
        rows, join = [f"b.{_key(k)}" for k in query.rows], "JOIN"
    rest = [f"b.{_key(k)}" for k in query.columns]
    facts = ["b.fact_day", "b.first_purchase", "b.order_id", "b.customer_id", "b.is_return"]
    columns = ", ".join([*rows, *rest, *facts, "b.net_sales", "b.margin"])
    return f"SELECT {columns} FROM base b {join} top t ON {on}"


def pivot_sql(query: PivotQuery, years_back: int = 0) -> str:
    """Return the SQL of a pivot's cells and totals, one row per group.

    A column ``grouping_set`` says which of :func:`groupings` a row belongs to; a key
    column not in its grouping is NULL (members never are). ``years_back`` = 1 gives
    the same groups a year earlier; its top N is still chosen on the current year.

    Examples
    --------
    >>> sql = pivot_sql(PivotQuery(("net_sales",), ("year",), filters={"channel": ["web"]}))
    >>> "f.channel, ''), '(none)') IN ('web')" in sql
    True
    """
    ctes = [f"base AS ({base_sql(query, years_back)})"]
    if query.top_n:
        if years_back:
            ctes.append(f"current_base AS ({base_sql(query)})")
        ctes.append(f"top AS ({_top_sql(query, 'current_base' if years_back else 'base')})")
        ctes.append(f"shown AS ({_shown_sql(query)})")
    parts = " UNION ALL ".join(_grouping_sql(query, g) for g in groupings(query))
    return f"WITH {', '.join(ctes)} {parts}"


def members_sql(
    level: str, filters: Mapping[str, Sequence[str]], search: str | None, limit: int
) -> str:
    """Return the SQL of ``level``'s members among the facts ``filters`` keep, in order.

    Examples
    --------
    >>> print(members_sql("region", {}, "nor", 50))  # doctest: +NORMALIZE_WHITESPACE
    SELECT DISTINCT COALESCE(NULLIF(c.region, ''), '(none)') AS member FROM fact_sales f
    LEFT JOIN dim_customer c ON c.customer_key = f.customer_key WHERE
    COALESCE(NULLIF(c.region, ''), '(none)') ILIKE '%nor%' ORDER BY member LIMIT 50
    """
    member = level_sql(level)
    conditions = filter_sql({k: v for k, v in filters.items() if k != level}, DATE_COLUMN)
    if search:
        escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(f"{member} ILIKE {sql_string('%' + escaped + '%')}")
    joins = joins_sql([level, *filters])
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    return (
        f"SELECT DISTINCT {member} AS member FROM {FACT} f {joins}{where} "
        f"ORDER BY member LIMIT {int(limit)}"
    ).replace("  ", " ")


def idle_products_sql(as_of: date, days: int) -> str:
    """Return the SQL of the active products with no sale in the ``days`` before ``as_of``.

    One row per product: its category, the day of its last sale (NULL: never sold)
    and the days since, oldest first.
    """
    since = date_literal(as_of - timedelta(days=days))
    return (
        "SELECT p.product, COALESCE(NULLIF(p.category, ''), "
        f"{sql_string(NONE_MEMBER)}) AS category, last.last_sold, "
        f"DATEDIFF('day', last.last_sold, {date_literal(as_of)}) AS days_since "
        "FROM dim_product p LEFT JOIN (SELECT product_id, MAX(date) AS last_sold "
        f"FROM {FACT} WHERE NOT is_return AND date <= {date_literal(as_of)} "
        "GROUP BY product_id) last ON last.product_id = p.product_id "
        f"WHERE p.is_active AND (last.last_sold IS NULL OR last.last_sold < {since}) "
        "ORDER BY last.last_sold NULLS FIRST, p.product"
    )
