"""Deduplication on a generated, labelled customer table: kehu's probabilistic model
(Splink on DuckDB) against the usual rule (same email, or same phone digits), both on
the same records, with precision, recall, time and peak memory.

    .venv/bin/python benchmarks/dedup.py                       # 1 M records
    .venv/bin/python benchmarks/dedup.py --entities 100000     # a quicker run
    .venv/bin/python benchmarks/dedup.py --demo /tmp/kehu-demo # a demo CRM, copied

With ``--demo KEHU_HOME`` it measures ``kehu dedup`` itself (its defaults, its merges
and its review queue) on a copy of a demo CRM (``kehu demo``): once on the demo as it
is, whose customers are all different (any merge is wrong), and once with copies of 5%
of its customers planted, 10% of them under another owner
(``kehu.crm.integration.dedup_check``). Results: ``bench-out/dedup_demo.md``.

The table comes from ``kehu.insight.dedup.synthetic.labelled_customers``: distinct
customers (no two share a name or an email), 20% of them entered again once or twice
with typos, pinyin for Chinese names, company suffixes changed, phones reformatted,
emails upper-cased or left out. Each tool runs in its own child process (its own peak
RSS). Results: a table on stdout and ``bench-out/dedup_<entities>.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench-out"
THRESHOLDS = (0.5, 0.8, 0.99)


def child(tool: str, path: Path) -> None:
    import pandas as pd

    from kehu.insight.dedup.synthetic import precision_recall, true_pairs

    records = pd.read_parquet(path)
    truth = true_pairs(records)
    start = time.perf_counter()
    if tool == "kehu":
        from kehu.insight.dedup.decision import decide
        from kehu.insight.dedup.linkage import find_duplicates

        linkage = find_duplicates(records, threshold=min(THRESHOLDS))
        pairs = linkage.pairs
        scores = [precision_recall(pairs, truth, t) for t in THRESHOLDS]
        decided = decide(pairs, linkage.records)
        merged = decided[decided["action"] == "merge"].assign(probability=1.0)
        scores.append({**precision_recall(merged, truth, 1.0), "threshold": "rule"})
    else:
        from kehu.insight.dedup.standardise import phone_digits

        keyed = records.assign(
            email_key=records["email"].str.strip().str.lower().replace("", None),
            phone_key=phone_digits(records["phone"]).replace("", None),
        )
        found = []
        for key in ("email_key", "phone_key"):
            both = keyed.dropna(subset=[key])[["unique_id", key]]
            joined = both.merge(both, on=key)
            joined = joined[joined["unique_id_x"] < joined["unique_id_y"]]
            found.append(joined[["unique_id_x", "unique_id_y"]])
        pairs = pd.concat(found).drop_duplicates()
        pairs = pd.DataFrame(
            {"id_l": pairs["unique_id_x"], "id_r": pairs["unique_id_y"], "probability": 1.0}
        )
        scores = [precision_recall(pairs, truth, 1.0)]
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak, "scores": scores}))


def demo_child(home: Path, share: float) -> None:
    """One run of `kehu dedup`'s code at its defaults on ``home`` (a copy)."""
    os.environ["KEHU_HOME"] = str(home)
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kehu.crm.settings")
    import django

    django.setup()
    from collections import Counter

    from django.core.management import call_command

    call_command("migrate", verbosity=0)  # the copy may predate this checkout

    from kehu.crm.customers.models import Customer
    from kehu.crm.integration.dedup import pending_pairs, run_dedup
    from kehu.crm.integration.dedup_check import owners, plant, quality

    entity = (
        plant(share=share, seed=5, other_owner_share=0.1)
        if share
        else {pk: pk for pk in Customer.objects.values_list("pk", flat=True)}
    )
    before = owners()
    start = time.perf_counter()
    result = run_dedup()
    seconds = time.perf_counter() - start
    reasons = Counter(r for p in pending_pairs() for r in p.reasons)
    print(
        json.dumps(
            {
                "customers": result.customers,
                "merged": result.merged,
                "to_review": result.to_review,
                "seconds": seconds,
                "reasons": dict(reasons),
                **quality(entity, before).as_dict(),
            }
        )
    )


def demo(home: Path) -> int:
    import shutil
    import tempfile

    if not (home / "var" / "kehu.sqlite3").exists():
        sys.exit(f"{home} holds no var/kehu.sqlite3: point --demo at a KEHU_HOME")
    rows = []
    for share in (0.0, 0.05):
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / "home"
            shutil.copytree(home, copy)
            done = subprocess.run(
                [sys.executable, __file__, "--demo-child", str(copy), "--share", str(share)],
                capture_output=True,
                text=True,
                cwd=REPO,
            )
        if done.returncode != 0:
            sys.exit(f"demo run failed:\n{done.stderr[-3000:]}")
        rows.append((share, json.loads(done.stdout.strip().splitlines()[-1])))
    lines = [
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores; "
        f"`kehu dedup` at its defaults on a copy of {home}.",
        "",
        "| data | customers | true pairs | merges | merged pairs | precision | recall "
        "| queued pairs (true) | recall with queue | cross-owner merged | seconds |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for share, r in rows:
        label = "demo as generated" if not share else f"demo + copies of {share:.0%}"
        lines.append(
            f"| {label} | {r['customers']:,} | {r['true_pairs']:,} | {r['merged']:,} | "
            f"{r['merged_pairs']:,} | {r['precision']:.4f} | {r['recall']:.4f} | "
            f"{r['queued_pairs']:,} ({r['queued_correct']:,}) | {r['recall_with_queue']:.4f} | "
            f"{r['cross_owner_merged']} | {r['seconds']:.1f} |"
        )
    for share, r in rows:
        lines.append(f"\nQueued ({'planted' if share else 'as generated'}): {r['reasons']}")
    table = "\n".join(lines)
    print(table)
    OUT.mkdir(exist_ok=True)
    (OUT / "dedup_demo.md").write_text(table + "\n")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entities", type=int, default=830_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--child", choices=["kehu", "rule"], help=argparse.SUPPRESS)
    parser.add_argument("--input", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--demo", type=Path, help="a KEHU_HOME with a demo CRM (copied)")
    parser.add_argument("--demo-child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--share", type=float, default=0.05, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.demo_child:
        demo_child(args.demo_child, args.share)
        return 0
    if args.demo:
        return demo(args.demo)
    if args.child:
        child(args.child, args.input)
        return 0
    from kehu.insight.dedup.synthetic import labelled_customers

    OUT.mkdir(exist_ok=True)
    path = OUT / f"dedup_{args.entities}_{args.seed}.parquet"
    if not path.exists():
        start = time.perf_counter()
        labelled_customers(args.entities, seed=args.seed).to_parquet(path, index=False)
        print(f"generated {path.name} in {time.perf_counter() - start:.1f} s", flush=True)
    import pandas as pd

    n_records = len(pd.read_parquet(path, columns=["unique_id"]))
    results = {}
    for tool in ("rule", "kehu"):
        done = subprocess.run(
            [sys.executable, __file__, "--child", tool, "--input", str(path)],
            capture_output=True,
            text=True,
            cwd=REPO,
        )
        if done.returncode != 0:
            sys.exit(f"{tool} failed:\n{done.stderr[-3000:]}")
        results[tool] = json.loads(done.stdout.strip().splitlines()[-1])
    lines = [
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores; "
        f"{n_records:,} records of {args.entities:,} customers (seed {args.seed}).",
        "",
        "| method | threshold | pairs found | correct | precision | recall | seconds "
        "| peak RSS, MB |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for tool, label in (("rule", "same email or phone"), ("kehu", "kehu (Splink model)")):
        run = results[tool]
        for s in run["scores"]:
            lines.append(
                f"| {label} | {s['threshold']} | {s['predicted']:,} | {s['correct']:,} | "
                f"{s['precision']:.4f} | {s['recall']:.4f} | {run['seconds']:.1f} | "
                f"{run['peak_mb']:,.0f} |"
            )
    lines.append(f"\nTrue duplicate pairs: {results['kehu']['scores'][0]['true_pairs']:,}.")
    table = "\n".join(lines)
    print(table)
    (OUT / f"dedup_{args.entities}.md").write_text(table + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
