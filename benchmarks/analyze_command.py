"""``kehu analyze`` as a user runs it, against a lifetimes script, on the same file.

    .venv/bin/python benchmarks/analyze_command.py                      # 1 M customers, 3 rounds
    .venv/bin/python benchmarks/analyze_command.py --customers 100000   # a quick run

Both sides are whole processes started from the shell, so each pays its own interpreter
start, imports, reading and writing:

- **kehu**: ``.venv/bin/kehu analyze FILE --out DIR --period week``, everything the
  command does (date checks, summary, BG/NBD, MBG/NBD and Pareto/NBD fits, the holdout
  choice of the purchase model with its three calibration fits, P(alive), expected
  purchases, Gamma-Gamma, CLV, RFM, pyramid, ABC, lifecycle, cohorts, and the
  Parquet, JSON and HTML outputs).
- **lifetimes 0.11.3**: a script that reads the same Parquet file with pandas, makes
  lifetimes' summary (weeks), fits BG/NBD, computes P(alive) and the expected purchases
  over 52 weeks, fits Gamma-Gamma and computes the expected spend; it writes nothing.

The log is the one ``benchmarks/value_engine.py`` generates (kehu's BTYD generator with
CDNOW's parameters, 2.8 purchases per customer: 2,801,952 rows for a million customers),
reused from ``bench-out/`` when it is there. The two commands alternate, ``--repeat``
rounds (at least 3); the table shows the median wall time of each, the ratio of the
medians and each side's highest peak RSS (``wait4``'s ``ru_maxrss`` of the process).
Results: the table on stdout and in ``bench-out/analyze_command.md``. Exit status 1 when
a side fails or when kehu misses the target: at least 5x faster and a lower peak RSS.

``--threads N`` runs both sides as on an N-core machine, whatever this one has: kehu
with ``KEHU_THREADS=N`` (DuckDB's, Arrow's and the likelihoods' threads), lifetimes
with ``OPENBLAS_NUM_THREADS=N``. Threads beyond the cores share them, so the times say
nothing then; the peak memory is what grows with the threads (DuckDB's partial
aggregates, one per thread), and the target is the lower peak RSS alone. Results in
``bench-out/analyze_command_threadsN.md``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from value_engine import OUT, REPO, ensure_input, machine

TARGET_SPEEDUP = 5.0

PEER_SCRIPT = """
import sys, warnings
warnings.simplefilter("ignore")
import pandas as pd
from lifetimes import BetaGeoFitter, GammaGammaFitter
from lifetimes.utils import summary_data_from_transaction_data

tx = pd.read_parquet(sys.argv[1])
summary = summary_data_from_transaction_data(tx, "customer_id", "date", "amount", freq="W")
del tx
f, r, T = summary["frequency"], summary["recency"], summary["T"]
bgf = BetaGeoFitter().fit(f, r, T)
alive = bgf.conditional_probability_alive(f, r, T)
expected = bgf.conditional_expected_number_of_purchases_up_to_time(52, f, r, T)
repeat = summary[(f > 0) & (summary["monetary_value"] > 0)]
ggf = GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
spend = ggf.conditional_expected_average_profit(f, summary["monetary_value"])
print(len(summary), float(alive.mean()), float(expected.sum()), float(spend.mean()))
"""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--mean-transactions", type=float, default=2.8)
    parser.add_argument("--repeat", type=int, default=3, help="rounds, at least 3")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument(
        "--threads", type=int, help="run both sides as on a machine of this many cores (memory)"
    )
    args = parser.parse_args(argv)
    if args.threads is not None and args.threads < 1:
        parser.error("--threads must be at least 1")
    if args.repeat < 3:
        parser.error("--repeat must be at least 3 (the table shows medians)")
    return args


@dataclass
class Runs:
    """Wall times and peak RSS of one side's rounds."""

    seconds: list[float] = field(default_factory=list)
    peak_mb: list[float] = field(default_factory=list)
    failure: str | None = None

    @property
    def median(self) -> float:
        return float(np.median(self.seconds))


def timed(
    command: list[str], env: dict[str, str] | None = None
) -> tuple[float, float, subprocess.CompletedProcess[str] | str]:
    """Run ``command``; return its wall seconds, its peak RSS in MB and its output (or
    the error text when it failed).

    The output goes to temporary files, not pipes: a pipe read only after the process
    ends would block a process that writes more than the pipe holds.
    """
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=REPO, stdout=out, stderr=err, text=True, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if process.returncode != 0:
        return seconds, 0.0, f"exit {process.returncode}: {stderr[-2000:]}"
    return seconds, usage.ru_maxrss / 1024, subprocess.CompletedProcess(command, 0, stdout, stderr)


def kehu_command(path: Path, out_dir: Path) -> list[str]:
    return [
        str(REPO / ".venv/bin/kehu"),
        "analyze",
        str(path),
        "--out",
        str(out_dir),
        "--period",
        "week",
    ]


def render(args: argparse.Namespace, meta: dict, kehu: Runs, peer: Runs, when: str) -> str:
    m = machine()
    ratio = peer.median / kehu.median
    lines = [
        f"`kehu analyze` against a lifetimes script, {args.customers:,} customers, "
        f"{meta['rows']:,} transactions ({when}; commit {m['commit']}; {m['nproc']} cores, "
        f"{m['ram_gib']} GiB RAM; load average {m['load_avg'][0]} at the end; "
        f"{len(kehu.seconds)} alternating rounds"
        + (
            f"; both sides on {args.threads} threads, as on a {args.threads}-core machine: "
            "the times are not comparable, the memory is"
            if args.threads
            else ""
        )
        + ")",
        "",
        "| command | wall time (median) | rounds | peak RSS |",
        "|---|---:|---|---:|",
        f"| lifetimes 0.11.3 script | {peer.median:.2f} s | "
        f"{', '.join(f'{s:.2f}' for s in peer.seconds)} | {max(peer.peak_mb):,.0f} MB |",
        f"| `kehu analyze` | {kehu.median:.2f} s | "
        f"{', '.join(f'{s:.2f}' for s in kehu.seconds)} | {max(kehu.peak_mb):,.0f} MB |",
        f"| **kehu faster by** | **{ratio:.1f}×** | | {_memory_change(kehu, peer)} |",
    ]
    return "\n".join(lines) + "\n"


def _memory_change(kehu: Runs, peer: Runs) -> str:
    change = max(kehu.peak_mb) / max(peer.peak_mb) - 1
    return f"kehu {abs(change):.0%} {'less' if change < 0 else 'more'}"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    path, meta = ensure_input(
        argparse.Namespace(
            customers=args.customers,
            seed=args.seed,
            mean_transactions=args.mean_transactions,
            out=args.out,
        )
    )
    peer_file = args.out / "analyze_command_lifetimes.py"
    peer_file.write_text(PEER_SCRIPT)
    kehu, peer = Runs(), Runs()
    kehu_env, peer_env = None, None
    if args.threads:
        kehu_env = os.environ | {"KEHU_THREADS": str(args.threads)}
        peer_env = os.environ | {"OPENBLAS_NUM_THREADS": str(args.threads)}
    work = Path(tempfile.mkdtemp(prefix="kehu-analyze-bench-"))
    try:
        for round_no in range(args.repeat):
            for name, runs, command, env in (
                ("lifetimes", peer, [sys.executable, str(peer_file), str(path)], peer_env),
                ("kehu", kehu, kehu_command(path, work / f"round{round_no}"), kehu_env),
            ):
                seconds, peak, result = timed(command, env)
                if isinstance(result, str):
                    runs.failure = result
                    print(f"{name} failed: {result}", file=sys.stderr)
                    return 1
                runs.seconds.append(seconds)
                runs.peak_mb.append(peak)
                print(f"round {round_no + 1}: {name} {seconds:.2f} s, {peak:,.0f} MB", flush=True)
        written = pq.read_metadata(work / "round0" / "customers.parquet").num_rows
        if written != meta["customers"]:
            print(f"kehu wrote {written:,} customers, expected {meta['customers']:,}")
            return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    table = render(args, meta, kehu, peer, when)
    print(table)
    suffix = "" if args.customers == 1_000_000 else f"_{args.customers}"
    suffix += f"_threads{args.threads}" if args.threads else ""
    (args.out / f"analyze_command{suffix}.md").write_text(table)
    lower_memory = max(kehu.peak_mb) < max(peer.peak_mb)
    if args.threads:
        if not lower_memory:
            print("target missed: a lower peak RSS")
        return 0 if lower_memory else 1
    met = peer.median / kehu.median >= TARGET_SPEEDUP and lower_memory
    if not met:
        print(f"target missed: at least {TARGET_SPEEDUP:g}x faster with a lower peak RSS")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
