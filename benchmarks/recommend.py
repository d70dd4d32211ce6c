"""Next-best product on Online Retail: kehu (``kehu.insight.recommend``) against the
popularity baseline on a time split, each in its own process (its own peak RSS); and a
scale run on generated purchase lines with a planted structure.

Online Retail: sales lines (quantity > 0) with a customer id; items are stock codes.
Both methods learn from the lines before the split date (default 2011-09-01: nine
months to learn from, the three busiest months to test on) and give each test
customer 10 items they had not bought. A test customer bought before the split and,
from the split on, at least one item they had not bought before. Hits are counted here,
apart from the library, and checked against ``evaluate_time_split``.

Scale: ``--customers N`` customers over ``--items M`` items in themes of 20 (each
customer buys mostly within one theme, the rest from a Zipf-popular tail); times
fit and recommend-all written to Parquet, with peak RSS, and the share of
co-purchase picks that fall in the customer's theme.

    .venv/bin/python benchmarks/recommend.py
    .venv/bin/python benchmarks/recommend.py --split 2011-10-01
    .venv/bin/python benchmarks/recommend.py --customers 1000000 --items 20000

Results: tables on stdout and ``bench-out/recommend.md`` (``recommend_scale.md``).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("KEHU_DATA", REPO.parent / "shared" / "data"))
OUT = REPO / "bench-out"
K = 10
THEME = 20


def retail_split(split: str):
    """(train lines, test truth as a set of (customer, new item), test customers)."""
    import pandas as pd

    frame = pd.read_csv(
        DATA / "online_retail" / "online_retail.csv.gz",
        dtype=str,
        keep_default_na=False,
        usecols=["CustomerID", "StockCode", "Description", "Quantity", "InvoiceDate"],
    )
    frame = frame[(frame["CustomerID"] != "") & (pd.to_numeric(frame["Quantity"]) > 0)]
    dates = pd.to_datetime(frame["InvoiceDate"])
    train = frame[dates < split]
    test = frame[(dates >= split) & frame["CustomerID"].isin(set(train["CustomerID"]))]
    owned = set(zip(train["CustomerID"], train["StockCode"], strict=True))
    truth = {p for p in zip(test["CustomerID"], test["StockCode"], strict=True) if p not in owned}
    customers = sorted({c for c, _ in truth})
    return train, truth, customers


def by_popularity(train, customers):
    """The ``K`` items bought by most customers, less each customer's own (pandas):
    each customer's first ``K`` + (items owned) popular items, owned ones dropped."""
    import numpy as np
    import pandas as pd

    buyers = train.groupby("StockCode")["CustomerID"].nunique()
    ranked = buyers.sort_values(ascending=False, kind="stable").index
    owned = train[["CustomerID", "StockCode"]].drop_duplicates()
    n_owned = owned.groupby("CustomerID").size().reindex(customers).to_numpy()
    width = np.minimum(K + n_owned, len(ranked))
    position = np.arange(width.sum()) - np.repeat(np.cumsum(width) - width, width)
    grid = pd.DataFrame({"CustomerID": np.repeat(customers, width), "StockCode": ranked[position]})
    grid = grid.merge(owned, how="left", indicator=True)
    grid = grid[grid["_merge"] == "left_only"]
    return grid.groupby("CustomerID", sort=False).head(K)[["CustomerID", "StockCode"]]


def by_kehu(train, customers):
    from kehu.insight.recommend import NextBestProduct

    model = NextBestProduct(
        K,
        customer_col="CustomerID",
        item_col="StockCode",
        quantity_col="Quantity",
        label_col="Description",
    ).fit(train)
    table = model.recommend(customers)
    return table.rename(columns={"customer_id": "CustomerID", "item": "StockCode"})


def scores(recommended, truth, customers) -> dict:
    hits: dict[str, int] = dict.fromkeys(customers, 0)
    for pair in zip(recommended["CustomerID"], recommended["StockCode"], strict=True):
        hits[pair[0]] += pair in truth
    new: dict[str, int] = dict.fromkeys(customers, 0)
    for customer, _item in truth:
        new[customer] += 1
    n = len(customers)
    return {
        "hit_rate": sum(h > 0 for h in hits.values()) / n,
        "precision": sum(h / K for h in hits.values()) / n,
        "recall": sum(hits[c] / new[c] for c in customers) / n,
        "test_customers": n,
    }


def retail_child(method: str, split: str) -> None:
    importlib.import_module("kehu.insight.recommend")  # imports are not timed

    started = time.perf_counter()
    train, truth, customers = retail_split(split)
    result: dict = {"load_s": time.perf_counter() - started}
    started = time.perf_counter()
    recommended = (by_kehu if method == "kehu" else by_popularity)(train, customers)
    result["seconds"] = time.perf_counter() - started
    result.update(scores(recommended, truth, customers))
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def generated_lines(n_customers: int, n_items: int, seed: int = 7):
    """Customers buy 1 + Poisson(8) lines, 70% in their own theme of ``THEME`` items,
    the rest Zipf-distributed over the whole catalogue."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    theme_of = rng.integers(0, n_items // THEME, n_customers)
    customer = np.repeat(np.arange(n_customers), rng.poisson(8, n_customers) + 1)
    in_theme = rng.random(len(customer)) < 0.7
    tail = np.minimum(rng.zipf(1.3, len(customer)) - 1, n_items - 1)
    item = np.where(
        in_theme, theme_of[customer] * THEME + rng.integers(0, THEME, len(customer)), tail
    )
    codes = pd.Series(pd.Index([f"P{i:06d}" for i in range(n_items)]).take(item))
    return pd.DataFrame({"customer_id": customer, "item": codes}), theme_of


def scale_child(n_customers: int, n_items: int) -> None:
    import numpy as np
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from kehu.insight.recommend import NextBestProduct, write_recommendations

    def peak() -> float:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    started = time.perf_counter()
    lines, theme_of = generated_lines(n_customers, n_items)
    result: dict = {"generate_s": time.perf_counter() - started, "lines": len(lines)}
    result["peak_lines_mb"] = peak()
    started = time.perf_counter()
    model = NextBestProduct(10).fit(lines)
    result["fit_s"] = time.perf_counter() - started
    result["peak_fit_mb"] = peak()
    del lines
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(dir=OUT) as folder:  # 200 MB at 1 M customers
        write_recommendations(model, folder)
        result["recommend_s"] = time.perf_counter() - started
        result["peak_mb"] = peak()  # before the checks below, which read the output back
        table = pq.read_table(
            Path(folder) / "recommendations.parquet", columns=["customer_id", "item", "source"]
        )
    co = table.filter(pc.equal(table["source"], "co_purchase"))
    customer = co["customer_id"].to_numpy()
    item = pc.cast(pc.utf8_slice_codeunits(co["item"], 1), "int64").to_numpy()
    result.update(
        rows=table.num_rows,
        co_purchase_share=co.num_rows / table.num_rows,
        in_theme_share=float(np.mean(item // THEME == theme_of[customer])),
        neighbour_cells=model.similarity_.nnz,
    )
    print(json.dumps(result))


def child(*args: str) -> dict:
    process = subprocess.run(
        [sys.executable, __file__, "--child", *args], capture_output=True, text=True, check=True
    )
    return json.loads(process.stdout.strip().splitlines()[-1])


def machine() -> str:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"Measured {stamp} on {os.cpu_count()} cores (load average {load}), "
        f"Python {platform.python_version()}"
    )


def retail(split: str) -> None:
    import pandas as pd

    from kehu.insight.recommend import NextBestProduct, evaluate_time_split

    base = child("popularity", split)
    ours = child("kehu", split)
    lines = pd.read_csv(
        DATA / "online_retail" / "online_retail.csv.gz", dtype=str, keep_default_na=False
    )
    model = NextBestProduct(
        customer_col="CustomerID", item_col="StockCode", quantity_col="Quantity"
    )
    library = evaluate_time_split(lines, split, K, date_col="InvoiceDate", model=model)
    agree = all(
        abs(library[name][m] - row[m]) < 1e-12
        for name, row in (("kehu", ours), ("popularity", base))
        for m in ("hit_rate", "precision", "recall")
    )
    rows = [
        ("popularity (top 10 by customers, own items left out)", base),
        ("kehu NextBestProduct", ours),
    ]
    text = (
        f"{machine()}; Online Retail, split {split}: {ours['test_customers']:,} test customers, "
        f"k = {K}.\n\n"
        "| method | hit rate@10 | precision@10 | recall@10 | fit + recommend s | peak RSS MB |\n"
        "|---|---|---|---|---|---|\n"
        + "".join(
            f"| {name} | {r['hit_rate']:.3f} | {r['precision']:.4f} | {r['recall']:.4f} | "
            f"{r['seconds']:.2f} | {r['peak_mb']:.0f} |\n"
            for name, r in rows
        )
        + f"\nkehu / popularity hit rate: {ours['hit_rate'] / base['hit_rate']:.2f}x. "
        f"Counted here and by `evaluate_time_split` alike: {'yes' if agree else 'NO'}. "
        f"Loading and splitting the CSV (not in the times): {ours['load_s']:.1f} s.\n"
    )
    print(text)
    (OUT / "recommend.md").write_text(text)


def scale(n_customers: int, n_items: int) -> None:
    r = child("scale", str(n_customers), str(n_items))
    text = (
        f"{machine()}; generated: {n_customers:,} customers, {n_items:,} items, "
        f"{r['lines']:,} lines (generated in {r['generate_s']:.1f} s).\n\n"
        "| step | seconds | peak RSS so far, MB |\n|---|---|---|\n"
        f"| lines in memory (pandas) | — | {r['peak_lines_mb']:.0f} |\n"
        f"| fit ({r['neighbour_cells']:,} neighbour cells) | {r['fit_s']:.1f} | "
        f"{r['peak_fit_mb']:.0f} |\n"
        f"| recommend 10 each, write Parquet ({r['rows']:,} rows) | {r['recommend_s']:.1f} | "
        f"{r['peak_mb']:.0f} |\n\n"
        f"Co-purchase picks: {r['co_purchase_share']:.1%} of rows; of those, "
        f"{r['in_theme_share']:.1%} in the customer's planted theme.\n"
    )
    print(text)
    (OUT / "recommend_scale.md").write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="2011-09-01")
    parser.add_argument("--customers", type=int, help="Scale run on generated lines instead.")
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--child", nargs="+")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    if args.child:
        if args.child[0] == "scale":
            scale_child(int(args.child[1]), int(args.child[2]))
        else:
            retail_child(args.child[0], args.child[1])
    elif args.customers:
        scale(args.customers, args.items)
    else:
        retail(args.split)


if __name__ == "__main__":
    main()
