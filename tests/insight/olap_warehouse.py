"""A small star schema whose every pivot can be worked out by hand.

Customers: Ann (North, Oslo, gold), Bob (South, Rome, silver; moved to West, Milan,
on 2024-01-01: two versions), Cy (North, Bergen, gold). Products: Apple and Pear
(Fruit; Pear's cost unknown), Hammer and Saw (Tools; Saw never sold).

| order | day        | customer | lines                                   | by    | channel |
|-------|------------|----------|-----------------------------------------|-------|---------|
| 1     | 2023-03-10 | Ann      | Apple 10 × 2 = 20 (cost 10), Hammer 15 (cost 5) | alice | web |
| 2     | 2023-11-05 | Bob      | Pear 4 × 2 = 8 (cost unknown)           | bert  | phone   |
| 3     | 2024-03-15 | Ann      | Apple 5 × 2 = 10 (cost 5)               | alice | web     |
| 4     | 2024-03-20 | Cy       | Hammer 2 × 15 = 30 (cost 10)            | —     | web     |
| 5     | 2024-07-01 | Bob      | Hammer 15 (cost 5), Pear 2 × 2 = 4      | bert  | phone   |
| 6     | 2024-07-10 | Bob      | return of order 5's Hammer: −15 (cost −5) | bert | phone  |

So: net sales 2023 = 43, 2024 = 44; margin 2023 = 20, 2024 = 25; Ann 45, Cy 30,
Bob 12; North 75, South 8, West 4.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

CUSTOMERS = [
    # key, id, code, name, region, city, tier, segment, owner, valid_from, valid_to
    (1, 1, "A1", "Ann", "North", "Oslo", "gold", "Loyal", 1, None, None),
    (2, 2, "B2", "Bob", "South", "Rome", "silver", "New", 2, None, datetime(2024, 1, 1)),
    (4, 2, "B2", "Bob", "West", "Milan", "silver", "New", 2, datetime(2024, 1, 1), None),
    (3, 3, "C3", "Cy", "North", "Bergen", "gold", "", None, None, None),
]
PRODUCTS = [
    (10, "AP", "Apple", "Fruit", 1.0),
    (11, "PE", "Pear", "Fruit", None),
    (12, "HA", "Hammer", "Tools", 5.0),
    (13, "SA", "Saw", "Tools", 8.0),
]
FIRST = {1: date(2023, 3, 10), 2: date(2023, 11, 5), 3: date(2024, 3, 20)}
LINES = [
    # line, order, day, customer key, customer, product, by, channel, return, qty, total, cost
    (1, 1, date(2023, 3, 10), 1, 1, 10, 1, "web", False, 10.0, 20.0, 10.0),
    (2, 1, date(2023, 3, 10), 1, 1, 12, 1, "web", False, 1.0, 15.0, 5.0),
    (3, 2, date(2023, 11, 5), 2, 2, 11, 2, "phone", False, 4.0, 8.0, None),
    (4, 3, date(2024, 3, 15), 1, 1, 10, 1, "web", False, 5.0, 10.0, 5.0),
    (5, 4, date(2024, 3, 20), 3, 3, 12, None, "web", False, 2.0, 30.0, 10.0),
    (6, 5, date(2024, 7, 1), 4, 2, 12, 2, "phone", False, 1.0, 15.0, 5.0),
    (7, 5, date(2024, 7, 1), 4, 2, 11, 2, "phone", False, 2.0, 4.0, None),
    (8, 6, date(2024, 7, 10), 4, 2, 12, 2, "phone", True, -1.0, -15.0, -5.0),
]


def write_small_warehouse(folder: Path) -> Path:
    """Write the star schema above as Parquet files in ``folder``; return it."""
    folder.mkdir(parents=True, exist_ok=True)
    c = list(zip(*CUSTOMERS, strict=True))
    pq.write_table(
        pa.table(
            {
                "customer_key": pa.array(c[0], pa.int64()),
                "customer_id": pa.array(c[1], pa.int64()),
                "code": c[2],
                "name": c[3],
                "customer": [f"{n} ({code})" for n, code in zip(c[3], c[2], strict=True)],
                "region": c[4],
                "city": c[5],
                "tier": c[6],
                "segment": c[7],
                "owner_id": pa.array(c[8], pa.int64()),
                "valid_from": pa.array(c[9], pa.timestamp("us")),
                "valid_to": pa.array(c[10], pa.timestamp("us")),
                "is_current": [valid_to is None for valid_to in c[10]],
            }
        ),
        folder / "dim_customer.parquet",
    )
    p = list(zip(*PRODUCTS, strict=True))
    pq.write_table(
        pa.table(
            {
                "product_id": pa.array(p[0], pa.int64()),
                "sku": p[1],
                "product": p[2],
                "category": p[3],
                "unit_cost": pa.array(p[4], pa.float64()),
                "is_active": [True] * len(PRODUCTS),
            }
        ),
        folder / "dim_product.parquet",
    )
    pq.write_table(
        pa.table(
            {
                "salesperson_id": pa.array([1, 2], pa.int64()),
                "salesperson": ["alice", "bert"],
            }
        ),
        folder / "dim_salesperson.parquet",
    )
    versions = {c[0]: c for c in CUSTOMERS}
    categories = {p[0]: p[3] for p in PRODUCTS}
    f = list(zip(*LINES, strict=True))
    margin = [None if cost is None else t - cost for t, cost in zip(f[10], f[11], strict=True)]
    lines = pd.DataFrame(
        {
            "line_id": f[0],
            "order_id": f[1],
            "date": f[2],
            "customer_key": f[3],
            "customer_id": f[4],
            "product_id": f[5],
            "salesperson_id": pd.array(f[6], dtype="Int64"),
            "channel": f[7],
            "is_return": f[8],
            "quantity": f[9],
            "net_sales": f[10],
            "cost": pd.array(f[11], dtype="Float64"),
            "margin": pd.array(margin, dtype="Float64"),
            "first_purchase": [FIRST[i] for i in f[4]],
            # the customer's attributes of the day and the product's category, as built
            "region": [versions[k][4] for k in f[3]],
            "city": [versions[k][5] for k in f[3]],
            "tier": [versions[k][6] for k in f[3]],
            "segment": [versions[k][7] or "(none)" for k in f[3]],
            "category": [categories[p] for p in f[5]],
        }
    )
    pq.write_table(pa.Table.from_pandas(lines, preserve_index=False), folder / "fact_sales.parquet")
    first_line = lines.drop_duplicates("order_id").set_index("order_id")
    sums = lines.groupby("order_id")[["net_sales", "margin"]].sum(min_count=1)
    orders = first_line.drop(columns=["line_id", "product_id", "category", "quantity", "cost"])
    orders[["net_sales", "margin"]] = sums
    pq.write_table(
        pa.Table.from_pandas(orders.reset_index(), preserve_index=False),
        folder / "fact_orders.parquet",
    )
    return folder
