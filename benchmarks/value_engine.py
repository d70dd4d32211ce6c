"""The value engine against the peer library ``lifetimes``, on the same generated input:
summary + BG/NBD fit + P(alive) + expected purchases + Gamma-Gamma, end to end.
Target: kehu at least 10x faster, with a lower peak memory.

    .venv/bin/python benchmarks/value_engine.py                      # 1 M customers
    .venv/bin/python benchmarks/value_engine.py --customers 100000   # a quick run

The transaction log (``customer_id, date, amount``) is drawn once from kehu's BTYD
generator (CDNOW's BG/NBD and Gamma-Gamma parameters, the purchase rate scaled so a
customer makes ``--mean-transactions`` purchases on average: 2.8 gives ~2.8 M rows for
1 M customers) and written to ``bench-out/value_engine_<customers>_<seed>_<mean>.parquet``.
Each tool then runs in its own child process on that file, so each peak RSS is its own,
``--repeat`` rounds (3; the table shows medians). A third child fits lifetimes' models on
kehu's own summary, to compare the models on identical numbers.
Results: a table on stdout and ``bench-out/value_engine.md`` (``value_engine_<customers>.md``
for other sizes, ``..._freqD.md`` with ``--lifetimes-freq D``). Exit status 1 when kehu
misses the target (10x faster end to end, lower peak RSS) or fails.
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
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench-out"
TARGET_SPEEDUP = 10.0
BGNBD = ("r", "alpha", "a", "b")
GG = ("p", "q", "v")
TOOLS = ("lifetimes", "kehu", "lifetimes-on-kehu")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--mean-transactions",
        type=float,
        default=2.8,
        help="purchases per customer on average, first included (CDNOW's own rate gives 2.73)",
    )
    parser.add_argument("--skip-lifetimes", action="store_true")
    parser.add_argument(
        "--lifetimes-freq",
        choices=["W", "D"],
        default="W",
        help="lifetimes' summary periods: W (weeks, its usual use) or D with freq_multiplier=7 "
        "(days counted, time in weeks: kehu's convention)",
    )
    parser.add_argument("--lifetimes-timeout-min", type=float, default=40.0)
    parser.add_argument(
        "--repeat", type=int, default=3, help="rounds (each tool once per round); medians shown"
    )
    parser.add_argument("--threads", type=int, default=None, help="DuckDB threads (all cores)")
    add_blas_option(parser)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--child", choices=TOOLS, help=argparse.SUPPRESS)
    parser.add_argument("--input", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def add_blas_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--blas-threads",
        type=int,
        default=None,
        help="OPENBLAS/OMP/MKL_NUM_THREADS for the children (default: the libraries' own, "
        "one thread per core)",
    )


# ---------------------------------------------------------------- machine and processes


def child_env(blas_threads: int | None) -> dict[str, str]:
    """The environment of a child: this one, with BLAS threads pinned when asked."""
    env = dict(os.environ)
    if blas_threads:
        for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env[name] = str(blas_threads)
    return env


def machine() -> dict[str, Any]:
    """Cores, memory, load and versions, for the table's caption."""
    mem_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    return {
        "commit": kehu_commit(),
        "nproc": os.cpu_count(),
        "ram_gib": round(mem_kb / 2**20, 1),
        "python": platform.python_version(),
        "load_avg": [round(x, 2) for x in os.getloadavg()],
    }


def kehu_commit() -> str:
    """The commit the measured code is at, marked ``+changes`` when src/ differs from it."""

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True).stdout

    dirty = git("status", "--porcelain", "--", "src").strip()
    return git("rev-parse", "--short", "HEAD").strip() + (" +changes in src/" if dirty else "")


def peak_rss_mb() -> float:
    """This process's peak resident set size (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _vm_hwm_mb(pid: int) -> float | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


def _tree_rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and all its descendants, summed (a JVM and its Python
    workers under Spark), from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    total_kb, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo.extend(children.get(current, []))
        try:
            status = Path(f"/proc/{current}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total_kb += int(line.split()[1])
    return total_kb / 1024


def _dir_mb(path: Path | None) -> float:
    if path is None or not path.exists():
        return 0.0
    total = 0
    for entry in path.rglob("*"):
        try:
            total += entry.stat().st_size if entry.is_file() else 0
        except OSError:  # DuckDB removes spill files while we look
            continue
    return total / 2**20


@dataclass
class ChildRun:
    """What a child process reported: step timings, results and its peak memory."""

    steps: dict[str, float] = field(default_factory=dict)
    step_peak_mb: dict[str, float] = field(default_factory=dict)
    result: dict[str, Any] = field(default_factory=dict)
    peak_rss_mb: float | None = None
    stopped_after_s: float | None = None
    stop_reason: str | None = None
    returncode: int | None = None
    error: str | None = None
    load_avg: list[float] = field(default_factory=list)
    peak_spill_mb: float = 0.0
    #: the largest sum of the RSS of the child and its descendants seen (sampled every 0.5 s)
    peak_tree_rss_mb: float = 0.0
    rounds: int = 1

    @property
    def total(self) -> float:
        return sum(self.steps.values())

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and self.stopped_after_s is None


def combine(runs: list[ChildRun]) -> ChildRun:
    """Median time of each step over the rounds, the highest peak RSS, the last results;
    a stopped or failed round is reported as it is."""
    if not runs[-1].ok:
        last = runs[-1]
        last.load_avg = [r.load_avg[0] for r in runs]
        return last
    steps = {step: float(np.median([r.steps[step] for r in runs])) for step in runs[0].steps}
    return ChildRun(
        steps=steps,
        step_peak_mb=runs[-1].step_peak_mb,
        result=runs[-1].result,
        peak_rss_mb=max(r.peak_rss_mb or 0.0 for r in runs),
        returncode=0,
        load_avg=[r.load_avg[0] for r in runs],
        peak_spill_mb=max(r.peak_spill_mb for r in runs),
        rounds=len(runs),
    )


def _available_mb() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) / 1024
    return float("inf")


def run_child(
    command: list[str],
    log: Path,
    timeout_s: float,
    spill_dir: Path | None = None,
    min_available_mb: float = 0.0,
    env: dict[str, str] | None = None,
) -> ChildRun:
    """Run ``command`` (which appends JSON lines to ``log``), polling its peak RSS and the
    size of ``spill_dir``; kill it after ``timeout_s``, or when the machine's available
    memory falls below ``min_available_mb`` (before the kernel's OOM killer picks a
    process of someone else), and keep what it had reported."""
    log.unlink(missing_ok=True)
    run = ChildRun()
    start = time.monotonic()
    stderr_path = log.with_suffix(".stderr")
    with stderr_path.open("w") as stderr:
        process = subprocess.Popen(command, stderr=stderr, cwd=REPO, env=env)
        hwm = 0.0
        while process.poll() is None:
            hwm = max(hwm, _vm_hwm_mb(process.pid) or 0.0)
            run.peak_tree_rss_mb = max(run.peak_tree_rss_mb, _tree_rss_mb(process.pid))
            run.peak_spill_mb = max(run.peak_spill_mb, _dir_mb(spill_dir))
            elapsed = time.monotonic() - start
            low_memory = _available_mb() < min_available_mb
            if elapsed > timeout_s or low_memory:
                process.kill()
                process.wait()
                run.stopped_after_s = elapsed
                run.stop_reason = (
                    f"machine memory below {min_available_mb:,.0f} MB available"
                    if low_memory
                    else f"time limit {timeout_s / 60:,.0f} min"
                )
                break
            time.sleep(0.5)
    run.returncode = process.returncode
    run.load_avg = [round(x, 2) for x in os.getloadavg()]
    for line in log.read_text().splitlines() if log.exists() else []:
        record = json.loads(line)
        if "step" in record:
            run.steps[record["step"]] = record["seconds"]
            run.step_peak_mb[record["step"]] = record["peak_rss_mb"]
        else:
            run.result.update(record)
    run.peak_rss_mb = run.result.get("peak_rss_mb", hwm or None)
    if process.returncode not in (0, None) and run.stopped_after_s is None:
        run.error = stderr_path.read_text()[-2000:]
    return run


class StepLog:
    """Appends one JSON line per finished step (so a killed run keeps its timings)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def write(self, record: dict[str, Any]) -> None:
        with self.path.open("a") as f:
            f.write(json.dumps(record, default=float) + "\n")

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        yield
        seconds = time.perf_counter() - start
        self.write({"step": name, "seconds": seconds, "peak_rss_mb": peak_rss_mb()})


# ---------------------------------------------------------------- input


def generate_log(customers: int, seed: int, mean_transactions: float, seed_offset: int = 0):
    """One chunk of the transaction log as a DataFrame ``customer_id, date, amount``;
    customer ids start at ``seed_offset`` (chunks of a larger log differ in the seed)."""
    from kehu.insight.generate import bg_nbd_for_mean_transactions, simulate_purchases

    params = bg_nbd_for_mean_transactions(mean_transactions)
    sim = simulate_purchases(customers, seed=seed, bg_nbd=params)
    tx = sim.transactions
    return pd.DataFrame(
        {
            "customer_id": tx["customer"].to_numpy(np.int64) + seed_offset,
            "date": tx["at"].to_numpy(),
            "amount": tx["amount"].to_numpy(),
        }
    )


def ensure_input(args: argparse.Namespace) -> tuple[Path, dict[str, Any]]:
    """Write the log once; later runs with the same size and seed reuse it."""
    args.out.mkdir(parents=True, exist_ok=True)
    stem = f"value_engine_{args.customers}_{args.seed}_{args.mean_transactions:g}"
    path = args.out / f"{stem}.parquet"
    meta_path = args.out / f"{stem}.json"
    if path.exists() and meta_path.exists():
        return path, json.loads(meta_path.read_text())
    start = time.perf_counter()
    log = generate_log(args.customers, args.seed, args.mean_transactions)
    generated = time.perf_counter() - start
    log.to_parquet(path, index=False)
    meta = {
        "rows": len(log),
        "customers": args.customers,
        "seed": args.seed,
        "mean_transactions": args.mean_transactions,
        "generate_s": round(generated, 1),
        "write_s": round(time.perf_counter() - start - generated, 1),
        "bytes": path.stat().st_size,
    }
    meta_path.write_text(json.dumps(meta))
    return path, meta


# ---------------------------------------------------------------- the two pipelines


def _quiet() -> None:
    warnings.simplefilter("ignore")


def lifetimes_pipeline(path: Path, workdir: Path, freq: str) -> None:
    """The peer: pandas read, lifetimes' summary, fits and predictions."""
    _quiet()
    from lifetimes import BetaGeoFitter, GammaGammaFitter
    from lifetimes.utils import summary_data_from_transaction_data

    log = StepLog(workdir / "lifetimes.jsonl")
    with log.step("read"):
        tx = pd.read_parquet(path)
    with log.step("summary"):
        multiplier = 7 if freq == "D" else 1
        summary = summary_data_from_transaction_data(
            tx, "customer_id", "date", "amount", freq=freq, freq_multiplier=multiplier
        )
    del tx
    f, r, T = summary["frequency"], summary["recency"], summary["T"]
    with log.step("BG/NBD fit"):
        bgf = BetaGeoFitter().fit(f, r, T)
    log.write({"bg_nbd": bgf.params_.to_dict()})
    with log.step("P(alive)"):
        alive = bgf.conditional_probability_alive(f, r, T)
    with log.step("expected purchases (52 weeks)"):
        expected = bgf.conditional_expected_number_of_purchases_up_to_time(52, f, r, T)
    repeat = summary[(f > 0) & (summary["monetary_value"] > 0)]
    with log.step("Gamma-Gamma fit"):
        ggf = GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
    with log.step("expected spend"):
        spend = ggf.conditional_expected_average_profit(f, summary["monetary_value"])
    log.write(
        {
            "gamma_gamma": ggf.params_.to_dict(),
            "customers": len(summary),
            "repeaters": len(repeat),
            **_prediction_stats(alive, expected, spend),
            "peak_rss_mb": peak_rss_mb(),
        }
    )
    columns = ["customer_id", "frequency", "recency", "T", "monetary_value"]
    summary.reset_index()[columns].to_parquet(workdir / "lifetimes_summary.parquet", index=False)


def kehu_pipeline(path: Path, workdir: Path, threads: int | None) -> None:
    """kehu: DuckDB summary straight from the Parquet file, then the numpy/scipy models."""
    _quiet()
    from kehu.insight.btyd import BgNbd, GammaGamma
    from kehu.insight.engine import DuckDBEngine
    from kehu.insight.summary import summarize

    log = StepLog(workdir / "kehu.jsonl")
    with log.step("read + summary"):
        summary = summarize(
            path,
            period="week",
            customer_col="customer_id",
            date_col="date",
            amount_col="amount",
            engine=DuckDBEngine(threads=threads),
        ).customers
    rfm = summary[["frequency", "recency", "T"]]
    with log.step("BG/NBD fit"):
        bg = BgNbd().fit(rfm)
    log.write({"bg_nbd": bg.params_, "bg_nbd_distinct_rows": bg.n_distinct_})
    with log.step("P(alive)"):
        alive = bg.conditional_probability_alive(rfm)
    with log.step("expected purchases (52 weeks)"):
        expected = bg.conditional_expected_purchases(52.0, rfm)
    spend_data = pd.DataFrame(
        {"frequency": summary["frequency"], "monetary_value": summary["monetary"]}
    )
    repeat = spend_data[(spend_data["frequency"] > 0) & (spend_data["monetary_value"] > 0)]
    with log.step("Gamma-Gamma fit"):
        gg = GammaGamma().fit(repeat)
    with log.step("expected spend"):
        spend = gg.conditional_expected_average_spend(spend_data)
    log.write(
        {
            "gamma_gamma": gg.params_,
            "customers": len(summary),
            "repeaters": len(repeat),
            **_prediction_stats(alive, expected, spend),
            "peak_rss_mb": peak_rss_mb(),
        }
    )
    out = summary[["customer_id", "frequency", "recency", "T", "monetary"]]
    out.rename(columns={"monetary": "monetary_value"}).to_parquet(
        workdir / "kehu_summary.parquet", index=False
    )


def lifetimes_on_kehu_summary(workdir: Path) -> None:
    """The peer's fits alone, on kehu's summary: same numbers in, fit time compared."""
    _quiet()
    from lifetimes import BetaGeoFitter, GammaGammaFitter

    log = StepLog(workdir / "lifetimes-on-kehu.jsonl")
    summary = pd.read_parquet(workdir / "kehu_summary.parquet")
    f, r, T = summary["frequency"], summary["recency"], summary["T"]
    with log.step("BG/NBD fit"):
        bgf = BetaGeoFitter().fit(f, r, T)
    with log.step("P(alive)"):
        bgf.conditional_probability_alive(f, r, T)
    with log.step("expected purchases (52 weeks)"):
        bgf.conditional_expected_number_of_purchases_up_to_time(52, f, r, T)
    repeat = summary[(f > 0) & (summary["monetary_value"] > 0)]
    with log.step("Gamma-Gamma fit"):
        ggf = GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
    with log.step("expected spend"):
        ggf.conditional_expected_average_profit(f, summary["monetary_value"])
    log.write(
        {
            "bg_nbd": bgf.params_.to_dict(),
            "gamma_gamma": ggf.params_.to_dict(),
            "peak_rss_mb": peak_rss_mb(),
        }
    )


def _prediction_stats(alive: Any, expected: Any, spend: Any) -> dict[str, float]:
    return {
        "mean_p_alive": float(np.mean(alive)),
        "sum_expected_purchases": float(np.sum(expected)),
        "mean_expected_spend": float(np.mean(spend)),
    }


# ---------------------------------------------------------------- agreement


def compare_summaries(workdir: Path, input_path: Path) -> dict[str, Any]:
    """Customers, frequency and time columns of the two summaries, joined by id. Where
    lifetimes counts purchase weeks, kehu counts purchase days: the week count is
    recomputed from the log (Monday-Sunday weeks, as pandas' ``W`` periods) to check it."""
    from kehu.insight.engine import DuckDBEngine

    ours = pd.read_parquet(workdir / "kehu_summary.parquet")
    ours["customer_id"] = ours["customer_id"].astype(np.int64)
    peer = pd.read_parquet(workdir / "lifetimes_summary.parquet")
    both = ours.merge(peer, on="customer_id", suffixes=("_kehu", "_lt"), how="outer")
    with DuckDBEngine() as engine:
        weeks = engine.query(
            "SELECT customer_id, COUNT(DISTINCT date_trunc('week', CAST(date AS DATE))) - 1 "
            f"AS week_frequency FROM read_parquet('{input_path}') GROUP BY customer_id",
            "purchase weeks",
        ).to_pandas()
    both = both.merge(weeks, on="customer_id", how="left")
    same_f = both["frequency_kehu"] == both["frequency_lt"]
    return {
        "customers_kehu": len(ours),
        "customers_lifetimes": len(peer),
        "customers_in_both": int(
            both["frequency_kehu"].notna().mul(both["frequency_lt"].notna()).sum()
        ),
        "frequency_identical": int(same_f.sum()),
        "frequency_differs": int((~same_f).sum()),
        "lifetimes_frequency_is_week_count": bool(
            (both["frequency_lt"] == both["week_frequency"]).all()
        ),
        "max_abs_T_diff_weeks": float((both["T_kehu"] - both["T_lt"]).abs().max()),
        "mean_T_kehu": float(both["T_kehu"].mean()),
        "mean_T_lifetimes": float(both["T_lt"].mean()),
        "mean_recency_kehu": float(both["recency_kehu"].mean()),
        "mean_recency_lifetimes": float(both["recency_lt"].mean()),
    }


def relative_gaps(a: dict[str, float], b: dict[str, float], names: tuple[str, ...]) -> float:
    return max(abs(a[n] - b[n]) / abs(b[n]) for n in names)


# ---------------------------------------------------------------- report

STEPS = (
    "read",
    "summary",
    "read + summary",
    "BG/NBD fit",
    "P(alive)",
    "expected purchases (52 weeks)",
    "Gamma-Gamma fit",
    "expected spend",
)


def _seconds(run: ChildRun | None, step: str) -> float | None:
    if run is None:
        return None
    if step == "read + summary" and "read" in run.steps:
        return run.steps["read"] + run.steps.get("summary", float("nan"))
    return run.steps.get(step)


def _fmt(value: float | None, digits: int = 2) -> str:
    if value is None or not np.isfinite(value):
        return "-"
    return f"{value:,.{digits}f}"


def _speedup(peer: float | None, ours: float | None) -> str:
    if peer is None or ours is None or not ours > 0:
        return "-"
    return f"{peer / ours:,.1f}x"


def render(
    meta: dict[str, Any],
    host: dict[str, Any],
    runs: dict[str, ChildRun | None],
    checks: dict[str, Any],
    freq: str,
    blas_threads: int | None,
) -> str:
    peer, ours, fair = runs["lifetimes"], runs["kehu"], runs["lifetimes-on-kehu"]
    peer_label = "lifetimes s"
    if peer is not None and peer.stopped_after_s is not None:
        peer_label = f"lifetimes s (stopped after {peer.stopped_after_s / 60:.0f} min)"
    lines = [
        f"Input: {meta['customers']:,} customers, {meta['rows']:,} transactions "
        f"({meta['bytes'] / 2**20:,.0f} MiB Parquet; generated in {meta['generate_s']} s, "
        f"seed {meta['seed']}, {meta['mean_transactions']:g} purchases per customer on "
        f"average). lifetimes summary: freq={freq!r}"
        + (" with freq_multiplier=7." if freq == "D" else "."),
        "",
        f"BLAS threads: {blas_threads or 'library default (one per core)'}.",
        "",
        f"Machine: {host['nproc']} cores, {host['ram_gib']} GiB RAM, Python {host['python']}; "
        f"kehu at {host['commit']}; "
        f"load average before {host['load_avg']}; 1-minute load after each run: "
        + "; ".join(f"{k} {r.load_avg}" for k, r in runs.items() if r is not None)
        + ".",
        "",
        f"Times are medians of {ours.rounds if ours else 0} rounds (each tool in its own "
        "process, every round); peak RSS is the highest of the rounds.",
        "",
        f"| step | {peer_label} | kehu s | speed-up |",
        "|---|---|---|---|",
    ]
    for step in STEPS:
        p, k = _seconds(peer, step), _seconds(ours, step)
        if p is None and k is None:
            continue
        lines.append(f"| {step} | {_fmt(p)} | {_fmt(k)} | {_speedup(p, k)} |")
    p_total = peer.total if peer is not None else None
    k_total = ours.total if ours is not None else None
    lines.append(
        f"| **end to end** | **{_fmt(p_total)}** | **{_fmt(k_total)}** | "
        f"**{_speedup(p_total, k_total)}** |"
    )
    peak_p = peer.peak_rss_mb if peer is not None else None
    peak_k = ours.peak_rss_mb if ours is not None else None
    ratio = f"kehu/lifetimes {peak_k / peak_p:.2f}" if peak_p and peak_k else "-"
    lines.append(f"| peak RSS, MB | {_fmt(peak_p, 0)} | {_fmt(peak_k, 0)} | {ratio} |")
    if fair is not None and ours is not None:
        lines += [
            "",
            "lifetimes' models alone on kehu's summary (the same numbers in):",
            "",
            "| step | lifetimes s | kehu s | speed-up |",
            "|---|---|---|---|",
        ]
        for step in STEPS[3:]:
            p, k = fair.steps.get(step), ours.steps.get(step)
            lines.append(f"| {step} | {_fmt(p)} | {_fmt(k)} | {_speedup(p, k)} |")
        p_fit, k_fit = fair.total, ours.total - _seconds(ours, "read + summary")
        lines.append(
            f"| **models only** | **{_fmt(p_fit)}** | **{_fmt(k_fit)}** | "
            f"**{_speedup(p_fit, k_fit)}** |"
        )
    lines += ["", *agreement_lines(runs, checks)]
    return "\n".join(lines) + "\n"


def _params(values: dict[str, float], names: tuple[str, ...]) -> str:
    return ", ".join(f"{n}={values[n]:.4g}" for n in names)


def agreement_lines(runs: dict[str, ChildRun | None], checks: dict[str, Any]) -> list[str]:
    ours = runs["kehu"]
    if ours is None or not ours.result:
        return ["kehu did not finish: no agreement checks."]
    k = ours.result
    lines = [
        f"kehu: {k['customers']:,} customers ({k['repeaters']:,} repeaters; BG/NBD fitted on "
        f"{k['bg_nbd_distinct_rows']:,} distinct rows); BG/NBD {_params(k['bg_nbd'], BGNBD)}; "
        f"Gamma-Gamma {_params(k['gamma_gamma'], GG)}; mean P(alive) {k['mean_p_alive']:.4f}, "
        f"expected purchases in 52 weeks {k['sum_expected_purchases']:,.0f}, mean expected "
        f"spend {k['mean_expected_spend']:.2f}.",
    ]
    peer = runs["lifetimes"]
    if peer is not None and "bg_nbd" in peer.result and "customers" in peer.result:
        p = peer.result
        lines.append(
            f"lifetimes: {p['customers']:,} customers ({p['repeaters']:,} repeaters); BG/NBD "
            f"{_params(p['bg_nbd'], BGNBD)}; Gamma-Gamma {_params(p['gamma_gamma'], GG)}; "
            f"mean P(alive) {p['mean_p_alive']:.4f}, expected purchases in 52 weeks "
            f"{p['sum_expected_purchases']:,.0f}, mean expected spend "
            f"{p['mean_expected_spend']:.2f}."
        )
    if checks:
        lines.append(
            f"Summaries: {checks['customers_in_both']:,} customers in both; frequency identical "
            f"for {checks['frequency_identical']:,}, different for "
            f"{checks['frequency_differs']:,} (lifetimes' frequency equals the count of distinct "
            f"Monday-Sunday purchase weeks - 1 for every customer: "
            f"{checks['lifetimes_frequency_is_week_count']}); mean T {checks['mean_T_kehu']:.3f} "
            f"(kehu, days/7) vs {checks['mean_T_lifetimes']:.3f} (lifetimes), mean recency "
            f"{checks['mean_recency_kehu']:.3f} vs {checks['mean_recency_lifetimes']:.3f}, "
            f"largest T gap {checks['max_abs_T_diff_weeks']:.3f} weeks."
        )
    fair = runs["lifetimes-on-kehu"]
    if fair is not None and "bg_nbd" in fair.result:
        f = fair.result
        lines.append(
            f"lifetimes on kehu's summary: BG/NBD {_params(f['bg_nbd'], BGNBD)} (largest "
            f"relative gap to kehu {relative_gaps(k['bg_nbd'], f['bg_nbd'], BGNBD):.1e}); "
            f"Gamma-Gamma {_params(f['gamma_gamma'], GG)} (largest gap "
            f"{relative_gaps(k['gamma_gamma'], f['gamma_gamma'], GG):.1e})."
        )
    for name, run in runs.items():
        if run is not None and run.error:
            lines.append(f"{name} failed (exit {run.returncode}): {run.error.strip()[-500:]}")
    return lines


# ---------------------------------------------------------------- main


def child_command(tool: str, args: argparse.Namespace, path: Path, workdir: Path) -> list[str]:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", tool]
    command += ["--input", str(path), "--workdir", str(workdir)]
    command += ["--lifetimes-freq", args.lifetimes_freq]
    return command + (["--threads", str(args.threads)] if args.threads else [])


def run_child_mode(args: argparse.Namespace) -> None:
    pipelines: dict[str, Callable[[], None]] = {
        "lifetimes": lambda: lifetimes_pipeline(args.input, args.workdir, args.lifetimes_freq),
        "kehu": lambda: kehu_pipeline(args.input, args.workdir, args.threads),
        "lifetimes-on-kehu": lambda: lifetimes_on_kehu_summary(args.workdir),
    }
    pipelines[args.child]()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        run_child_mode(args)
        return 0
    host = machine()
    print(f"machine: {host}", flush=True)
    path, meta = ensure_input(args)
    print(f"input: {path} {meta}", flush=True)
    workdir = args.out / f"value_engine_{args.customers}_{args.lifetimes_freq}_work"
    if args.blas_threads:
        workdir = workdir.with_name(f"{workdir.name}_blas{args.blas_threads}")
    workdir.mkdir(parents=True, exist_ok=True)
    order = ["kehu"] if args.skip_lifetimes else ["kehu", "lifetimes", "lifetimes-on-kehu"]
    rounds: dict[str, list[ChildRun]] = {tool: [] for tool in order}
    for round_no in range(1, args.repeat + 1):
        for tool in order:
            if rounds[tool] and not rounds[tool][-1].ok:
                continue  # stopped or failed once: not again
            timeout = args.lifetimes_timeout_min * 60 if tool != "kehu" else 24 * 3600
            print(f"round {round_no}: {tool} ...", flush=True)
            run = run_child(
                child_command(tool, args, path, workdir),
                workdir / f"{tool}.jsonl",
                timeout,
                env=child_env(args.blas_threads),
            )
            print(f"  {run}", flush=True)
            rounds[tool].append(run)
    runs: dict[str, ChildRun | None] = dict.fromkeys(TOOLS)
    runs.update({tool: combine(done) for tool, done in rounds.items()})
    checks: dict[str, Any] = {}
    peer = runs["lifetimes"]
    if peer is not None and peer.returncode == 0:
        checks = compare_summaries(workdir, path)
    report = render(meta, host, runs, checks, args.lifetimes_freq, args.blas_threads)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    suffix = "" if args.customers == 1_000_000 else f"_{args.customers}"
    suffix += "_freqD" if args.lifetimes_freq == "D" else ""
    suffix += f"_blas{args.blas_threads}" if args.blas_threads else ""
    (args.out / f"value_engine{suffix}.md").write_text(f"Measured {stamp}.\n\n{report}")
    print(report)
    ours = runs["kehu"]
    if ours is None or ours.returncode != 0:
        return 1
    if peer is None or peer.returncode != 0:
        return 0
    fast = peer.total / ours.total >= TARGET_SPEEDUP
    lean = (ours.peak_rss_mb or 0) < (peer.peak_rss_mb or 0)
    return 0 if fast and lean else 1


if __name__ == "__main__":
    sys.exit(main())
