"""The reports a pivot does not answer, as SQL built by pure functions and run on the
warehouse's engine (the seam of :mod:`kehu.insight.engine`):

- customers lost per month: a customer is lost ``days`` days after an order with no
  other order in those days (counted in the month that day falls in, once it is past);
- new products' share of sales: the sales of the products whose first sale ever falls
  in the period, per month, and those products.

The star schema's sales fact (``fact_sales``) has a row per order line: ``date``,
``customer_id``, ``product_id``, ``order_id``, ``net_sales`` and ``is_return``.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from kehu.insight.engine import Engine
from kehu.insight.olap.sql import date_literal

MONTH = "STRFTIME({day}, '%Y-%m')"


def lost_customers_sql(days: int, date_from: date, date_to: date) -> str:
    """Customers lost per month (``month``, ``lost``) between ``date_from`` and
    ``date_to``: the day ``days`` after an order not followed by another within them,
    when that day is in the period.

    Examples
    --------
    >>> "LEAD(day) OVER" in lost_customers_sql(180, date(2024, 1, 1), date(2024, 12, 31))
    True
    """
    gap = int(days)
    return (
        "WITH bought AS (SELECT DISTINCT customer_id, CAST(date AS DATE) AS day "
        "FROM fact_sales WHERE NOT is_return), "
        "gaps AS (SELECT customer_id, day, "
        "LEAD(day) OVER (PARTITION BY customer_id ORDER BY day) AS next_day FROM bought), "
        f"lapses AS (SELECT customer_id, CAST(day + INTERVAL {gap} DAY AS DATE) AS lost_on "
        f"FROM gaps WHERE next_day IS NULL OR next_day > CAST(day + INTERVAL {gap} DAY AS DATE)) "
        f"SELECT {MONTH.format(day='lost_on')} AS month, COUNT(DISTINCT customer_id) AS lost "
        f"FROM lapses WHERE lost_on BETWEEN {date_literal(date_from)} AND {date_literal(date_to)} "
        "GROUP BY 1 ORDER BY 1"
    )


def _first_sales() -> str:
    return (
        "SELECT product_id, MIN(date) AS first_sold FROM fact_sales "
        "WHERE NOT is_return GROUP BY product_id"
    )


def new_product_share_sql(date_from: date, date_to: date) -> str:
    """Per month of the period: ``net_sales`` and ``new_sales``, the part from products
    first sold in the period."""
    start, end = date_literal(date_from), date_literal(date_to)
    return (
        f"WITH first AS ({_first_sales()}) "
        f"SELECT {MONTH.format(day='f.date')} AS month, SUM(f.net_sales) AS net_sales, "
        f"SUM(CASE WHEN fs.first_sold >= {start} THEN f.net_sales ELSE 0 END) AS new_sales "
        "FROM fact_sales f LEFT JOIN first fs ON fs.product_id = f.product_id "
        f"WHERE f.date BETWEEN {start} AND {end} GROUP BY 1 ORDER BY 1"
    )


def new_products_sql(date_from: date, date_to: date, limit: int) -> str:
    """The products first sold in the period (``product``, ``category``,
    ``first_sold``, ``net_sales`` in the period), best selling first."""
    start, end = date_literal(date_from), date_literal(date_to)
    return (
        f"WITH first AS ({_first_sales()}) "
        "SELECT p.product, p.category, fs.first_sold, SUM(f.net_sales) AS net_sales "
        "FROM fact_sales f JOIN first fs ON fs.product_id = f.product_id "
        "LEFT JOIN dim_product p ON p.product_id = f.product_id "
        f"WHERE fs.first_sold BETWEEN {start} AND {end} AND f.date BETWEEN {start} AND {end} "
        "GROUP BY p.product, p.category, fs.first_sold "
        f"ORDER BY net_sales DESC, p.product LIMIT {int(limit)}"
    )


def lost_customers(engine: Engine, days: int, date_from: date, date_to: date) -> pd.DataFrame:
    return engine.query(lost_customers_sql(days, date_from, date_to), "lost customers").to_pandas()


def new_product_share(engine: Engine, date_from: date, date_to: date) -> pd.DataFrame:
    sql = new_product_share_sql(date_from, date_to)
    return engine.query(sql, "new products' share").to_pandas()


def new_products(engine: Engine, date_from: date, date_to: date, limit: int = 50) -> pd.DataFrame:
    sql = new_products_sql(date_from, date_to, limit)
    return engine.query(sql, "new products").to_pandas()
