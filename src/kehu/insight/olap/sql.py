"""The SQL of a pivot, built by pure functions in DuckDB's dialect (Spark's by SQLGlot).

A pivot groups the facts by cheap keys (a date level by ``DATE_TRUNC`` of the day, a
customer by its id, a region by the fact's own column) in one pass over the fact with
``GROUPING SETS`` (the cells, the row and column totals and the grand total at once),
and only then turns the keys into the members a user reads (``2024-03``,
``Ann (A1)``): formatting or joining millions of rows would cost more than the
aggregation. It reads the order fact (one row per order) unless a product level is
asked, when it reads the order-line fact.

A member is user input: it enters the SQL only as a string literal written by
:func:`sql_string`, which doubles every quote (SQLGlot rewrites the literal in Spark's
escaping), or as a date the query parsed itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from kehu.insight.olap.model import DATE_UNITS, LEVELS, NONE_MEMBER, OTHER_MEMBER
from kehu.insight.olap.query import PivotQuery

#: The most cells one pivot returns; more asks the user for a filter or a top N.
MAX_CELLS = 20_000
#: Where "every purchase is in the period" starts when no date bounds the period.
DAWN = date(1, 1, 1)
#: The fact of order lines, and the fact of orders (its lines summed).
LINES, ORDERS = "fact_sales", "fact_orders"
#: Levels only the order-line fact has.
PRODUCT_LEVELS = ("category", "product")
#: The key the rows outside the top N take, per kind of key.
OTHER_KEY: dict[str, object] = {"date": DAWN, "text": "\x1fother", "id": -2}
NO_ID = -1


@dataclass(frozen=True)
class LevelSql:
    """How a level is keyed in the facts and how a key becomes a member.

    ``kind`` is ``date`` (key: the period's first day; member: ``fmt``), ``text`` (the
    fact's column is the member) or ``id`` (key: an id; member: ``label`` of ``table``).
    """

    kind: str
    column: str
    fmt: str = ""
    table: str = ""
    label: str = ""
    current_only: bool = False


LEVEL_SQL: dict[str, LevelSql] = {
    "year": LevelSql("date", "year", "%Y"),
    "quarter": LevelSql("date", "quarter", "%Y-Q"),
    "month": LevelSql("date", "month", "%Y-%m"),
    "day": LevelSql("date", "day", "%Y-%m-%d"),
    "region": LevelSql("text", "region"),
    "city": LevelSql("text", "city"),
    "tier": LevelSql("text", "tier"),
    "segment": LevelSql("text", "segment"),
    "channel": LevelSql("text", "channel"),
    "category": LevelSql("text", "category"),
    "customer": LevelSql(
        "id", "customer_id", table="dim_customer", label="customer", current_only=True
    ),
    "product": LevelSql("id", "product_id", table="dim_product", label="product"),
    "salesperson": LevelSql("id", "salesperson_id", table="dim_salesperson", label="salesperson"),
}


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


def fact_for(query: PivotQuery) -> str:
    """Return the fact a query reads: order lines when it asks a product level, else orders.

    Examples
    --------
    >>> by_month = PivotQuery(("orders",), ("month",))
    >>> fact_for(by_month), fact_for(PivotQuery(("orders",), ("category",)))
    ('fact_orders', 'fact_sales')
    """
    used = {*query.rows, *query.columns, *query.filters}
    return LINES if used & set(PRODUCT_LEVELS) else ORDERS


def key_sql(level: str) -> str:
    """Return the SQL of ``level``'s key for a fact row (alias ``f``).

    Examples
    --------
    >>> key_sql("month"), key_sql("region"), key_sql("salesperson")
    ("DATE_TRUNC('month', f.date)", 'f.region', 'COALESCE(f.salesperson_id, -1)')
    """
    spec = LEVEL_SQL[level]
    if spec.kind == "date":
        return f"DATE_TRUNC('{DATE_UNITS[level]}', f.date)"
    if spec.kind == "id":
        return f"COALESCE(f.{spec.column}, {NO_ID})"
    return f"f.{spec.column}"


def _key(level: str) -> str:
    return f"k_{level}"


def _literal(value: object) -> str:
    if isinstance(value, date):
        return date_literal(value)
    if isinstance(value, str):
        return sql_string(value)
    return str(int(value))  # type: ignore[call-overload]


def member_start(level: str, member: str) -> date | None:
    """Return the first day of a date level's member (None when it is not one).

    Examples
    --------
    >>> member_start("quarter", "2024-Q3"), member_start("month", "2024-02")
    (datetime.date(2024, 7, 1), datetime.date(2024, 2, 1))
    >>> member_start("year", "24") is None
    True
    """
    try:
        if level == "year" and len(member) == 4:
            return date(int(member), 1, 1)
        if level == "quarter" and len(member) == 7 and member[4:6] == "-Q":
            return date(int(member[:4]), 3 * int(member[6]) - 2, 1)
        if level == "month" and len(member) == 7:
            return date(int(member[:4]), int(member[5:]), 1)
        if level == "day":
            return date.fromisoformat(member)
    except ValueError:
        return None
    return None


def filter_sql(level: str, members: Sequence[str], years_back: int = 0) -> str:
    """Return the condition that keeps the facts of ``members`` of ``level``.

    A date level's members are periods (moved ``years_back`` years earlier); a
    customer, product or salesperson is found by its member name in its dimension.
    A date member that is not one of the level's keeps nothing.

    Examples
    --------
    >>> filter_sql("region", ["North", "O'Hara"])
    "f.region IN ('North', 'O''Hara')"
    >>> filter_sql("year", ["2024", "later"], years_back=1)
    "DATE_TRUNC('year', f.date) IN (DATE '2023-01-01')"
    >>> print(filter_sql("product", ["Pear", "(none)"]))
    COALESCE(f.product_id, -1) IN (SELECT product_id FROM dim_product
    WHERE product IN ('Pear', '(none)') UNION ALL SELECT -1)
    """
    spec = LEVEL_SQL[level]
    if spec.kind == "date":
        starts = [member_start(level, m) for m in members]
        moved = [year_earlier(s) if years_back else s for s in starts if s is not None]
        listed = ", ".join(date_literal(s) for s in moved) or "NULL"
        return f"{key_sql(level)} IN ({listed})"
    listed = ", ".join(sql_string(m) for m in members)
    if spec.kind == "text":
        return f"{key_sql(level)} IN ({listed})"
    ids = f"SELECT {spec.column} FROM {spec.table} WHERE {spec.label} IN ({listed})"
    if NONE_MEMBER in members:
        ids += f" UNION ALL SELECT {NO_ID}"
    return f"{key_sql(level)} IN ({ids})"


def _variant(levels: Sequence[str]) -> str:
    finest = [k for k in LEVELS if k in levels and k in DATE_UNITS][-1:]
    return finest[0] if finest else "range"


def period_start_sql(variant: str, date_from: date | None) -> str:
    """Return the SQL of the first day of a group's period, for new and repeat customers.

    The period of a group is its member of the finest date level it has (``variant``,
    its key column), within the date range; with none (``"range"``), the date range.

    Examples
    --------
    >>> period_start_sql("month", None), period_start_sql("range", date(2024, 1, 1))
    ('k_month', "DATE '2024-01-01'")
    >>> period_start_sql("year", date(2024, 3, 1))
    "GREATEST(k_year, DATE '2024-03-01')"
    """
    start = date_literal(date_from or DAWN)
    if variant == "range":
        return start
    return f"GREATEST({_key(variant)}, {start})" if date_from else _key(variant)


def measure_sql(key: str, fact: str, period_start: str = "NULL") -> str:
    """Return the aggregate of measure ``key`` over the pivot's base rows of ``fact``.

    A customer whose first purchase is on or after ``period_start`` is new in the
    group; one before it repeats. On the order fact an order is one row; on the
    order-line fact its lines are counted once.

    Examples
    --------
    >>> measure_sql("orders", "fact_orders")
    'SUM(CASE WHEN NOT is_return THEN 1 ELSE 0 END)'
    >>> measure_sql("orders", "fact_sales")
    'COUNT(DISTINCT CASE WHEN NOT is_return THEN order_id END)'
    """
    if fact == ORDERS:
        orders = "SUM(CASE WHEN NOT is_return THEN 1 ELSE 0 END)"
    else:
        orders = "COUNT(DISTINCT CASE WHEN NOT is_return THEN order_id END)"
    buyer = "COUNT(DISTINCT CASE WHEN NOT is_return{} THEN customer_id END)"
    expressions = {
        "net_sales": "SUM(net_sales)",
        "margin": "SUM(margin)",
        "orders": orders,
        "customers": buyer.format(""),
        "new_customers": buyer.format(f" AND first_purchase >= {period_start}"),
        "repeat_customers": buyer.format(f" AND first_purchase < {period_start}"),
        "returns": "SUM(CASE WHEN is_return THEN -net_sales ELSE 0 END)",
        "average_order": f"SUM(CASE WHEN NOT is_return THEN net_sales END) / NULLIF({orders}, 0)",
    }
    return expressions[key]


def _levels(query: PivotQuery) -> list[str]:
    return [*query.rows, *query.columns]


def base_sql(query: PivotQuery, years_back: int = 0) -> str:
    """Return the fact rows a pivot aggregates with their keys, filtered.

    ``years_back`` = 1 reads the year before the query's dates (its keys are moved a
    year later when they become members, to line up with the current cells).
    """
    conditions = [filter_sql(k, m, years_back) for k, m in query.filters.items()]
    for bound, operator in ((query.date_from, ">="), (query.date_to, "<=")):
        if bound is not None:
            moved = year_earlier(bound) if years_back else bound
            conditions.append(f"f.date {operator} {date_literal(moved)}")
    columns = [f"{key_sql(level)} AS {_key(level)}" for level in _levels(query)]
    columns += ["f.first_purchase", "f.order_id", "f.customer_id", "f.is_return"]
    columns += ["f.net_sales", "f.margin"]
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    return f"SELECT {', '.join(columns)} FROM {fact_for(query)} f{where}"


@dataclass(frozen=True)
class Grouping:
    """One set of group keys of a pivot: its name and levels."""

    name: str
    levels: tuple[str, ...]


def groupings(query: PivotQuery) -> list[Grouping]:
    """Return the cells, row totals, column totals and grand total a pivot computes.

    Examples
    --------
    >>> [g.name for g in groupings(PivotQuery(("orders",), ("year",), ("channel",)))]
    ['cells', 'rows', 'columns', 'total']
    >>> [g.name for g in groupings(PivotQuery(("orders",), ("year",)))]
    ['cells', 'total']
    """
    out = [Grouping("cells", (*query.rows, *query.columns))]
    if query.rows and query.columns:
        out.append(Grouping("rows", query.rows))
        out.append(Grouping("columns", query.columns))
    if query.rows or query.columns:
        out.append(Grouping("total", ()))
    return out


def variants(query: PivotQuery) -> dict[str, str]:
    """Return, per grouping, the period its new and repeat customers are counted in."""
    return {g.name: _variant(g.levels) for g in groupings(query)}


PERIOD_MEASURES = ("new_customers", "repeat_customers")


def _aggregates(query: PivotQuery) -> list[str]:
    fact = fact_for(query)
    out = []
    for key in query.measures:
        if key in PERIOD_MEASURES:
            for variant in dict.fromkeys(variants(query).values()):
                start = period_start_sql(variant, query.date_from)
                out.append(f"{measure_sql(key, fact, start)} AS {key}__{variant}")
        else:
            out.append(f"{measure_sql(key, fact)} AS {key}")
    return out


def top_sql(query: PivotQuery) -> str:
    """Return the SQL of the top N rows' keys, largest ranking measure first."""
    rows = ", ".join(_key(k) for k in query.rows)
    start = period_start_sql(_variant(query.rows), query.date_from)
    rank = measure_sql(query.ranking_measure, fact_for(query), start)
    return (
        f"WITH base AS ({base_sql(query)}) SELECT {rows} FROM base GROUP BY {rows} "
        f"ORDER BY {rank} DESC NULLS LAST, {rows} LIMIT {query.top_n}"
    )


def _shown_sql(query: PivotQuery, top_table: str) -> str:
    on = " AND ".join(f"b.{_key(k)} = t.{_key(k)}" for k in query.rows)
    first = _key(query.rows[0])
    rows = [
        f"CASE WHEN t.{first} IS NULL THEN {_literal(OTHER_KEY[LEVEL_SQL[k].kind])} "
        f"ELSE b.{_key(k)} END AS {_key(k)}"
        for k in query.rows
    ]
    rest = [f"b.{_key(k)}" for k in query.columns]
    facts = ["first_purchase", "order_id", "customer_id", "is_return", "net_sales", "margin"]
    columns = ", ".join([*rows, *rest, *(f"b.{c}" for c in facts)])
    return f"SELECT {columns} FROM base b LEFT JOIN {top_table} t ON {on}"


def _member_sql(level: str, years_back: int) -> tuple[str, str]:
    """Return the member of a key column of the aggregate ``a``, and the join naming it.

    The member is NULL where the group rolled the level up.
    """
    spec, key = LEVEL_SQL[level], f"a.{_key(level)}"
    other = f"WHEN {key} = {_literal(OTHER_KEY[spec.kind])} THEN {sql_string(OTHER_MEMBER)}"
    if spec.kind == "date":
        day = f"{key} + INTERVAL {years_back} YEAR" if years_back else key
        text = f"STRFTIME({day}, '%Y')"
        if level == "quarter":
            text += f" || '-Q' || CAST(QUARTER({day}) AS VARCHAR)"
        elif level != "year":
            text = f"STRFTIME({day}, '{spec.fmt}')"
        return f"CASE WHEN {key} IS NULL THEN NULL {other} ELSE {text} END", ""
    if spec.kind == "text":
        return f"CASE WHEN {key} IS NULL THEN NULL {other} ELSE {key} END", ""
    alias = f"d_{level}"
    names = f"SELECT {spec.column}, {spec.label} FROM {spec.table}"
    if spec.current_only:
        names += " WHERE is_current"
    join = f"LEFT JOIN ({names}) {alias} ON {alias}.{spec.column} = {key}"
    text = f"COALESCE({alias}.{spec.label}, '#' || CAST({key} AS VARCHAR))"
    none = f"WHEN {key} = {NO_ID} THEN {sql_string(NONE_MEMBER)}"
    return f"CASE WHEN {key} IS NULL THEN NULL {other} {none} ELSE {text} END", join


def counts_distinct(query: PivotQuery) -> bool:
    """Return whether a measure of ``query`` counts distinct customers or orders.

    Examples
    --------
    >>> counts_distinct(PivotQuery(("net_sales", "orders"), ("month",)))
    False
    >>> counts_distinct(PivotQuery(("orders",), ("category",)))  # orders among lines
    True
    """
    if set(query.measures) & {"customers", *PERIOD_MEASURES}:
        return True
    return fact_for(query) == LINES and bool(set(query.measures) & {"orders", "average_order"})


def phased_sql(query: PivotQuery, source: str) -> str:
    """Return the aggregate of a query that counts distinct customers or orders.

    Counting distinct values per group is slow at millions of rows, so each grouping
    is summed in phases instead: per group and order (an order is one row of the
    order fact; its lines are gathered on the line fact), then per group and customer
    (did they buy, when first), then per group, where each customer and order is one
    row to count. Columns as :func:`pivot_sql`'s aggregate (``UNION ALL`` of the
    groupings, a level not in a grouping NULL).
    """
    every = _levels(query)
    parts = []
    for grouping in groupings(query):
        keys = [_key(k) for k in grouping.levels]
        lead = "".join(f"{k}, " for k in keys)
        if fact_for(query) == ORDERS:
            orders = (
                f"SELECT {lead}customer_id, order_id, first_purchase AS fp, "
                "NOT is_return AS sale, net_sales AS ns, margin AS mg, "
                "CASE WHEN is_return THEN -net_sales ELSE 0 END AS rt, "
                f"CASE WHEN NOT is_return THEN net_sales END AS sl FROM {source}"
            )
        else:
            orders = (
                f"SELECT {lead}customer_id, order_id, MIN(first_purchase) AS fp, "
                "BOOL_OR(NOT is_return) AS sale, SUM(net_sales) AS ns, SUM(margin) AS mg, "
                "SUM(CASE WHEN is_return THEN -net_sales ELSE 0 END) AS rt, "
                f"SUM(CASE WHEN NOT is_return THEN net_sales END) AS sl FROM {source} "
                f"GROUP BY {lead}customer_id, order_id"
            )
        buyers = (
            f"SELECT {lead}customer_id, MIN(fp) AS fp, BOOL_OR(sale) AS bought, "
            "SUM(CASE WHEN sale THEN 1 ELSE 0 END) AS n_orders, SUM(ns) AS ns, SUM(mg) AS mg, "
            f"SUM(rt) AS rt, SUM(sl) AS sl FROM ({orders}) AS per_order "
            f"GROUP BY {lead}customer_id"
        )
        variant = _variant(grouping.levels)
        start = period_start_sql(variant, query.date_from)
        sums = {
            "net_sales": "SUM(ns)",
            "margin": "SUM(mg)",
            "orders": "SUM(n_orders)",
            "customers": "SUM(CASE WHEN bought THEN 1 ELSE 0 END)",
            "new_customers": f"SUM(CASE WHEN bought AND fp >= {start} THEN 1 ELSE 0 END)",
            "repeat_customers": f"SUM(CASE WHEN bought AND fp < {start} THEN 1 ELSE 0 END)",
            "returns": "SUM(rt)",
            "average_order": "SUM(sl) / NULLIF(SUM(n_orders), 0)",
        }
        columns = [
            _key(k) if k in grouping.levels else f"CAST(NULL AS {_null_type(k)}) AS {_key(k)}"
            for k in every
        ]
        for name in [c.rsplit(" AS ", 1)[1] for c in _aggregates(query)]:
            measure, _sep, its_variant = name.partition("__")
            if its_variant and its_variant != variant:
                columns.append(f"CAST(NULL AS BIGINT) AS {name}")
            else:
                columns.append(f"{sums[measure]} AS {name}")
        group_by = f" GROUP BY {', '.join(keys)}" if keys else ""
        parts.append(f"SELECT {', '.join(columns)} FROM ({buyers}) AS per_buyer{group_by}")
    return " UNION ALL ".join(parts)


def _null_type(level: str) -> str:
    return {"date": "TIMESTAMP", "text": "VARCHAR", "id": "BIGINT"}[LEVEL_SQL[level].kind]


def pivot_sql(query: PivotQuery, years_back: int = 0, top_table: str | None = None) -> str:
    """Return the SQL of a pivot's cells and totals, one row per group.

    The groups of every :func:`groupings` come from one ``GROUPING SETS``; a level's
    column is NULL in a group that does not have it (a key never is). ``years_back``
    = 1 gives the same groups a year earlier. With a top N, ``top_table`` holds the
    keys of the top rows (of the current year); the other rows become "Other".
    New and repeat customers come once per period variant (``<measure>__<variant>``).

    Examples
    --------
    >>> sql = pivot_sql(PivotQuery(("net_sales",), ("year",), filters={"channel": ["web"]}))
    >>> "GROUPING SETS ((k_year), ())" in sql and "f.channel IN ('web')" in sql
    True
    """
    levels = _levels(query)
    source = "base"
    ctes = [f"base AS ({base_sql(query, years_back)})"]
    if query.top_n and top_table:
        ctes.append(f"shown AS ({_shown_sql(query, top_table)})")
        source = "shown"
    if counts_distinct(query):
        ctes.append(f"agg AS ({phased_sql(query, source)})")
    else:
        sets = ", ".join("(" + ", ".join(_key(k) for k in g.levels) + ")" for g in groupings(query))
        keys = [_key(k) for k in levels]
        group_by = f" GROUP BY GROUPING SETS ({sets})" if levels else ""
        aggregate = f"SELECT {', '.join([*keys, *_aggregates(query)])} FROM {source}{group_by}"
        ctes.append(f"agg AS ({aggregate})")
    members, joins = [], []
    for level in levels:
        text, join = _member_sql(level, years_back)
        members.append(f"{text} AS {_key(level)}")
        if join:
            joins.append(join)
    measures = [c.rsplit(" AS ", 1)[1] for c in _aggregates(query)]
    if query.top_n and top_table:
        first = query.rows[0]
        sentinel = _literal(OTHER_KEY[LEVEL_SQL[first].kind])
        members.append(f"COALESCE(a.{_key(first)} = {sentinel}, FALSE) AS is_other")
    select = ", ".join([*members, *(f"a.{m}" for m in measures)])
    limit = 3 * MAX_CELLS + 2
    sql = f"WITH {', '.join(ctes)} SELECT {select} FROM agg a {' '.join(joins)} LIMIT {limit}"
    return sql.replace("  ", " ")


def members_sql(
    level: str, filters: Mapping[str, Sequence[str]], search: str | None, limit: int
) -> str:
    r"""Return the SQL of ``level``'s members among the facts ``filters`` keep, in order.

    A customer, product or salesperson without other filters is looked up in its
    dimension (those without sales included), not in a pass over the sales.

    Examples
    --------
    >>> print(members_sql("region", {}, "nor", 50))
    SELECT member FROM (SELECT DISTINCT CASE WHEN a.k_region IS NULL THEN NULL ...
    FROM (SELECT DISTINCT f.region AS k_region FROM fact_orders f) a ) m
    WHERE member ILIKE '%nor%' ESCAPE '\' ORDER BY member LIMIT 50
    """
    others = {k: tuple(v) for k, v in filters.items() if k != level}
    spec = LEVEL_SQL[level]
    found = ""
    if search:
        escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        found = f" WHERE member ILIKE {sql_string('%' + escaped + '%')} ESCAPE '\\'"
    if spec.kind == "id" and not others:  # every name in the dimension, not a pass over sales
        current = " WHERE is_current" if spec.current_only else ""
        named = f"SELECT DISTINCT {spec.label} AS member FROM {spec.table}{current}"
    else:
        query = PivotQuery(("net_sales",), (level,), filters=others)
        conditions = [filter_sql(k, m) for k, m in others.items()]
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        keys = f"SELECT DISTINCT {key_sql(level)} AS {_key(level)} FROM {fact_for(query)} f{where}"
        text, join = _member_sql(level, 0)
        named = f"SELECT DISTINCT {text} AS member FROM ({keys}) a {join}"
    return f"SELECT member FROM ({named}) m{found} ORDER BY member LIMIT {int(limit)}"


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
        f"FROM {LINES} WHERE NOT is_return AND date <= {date_literal(as_of)} "
        "GROUP BY product_id) last ON last.product_id = p.product_id "
        f"WHERE p.is_active AND (last.last_sold IS NULL OR last.last_sold < {since}) "
        "ORDER BY last.last_sold NULLS FIRST, p.product"
    )
