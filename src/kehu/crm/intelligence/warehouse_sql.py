"""The SQL that turns the raw extracts (:mod:`.warehouse_extract`) into the star schema,
built by pure functions and run on a DuckDB engine (:mod:`kehu.insight.engine`).

The customer dimension has a row per version of a customer (slowly changing, type 2):
one per change simple-history recorded, from the moment of the change until the next
(the first version also covers everything before it), or one row for a customer
without history. A fact takes the version in force when it happened (an ASOF join),
so sales count in the region, city and owner the customer had then. Tier and segment
are the customer's current ones (the latest analysis run): runs keep no history of
them that reaches back to the orders.
"""

from __future__ import annotations

from datetime import date

from kehu.insight.olap import NONE_MEMBER
from kehu.insight.olap.sql import date_literal, sql_string

#: Orders that count: not drafts, not cancelled (as the analysis reads them).
NOT_SALES = ("draft", "cancelled")
#: Where the first version of a customer starts: before any fact.
BEFORE_EVERYTHING = -(2**62)
INTERMEDIATE = ("customer_versions", "first_purchases", "sales_orders", "order_keys")


def local_time(epoch: str, tz: str) -> str:
    """Unix seconds ``epoch`` as the wall-clock time in ``tz`` (a TIMESTAMP)."""
    return f"timezone({sql_string(tz)}, to_timestamp({epoch}))"


def local_date(epoch: str, tz: str) -> str:
    """Unix seconds ``epoch`` as the day it was in ``tz``."""
    return f"CAST({local_time(epoch, tz)} AS DATE)"


def plain_date(epoch: str) -> str:
    """A date stored as its UTC midnight in Unix seconds, as that date."""
    return f"CAST(timezone('UTC', to_timestamp({epoch})) AS DATE)"


def _not_sales() -> str:
    return ", ".join(sql_string(s) for s in NOT_SALES)


def customer_versions_sql() -> str:
    """Each version of each customer: ``customer_key`` (the dimension's key), its
    validity in Unix seconds (``join_from`` is where a fact starts to take it)."""
    history = (
        "SELECT customer_id, since_epoch, history_id, code, name, region, city, country, "
        "owner_id, status FROM raw_customer_history WHERE history_type <> '-' "
        "AND customer_id IN (SELECT customer_id FROM raw_customers)"
    )
    plain = (
        "SELECT customer_id, since_epoch, CAST(NULL AS BIGINT) AS history_id, code, name, "
        "region, city, country, owner_id, status FROM raw_customers "
        "WHERE customer_id NOT IN (SELECT customer_id FROM history)"
    )
    window = "OVER (PARTITION BY customer_id ORDER BY since_epoch, history_id)"
    return (
        f"WITH history AS ({history}), chosen AS (SELECT * FROM history UNION ALL {plain}), "
        f"ordered AS (SELECT *, ROW_NUMBER() {window} AS version, "
        f"LEAD(since_epoch) {window} AS until_epoch FROM chosen) "
        "SELECT ROW_NUMBER() OVER (ORDER BY customer_id, version) AS customer_key, "
        "customer_id, version, "
        "CASE WHEN version = 1 THEN NULL ELSE since_epoch END AS valid_from_epoch, "
        "until_epoch AS valid_to_epoch, "
        f"CASE WHEN version = 1 THEN {BEFORE_EVERYTHING} ELSE since_epoch END AS join_from, "
        "code, name, region, city, country, owner_id, status FROM ordered"
    )


def sales_orders_sql(tz: str) -> str:
    """The orders that count, with their local time and day."""
    return (
        "SELECT order_id, customer_id, ordered_epoch, "
        f"{local_time('ordered_epoch', tz)} AS ordered_at, "
        f"{local_date('ordered_epoch', tz)} AS date, owner_id, channel, "
        "kind = 'return' AS is_return, total, original_order_id "
        f"FROM raw_orders WHERE status NOT IN ({_not_sales()})"
    )


def first_purchases_sql() -> str:
    """Each customer's first day of a sale (returns do not count)."""
    return (
        "SELECT customer_id, MIN(date) AS first_purchase FROM sales_orders "
        "WHERE NOT is_return GROUP BY customer_id"
    )


def _person(prefix: str) -> str:
    full = f"TRIM(COALESCE({prefix}.first_name, '') || ' ' || COALESCE({prefix}.last_name, ''))"
    return f"COALESCE(NULLIF({full}, ''), {prefix}.username)"


def dim_customer_sql(tz: str) -> str:
    """The customer dimension: one row per version, with the current tier and segment."""
    segment = "COALESCE(sn.name, sg.name, CAST(s.segment_key AS VARCHAR), '')"
    return (
        "SELECT v.customer_key, v.customer_id, v.version, v.code, v.name, "
        "v.name || ' (' || v.code || ')' AS customer, v.region, v.city, v.country, "
        f"v.owner_id, {_person('u')} AS owner, v.status, COALESCE(s.tier, '') AS tier, "
        f"{segment} AS segment, "
        f"{local_time('v.valid_from_epoch', tz)} AS valid_from, "
        f"{local_time('v.valid_to_epoch', tz)} AS valid_to, "
        "v.valid_to_epoch IS NULL AS is_current, fp.first_purchase "
        "FROM customer_versions v LEFT JOIN raw_users u ON u.user_id = v.owner_id "
        "LEFT JOIN raw_scores s ON s.customer_id = v.customer_id "
        "LEFT JOIN raw_segments sg ON sg.run_id = s.run_id AND sg.segment_key = s.segment_key "
        "LEFT JOIN raw_segment_names sn ON sn.segment_key = s.segment_key "
        "LEFT JOIN first_purchases fp ON fp.customer_id = v.customer_id"
    )


def _version_of(alias: str, epoch: str) -> str:
    return (
        f"ASOF LEFT JOIN customer_versions v ON {alias}.customer_id = v.customer_id "
        f"AND {epoch} >= v.join_from"
    )


def known(column: str) -> str:
    """``column`` with an empty or missing value as the member "(none)"."""
    return f"COALESCE(NULLIF({column}, ''), {sql_string(NONE_MEMBER)})"


def order_keys_sql() -> str:
    """Each counted order with what its lines share: the customer's version of the day
    (and its region, city, tier and segment), the salesperson (the order's owner, else
    the customer's owner then), the channel and the customer's first purchase."""
    return (
        "SELECT o.order_id, o.date, o.ordered_at, o.customer_id, v.customer_key, "
        "COALESCE(o.owner_id, v.owner_id) AS salesperson_id, "
        f"{known('o.channel')} AS channel, o.is_return, o.total, fp.first_purchase, "
        f"{known('v.region')} AS region, {known('v.city')} AS city, "
        f"{known('d.tier')} AS tier, {known('d.segment')} AS segment "
        f"FROM sales_orders o {_version_of('o', 'o.ordered_epoch')} "
        "LEFT JOIN first_purchases fp ON fp.customer_id = o.customer_id "
        "LEFT JOIN dim_customer d ON d.customer_key = v.customer_key"
    )


ORDER_COLUMNS = (
    "date, ordered_at, customer_id, customer_key, salesperson_id, channel, is_return, "
    "first_purchase, region, city, tier, segment"
)


def fact_sales_sql() -> str:
    """One row per order line (an order without lines: one row of its total), signed:
    a return's quantity, net sales, cost and margin are negative. Beside the keys,
    the customer's region, city, tier and segment of the day and the product's
    category, so that a pivot reads one table."""
    sign = "(CASE WHEN o.is_return THEN -1.0 ELSE 1.0 END)"
    order = ", ".join(f"o.{c}" for c in ORDER_COLUMNS.split(", "))
    lines = (
        f"SELECT l.line_id, o.order_id, {order}, l.product_id, "
        f"{sign} * l.quantity AS quantity, {sign} * l.line_total AS net_sales, "
        f"{sign} * l.quantity * p.unit_cost AS cost, {known('p.category')} AS category "
        "FROM raw_lines l JOIN order_keys o ON o.order_id = l.order_id "
        "LEFT JOIN dim_product p ON p.product_id = l.product_id"
    )
    bare = (
        f"SELECT CAST(NULL AS BIGINT) AS line_id, o.order_id, {order}, "
        "CAST(NULL AS BIGINT) AS product_id, CAST(NULL AS DOUBLE) AS quantity, "
        "o.total AS net_sales, CAST(NULL AS DOUBLE) AS cost, "
        f"{sql_string(NONE_MEMBER)} AS category "
        "FROM order_keys o WHERE o.order_id NOT IN (SELECT order_id FROM raw_lines)"
    )
    return f"SELECT *, net_sales - cost AS margin FROM ({lines} UNION ALL {bare}) AS signed"


def fact_orders_sql() -> str:
    """One row per order: its lines summed (margin: of the lines whose cost is known,
    NULL when none is), with the order's own keys and the customer's of the day."""
    order = ", ".join(f"o.{c}" for c in ORDER_COLUMNS.split(", "))
    return (
        f"SELECT o.order_id, {order}, s.net_sales, s.margin, s.quantity, s.n_lines "
        "FROM order_keys o JOIN (SELECT order_id, SUM(net_sales) AS net_sales, "
        "SUM(margin) AS margin, SUM(quantity) AS quantity, COUNT(line_id) AS n_lines "
        "FROM fact_sales GROUP BY order_id) s ON s.order_id = o.order_id"
    )


def fact_returns_sql() -> str:
    """One row per return: its value (positive), the order it returns and how long after."""
    return (
        "SELECT o.order_id, o.original_order_id, o.customer_id, v.customer_key, o.date, "
        "o.ordered_at, -o.total AS amount, COALESCE(n.n_lines, 0) AS n_lines, o.channel, "
        "COALESCE(o.owner_id, v.owner_id) AS salesperson_id, sold.date AS original_date, "
        "DATEDIFF('day', sold.date, o.date) AS days_after_sale "
        f"FROM sales_orders o {_version_of('o', 'o.ordered_epoch')} "
        "LEFT JOIN (SELECT order_id, COUNT(*) AS n_lines FROM raw_lines GROUP BY order_id) n "
        "ON n.order_id = o.order_id "
        "LEFT JOIN sales_orders sold ON sold.order_id = o.original_order_id "
        "WHERE o.is_return ORDER BY o.date, o.order_id"
    )


def fact_payments_sql() -> str:
    """One row per payment received, with its invoice's dates and how late it came."""
    paid, due = plain_date("p.paid_epoch"), plain_date("i.due_epoch")
    return (
        f"SELECT p.payment_id, p.invoice_id, p.customer_id, v.customer_key, {paid} AS date, "
        f"p.amount, p.method, i.order_id, {plain_date('i.issued_epoch')} AS invoice_date, "
        f"{due} AS due_date, DATEDIFF('day', {due}, {paid}) AS days_after_due "
        f"FROM raw_payments p {_version_of('p', 'p.paid_epoch')} "
        "LEFT JOIN raw_invoices i ON i.invoice_id = p.invoice_id ORDER BY date, p.payment_id"
    )


def fact_invoices_sql() -> str:
    """One row per invoice (drafts and voided ones too, with their status)."""
    return (
        "SELECT i.invoice_id, i.customer_id, v.customer_key, i.order_id, "
        f"{plain_date('i.issued_epoch')} AS date, {plain_date('i.due_epoch')} AS due_date, "
        "i.amount, i.status "
        f"FROM raw_invoices i {_version_of('i', 'i.issued_epoch')} ORDER BY date, i.invoice_id"
    )


def fact_interactions_sql(tz: str) -> str:
    """One row per interaction with a customer."""
    return (
        "SELECT i.interaction_id, i.customer_id, v.customer_key, "
        f"{local_date('i.occurred_epoch', tz)} AS date, "
        f"{local_time('i.occurred_epoch', tz)} AS occurred_at, i.channel, i.direction, "
        "i.user_id, i.duration_minutes "
        f"FROM raw_interactions i {_version_of('i', 'i.occurred_epoch')}"
    )


def fact_tickets_sql(tz: str) -> str:
    """One row per ticket: when it opened, hours to first response and to resolution."""
    return (
        "SELECT t.ticket_id, t.customer_id, v.customer_key, t.order_id, "
        f"{local_date('t.opened_epoch', tz)} AS date, "
        f"{local_time('t.opened_epoch', tz)} AS opened_at, t.type, t.priority, t.status, "
        "t.channel, t.assignee_id, "
        "(t.first_response_epoch - t.opened_epoch) / 3600.0 AS first_response_hours, "
        "(t.resolved_epoch - t.opened_epoch) / 3600.0 AS resolution_hours, t.satisfaction "
        f"FROM raw_tickets t {_version_of('t', 't.opened_epoch')} ORDER BY date, t.ticket_id"
    )


def dim_product_sql() -> str:
    """Products with their category and its parent; a name two products share gets the SKU."""
    return (
        "SELECT p.product_id, p.sku, p.name, CASE WHEN COUNT(*) OVER (PARTITION BY p.name) > 1 "
        "THEN p.name || ' (' || p.sku || ')' ELSE p.name END AS product, "
        "COALESCE(c.name, '') AS category, COALESCE(parent.name, '') AS parent_category, "
        "p.unit_cost, p.is_active = 1 AS is_active FROM raw_products p "
        "LEFT JOIN raw_categories c ON c.category_id = p.category_id "
        "LEFT JOIN raw_categories parent ON parent.category_id = c.parent_id "
        "ORDER BY p.product_id"
    )


def dim_salesperson_sql() -> str:
    """Every user, as a salesperson (an order's owner) or a customer's owner; a name two
    users share gets the username."""
    name = _person("u")
    return (
        f"SELECT user_id AS salesperson_id, username, CASE WHEN COUNT(*) OVER "
        f"(PARTITION BY {name}) > 1 THEN {name} || ' (' || username || ')' ELSE {name} END "
        "AS salesperson FROM raw_users u ORDER BY user_id"
    )


def dim_date_sql(first: date, last: date) -> str:
    """One row per day from ``first`` to ``last``."""
    return (
        "SELECT CAST(d AS DATE) AS date, YEAR(d) AS year, QUARTER(d) AS quarter, "
        "MONTH(d) AS month, DAY(d) AS day, ISODOW(d) AS weekday, ISODOW(d) >= 6 AS is_weekend, "
        "STRFTIME(d, '%Y-%m') AS month_name, "
        "STRFTIME(d, '%Y') || '-Q' || CAST(QUARTER(d) AS VARCHAR) AS quarter_name "
        f"FROM generate_series(CAST({date_literal(first)} AS TIMESTAMP), "
        f"CAST({date_literal(last)} AS TIMESTAMP), INTERVAL 1 DAY) AS days(d) ORDER BY d"
    )


def date_span_sql() -> str:
    """The first and last day of any fact."""
    days = " UNION ALL ".join(
        f"SELECT MIN(date) AS first, MAX(date) AS last FROM {t}"
        for t in (
            "fact_sales",
            "fact_payments",
            "fact_invoices",
            "fact_interactions",
            "fact_tickets",
        )
    )
    return f"SELECT MIN(first) AS first, MAX(last) AS last FROM ({days}) AS spans"
