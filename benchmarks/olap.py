"""OLAP at a million customers: build the sales warehouse from the CRM's SQLite database,
then time the common pivot queries on it (kehu.insight.olap on DuckDB) beside the same
questions asked directly of the operational SQLite database. Target: each common
query under a second on the warehouse.

    .venv/bin/python benchmarks/olap.py                     # 1 M customers, ~5 M orders
    .venv/bin/python benchmarks/olap.py --customers 10000   # a quick run

The database is crm_latency.py's (``bench-out/crm_latency.sqlite3`` at 1 M customers,
``bench-out/olap_<n>.sqlite3`` otherwise), loaded by its loader when missing and reused
when it holds the requested data. Results: a table on stdout and ``bench-out/olap.md``.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import crm_latency  # noqa: E402 - the shared loader, beside this file

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench-out"
TARGET_MS = 1000.0
MILLION = 1_000_000
NOT_SALES = "('draft', 'cancelled')"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=MILLION)
    parser.add_argument("--orders-per-customer", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db", type=Path, help="SQLite database [see above]")
    parser.add_argument("--repeats", type=int, default=20, help="timed runs per warehouse query")
    parser.add_argument("--sqlite-repeats", type=int, default=3, help="timed runs per SQLite query")
    parser.add_argument("--skip-build", action="store_true", help="reuse the current warehouse")
    args = parser.parse_args(argv)
    if args.db is None:
        name = (
            "crm_latency.sqlite3" if args.customers == MILLION else f"olap_{args.customers}.sqlite3"
        )
        args.db = OUT / name
    return args


def configure_environment(db: Path) -> dict[str, str]:
    """The benchmark's database and KEHU_HOME (the warehouse goes under its var/)."""
    home = db.parent / f"{db.stem}_home"
    home.mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{db.resolve()}"
    os.environ["KEHU_HOME"] = str(home.resolve())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kehu.crm.settings")
    return dict(os.environ)


@dataclass
class Question:
    """A question asked of both: a pivot on the warehouse, the same in SQLite SQL, and
    how to read each answer as ``{key: value}`` to check that they agree."""

    name: str
    warehouse: Callable[[Any], Any]
    sqlite: str
    answer_of_pivot: Callable[[Any], dict]
    warehouse_ms: list[float] = field(default_factory=list)
    sqlite_ms: list[float] = field(default_factory=list)
    same: bool | None = None


def _cells(measure: str, *levels: str) -> Callable[[Any], dict]:
    def read(result: Any) -> dict:
        rows = result.cells.to_dict("records")
        return {tuple(r[k] for k in levels): r[measure] for r in rows}

    return read


def questions(last_day: date, region: str) -> list[Question]:
    from kehu.insight import olap
    from kehu.insight.olap import PivotQuery

    def pivot(query: PivotQuery) -> Callable[[Any], Any]:
        return lambda engine: olap.run_pivot(engine, query)

    year_start = date(last_day.year, 1, 1)
    as_of = last_day
    sales = f"o.status NOT IN {NOT_SALES}"
    signed = "CASE WHEN o.kind = 'return' THEN -l.line_total ELSE l.line_total END"
    return [
        Question(
            "sales by month",
            pivot(PivotQuery(("net_sales",), ("month",))),
            f"SELECT strftime('%Y-%m', o.ordered_at), SUM(o.total_amount) FROM sales_order o "
            f"WHERE {sales} GROUP BY 1",
            _cells("net_sales", "month"),
        ),
        Question(
            "sales by region x year",
            pivot(PivotQuery(("net_sales",), ("region",), ("year",))),
            "SELECT COALESCE(NULLIF(c.region, ''), '(none)'), strftime('%Y', o.ordered_at), "
            "SUM(o.total_amount) FROM sales_order o JOIN customers_customer c "
            f"ON c.id = o.customer_id WHERE {sales} GROUP BY 1, 2",
            _cells("net_sales", "region", "year"),
        ),
        Question(
            "sales by category x quarter, vs last year",
            pivot(
                PivotQuery(("net_sales",), ("category",), ("quarter",), compare_previous_year=True)
            ),
            "WITH q AS (SELECT COALESCE(NULLIF(k.name, ''), '(none)') AS category, "
            "CAST(strftime('%Y', o.ordered_at) AS INTEGER) AS y, "
            "(CAST(strftime('%m', o.ordered_at) AS INTEGER) + 2) / 3 AS q, "
            f"SUM({signed}) AS s FROM sales_orderline l JOIN sales_order o ON o.id = l.order_id "
            "LEFT JOIN catalog_product p ON p.id = l.product_id "
            "LEFT JOIN catalog_productcategory k ON k.id = p.category_id "
            f"WHERE {sales} GROUP BY 1, 2, 3) "
            "SELECT a.category, a.y || '-Q' || a.q, a.s, (a.s - b.s) / ABS(b.s) FROM q a "
            "LEFT JOIN q b ON b.category = a.category AND b.q = a.q AND b.y = a.y - 1",
            _cells("net_sales", "category", "quarter"),
        ),
        Question(
            "top 20 customers, share of total",
            pivot(PivotQuery(("net_sales",), ("customer",), top_n=20, share_of_total=True)),
            "SELECT c.name || ' (' || c.code || ')', SUM(o.total_amount) AS s, "
            "SUM(o.total_amount) / (SELECT SUM(total_amount) FROM sales_order o "
            f"WHERE {sales}) FROM sales_order o JOIN customers_customer c "
            f"ON c.id = o.customer_id WHERE {sales} GROUP BY o.customer_id "
            "ORDER BY s DESC LIMIT 20",
            _cells("net_sales", "customer"),
        ),
        Question(
            "new and repeat customers per month",
            pivot(PivotQuery(("customers", "new_customers", "repeat_customers"), ("month",))),
            "WITH firsts AS (SELECT customer_id, MIN(date(ordered_at)) AS fp FROM sales_order o "
            f"WHERE o.kind = 'sale' AND {sales} GROUP BY customer_id), "
            "bought AS (SELECT DISTINCT strftime('%Y-%m', ordered_at) AS m, customer_id "
            f"FROM sales_order o WHERE o.kind = 'sale' AND {sales}) "
            "SELECT b.m, SUM(CASE WHEN f.fp >= b.m || '-01' THEN 1 ELSE 0 END), "
            "COUNT(*), SUM(CASE WHEN f.fp < b.m || '-01' THEN 1 ELSE 0 END) "
            "FROM bought b JOIN firsts f ON f.customer_id = b.customer_id GROUP BY b.m",
            _cells("new_customers", "month"),
        ),
        Question(
            f"one region's quarters this year ({region})",
            pivot(
                PivotQuery(
                    ("net_sales", "orders"),
                    ("quarter",),
                    filters={"region": (region,)},
                    date_from=year_start,
                    date_to=last_day,
                )
            ),
            "SELECT strftime('%Y', o.ordered_at) || '-Q' || "
            "((CAST(strftime('%m', o.ordered_at) AS INTEGER) + 2) / 3), SUM(o.total_amount) "
            "FROM sales_order o JOIN customers_customer c ON c.id = o.customer_id "
            f"WHERE {sales} AND c.region = '{region.replace(chr(39), chr(39) * 2)}' "
            f"AND o.ordered_at >= '{year_start}' "
            f"AND o.ordered_at < '{last_day + timedelta(days=1)}' "
            "GROUP BY 1",
            _cells("net_sales", "quarter"),
        ),
        Question(
            "products with no sale in 90 days",
            lambda engine: olap.idle_products(engine, 90, as_of),
            "SELECT p.name, MAX(date(o.ordered_at)) AS last FROM catalog_product p "
            "LEFT JOIN sales_orderline l ON l.product_id = p.id "
            f"LEFT JOIN sales_order o ON o.id = l.order_id AND o.kind = 'sale' AND {sales} "
            f"AND date(o.ordered_at) <= '{as_of}' WHERE p.is_active GROUP BY p.id "
            f"HAVING last IS NULL OR last < '{as_of - timedelta(days=90)}'",
            lambda frame: {(p,): 0 for p in frame["product"]},
        ),
    ]


def answer_of_sqlite(question: Question, rows: list[tuple]) -> dict:
    if question.name.startswith("products"):
        return {(r[0],): 0 for r in rows}
    width = 2 if question.name.startswith(("sales by region", "sales by category")) else 1
    return {tuple(r[:width]): r[width] for r in rows}


def agree(a: dict, b: dict) -> bool:
    if set(a) != set(b):
        return False
    return all(abs(float(a[k]) - float(b[k])) <= 0.005 * max(1.0, abs(float(b[k]))) for k in a)


def time_it(work: Callable[[], Any], repeats: int, warmup: int) -> tuple[list[float], Any]:
    timings, answer = [], None
    for i in range(warmup + repeats):
        started = time.perf_counter()
        answer = work()
        elapsed = (time.perf_counter() - started) * 1000
        if i >= warmup:
            timings.append(elapsed)
    return timings, answer


def run_sqlite(sql: str) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


HEADER = [
    "query",
    "warehouse p50 ms",
    "p95 ms",
    "SQLite p50 ms",
    "p95 ms",
    "faster",
    "same answer",
    "< 1 s",
]


def result_rows(asked: list[Question]) -> list[list[str]]:
    rows = []
    for q in asked:
        w50, w95 = percentile(q.warehouse_ms, 50), percentile(q.warehouse_ms, 95)
        s50, s95 = percentile(q.sqlite_ms, 50), percentile(q.sqlite_ms, 95)
        rows.append(
            [
                q.name,
                f"{w50:,.0f}",
                f"{w95:,.0f}",
                f"{s50:,.0f}",
                f"{s95:,.0f}",
                f"{s50 / w50:,.0f}x",
                "yes" if q.same else "NO",
                "pass" if w95 < TARGET_MS else "FAIL",
            ]
        )
    return rows


def markdown_table(rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def text_table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [HEADER, *rows]) for i in range(len(HEADER))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in [HEADER, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def report(args: argparse.Namespace, stamp: dict, build: Any, asked: list[Question]) -> str:
    counts = stamp["counts"]
    size_gib = sum(p.stat().st_size for p in args.db.parent.glob(args.db.name + "*")) / 1024**3
    size_mib = sum(p.stat().st_size for p in build.folder.glob("*.parquet")) / 1024**2
    steps = ", ".join(f"{name} {s:.0f} s" for name, s in build.steps.items() if s >= 1)
    return "\n".join(
        [
            "# OLAP on the sales warehouse",
            "",
            f"{counts['customers']:,} customers, {counts['orders']:,} orders, "
            f"{counts['order_lines']:,} order lines (seed {stamp['seed']}); SQLite "
            f"{crm_latency.sqlite_version()} database of {size_gib:.2f} GiB.",
            f"Warehouse build (`kehu warehouse build`): {build.seconds:.0f} s ({steps}); "
            f"{build.rows['fact_sales']:,} sales lines, {build.rows['fact_orders']:,} orders, "
            f"{build.rows['dim_customer']:,} customer versions; {size_mib:.0f} MiB of Parquet; "
            f"peak RSS of this process {peak_rss_gib():.1f} GiB.",
            f"Each query: {args.repeats} timed runs on the warehouse (DuckDB, after 2 warm-up "
            f"runs), {args.sqlite_repeats} on SQLite (after 1). A pivot also returns the row, "
            "column and grand totals; the SQLite queries return the cells only.",
            f"Machine: {crm_latency.machine()}.",
            f"Measured {datetime.now(UTC).isoformat(timespec='seconds')}.",
            "",
            markdown_table(result_rows(asked)),
            "",
        ]
    )


def peak_rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    env = configure_environment(args.db)
    import django

    django.setup()
    stamp = crm_latency.reusable(args)
    if stamp is None:
        print(f"loading {args.customers:,} customers into {args.db} ...", flush=True)
        stamp = crm_latency.load(args, env)
    else:
        print(f"reusing {args.db} (loaded in {stamp['load_seconds']} s)", flush=True)
    from kehu.crm.intelligence.warehouse import build_warehouse, last_build, open_warehouse
    from kehu.insight import olap

    if args.skip_build and last_build() is not None:
        build = last_build()
    else:
        print("building the warehouse ...", flush=True)
        build = build_warehouse(on_progress=lambda text: print(f"  {text}", flush=True))
    print(f"built in {build.seconds:.1f} s: {build.rows}", flush=True)
    with open_warehouse() as engine:
        last_day = olap.date_span(engine)[1]
        by_region = olap.run_pivot(engine, olap.PivotQuery(("orders",), ("region",))).cells
        known = by_region[by_region["region"] != olap.NONE_MEMBER]
        region = str(known.sort_values("orders").iloc[-1]["region"])
        asked = questions(last_day, region)
        for q in asked:
            q.warehouse_ms, result = time_it(lambda q=q: q.warehouse(engine), args.repeats, 2)
            q.sqlite_ms, rows = time_it(lambda q=q: run_sqlite(q.sqlite), args.sqlite_repeats, 1)
            q.same = agree(q.answer_of_pivot(result), answer_of_sqlite(q, rows))
            print(
                f"{q.name}: warehouse p50 {percentile(q.warehouse_ms, 50):.0f} ms, "
                f"SQLite p50 {percentile(q.sqlite_ms, 50):.0f} ms, same answer: {q.same}",
                flush=True,
            )
    rows = result_rows(asked)
    print()
    print(text_table(rows))
    OUT.mkdir(exist_ok=True)
    (OUT / "olap.md").write_text(report(args, stamp, build, asked))
    print(f"\nwritten to {OUT / 'olap.md'}")
    return 0 if all(q.same for q in asked) else 1


if __name__ == "__main__":
    sys.exit(main())
