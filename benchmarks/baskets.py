"""Association rules on Online Retail: kehu (``kehu.insight.baskets``) against mlxtend
(``fpgrowth`` + ``association_rules``) on the same baskets and thresholds, each in its
own process (its own peak RSS), with a check that both give the same rules.

Baskets: the invoices of Online Retail that are sales (not ``C`` cancellations), items
their stock codes. kehu starts from the raw (invoice, item) lines; mlxtend from the
one-hot basket table it needs, built beforehand and timed apart ("encode").

    .venv/bin/python benchmarks/baskets.py
    .venv/bin/python benchmarks/baskets.py --min-support 0.02 --min-confidence 0.5

Results: a table on stdout and ``bench-out/baskets.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("KEHU_DATA", REPO.parent / "shared" / "data"))
OUT = REPO / "bench-out"


def lines():
    import pandas as pd

    frame = pd.read_csv(
        DATA / "online_retail" / "online_retail.csv.gz",
        dtype=str,
        usecols=["InvoiceNo", "StockCode"],
    )
    return frame[~frame["InvoiceNo"].str.startswith("C")]


def child(tool: str, support: float, confidence: float, rules_out: Path) -> None:
    import pandas as pd

    frame = lines()
    result: dict = {}
    if tool == "kehu":
        from kehu.insight.baskets import mine

        started = time.perf_counter()
        mined = mine(frame["InvoiceNo"], frame["StockCode"], support, confidence)
        result["mine_s"] = time.perf_counter() - started
        antecedents, consequents = mined.rules["antecedents"], mined.rules["consequents"]
        lift, n_itemsets = mined.rules["lift"], len(mined.itemsets)
    else:
        from mlxtend.frequent_patterns import association_rules, fpgrowth

        started = time.perf_counter()
        pairs = frame.drop_duplicates()
        onehot = pd.crosstab(pairs["InvoiceNo"], pairs["StockCode"]).astype(bool)
        result["encode_s"] = time.perf_counter() - started
        started = time.perf_counter()
        itemsets = fpgrowth(onehot, min_support=support, use_colnames=True)
        rules = association_rules(
            itemsets, len(onehot), metric="confidence", min_threshold=confidence
        )
        result["mine_s"] = time.perf_counter() - started
        antecedents, consequents, lift = rules["antecedents"], rules["consequents"], rules["lift"]
        n_itemsets = len(itemsets)
    keyed = [
        [sorted(a), sorted(c), float(v)]
        for a, c, v in zip(antecedents, consequents, lift, strict=True)
    ]
    rules_out.write_text(json.dumps(sorted(keyed)))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result.update(itemsets=n_itemsets, rules=len(keyed), peak_mb=peak)
    print(json.dumps(result))


def run(tool: str, support: float, confidence: float) -> dict:
    rules_out = OUT / f"baskets_rules_{tool}.json"
    process = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            tool,
            "--min-support",
            str(support),
            "--min-confidence",
            str(confidence),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(process.stdout.strip().splitlines()[-1])
    result["rules_list"] = json.loads(rules_out.read_text())
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min-support", type=float, default=0.01)
    parser.add_argument("--min-confidence", type=float, default=0.3)
    parser.add_argument("--child", choices=["kehu", "mlxtend"])
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    if args.child:
        child(
            args.child,
            args.min_support,
            args.min_confidence,
            OUT / f"baskets_rules_{args.child}.json",
        )
        return
    peer = run("mlxtend", args.min_support, args.min_confidence)
    ours = run("kehu", args.min_support, args.min_confidence)
    same = len(peer["rules_list"]) == len(ours["rules_list"]) and all(
        a[:2] == b[:2] and abs(a[2] - b[2]) <= 1e-9 * abs(b[2])
        for a, b in zip(ours["rules_list"], peer["rules_list"], strict=True)
    )
    speedup = peer["mine_s"] / ours["mine_s"]
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = (
        f"Measured {stamp} on {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"min support {args.min_support}, min confidence {args.min_confidence}.\n\n"
        "| tool | encode s | itemsets + rules s | itemsets | rules | peak RSS MB |\n"
        "|---|---|---|---|---|---|\n"
        f"| mlxtend fpgrowth + association_rules | {peer['encode_s']:.2f} | "
        f"{peer['mine_s']:.2f} | {peer['itemsets']:,} | {peer['rules']:,} | "
        f"{peer['peak_mb']:.0f} |\n"
        f"| kehu (from the raw lines, encoding included) | — | {ours['mine_s']:.2f} | "
        f"{ours['itemsets']:,} | {ours['rules']:,} | {ours['peak_mb']:.0f} |\n\n"
        f"Same rules and lifts: {'yes' if same else 'NO'}. kehu is {speedup:.1f}× faster "
        f"(target 5×: {'met' if speedup >= 5 else 'NOT met'}).\n"
    )
    print(text)
    (OUT / "baskets.md").write_text(text)


if __name__ == "__main__":
    main()
