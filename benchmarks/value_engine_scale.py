"""kehu's value engine alone on a large generated log (100 M transactions by default):
summary in DuckDB under a memory limit (it spills to disk), BG/NBD fit on the summary
(identical rows compressed), predictions and Gamma-Gamma, with time and peak memory per
step.

    .venv/bin/python benchmarks/value_engine_scale.py                           # 100 M
    .venv/bin/python benchmarks/value_engine_scale.py --transactions 10000000   # 10 M

The log is drawn from kehu's BTYD generator in chunks of ``--chunk-customers`` customers
(each chunk its own seed, ``seed + chunk number``; customer ids continue across chunks)
and appended to one Parquet file, so the whole log is never in memory. With 2.8
purchases per customer on average (as ``value_engine.py``), 100 M transactions take
35.7 M customers. A file with the same size and seed is reused. kehu runs in a child
process, so its peak RSS is its own; DuckDB spills to ``bench-out/value_engine_scale_work/
duckdb_tmp``, and the run is stopped (not the machine's other jobs) when less than
``--min-available-mb`` of memory is left. ``--stages`` also times every table and query
inside ``summarize()``. Results: a table on stdout and ``bench-out/value_engine_scale.md``
(suffixed with the size, ``_stages``, ``_mem<limit>``, ``_blas<n>`` when those differ).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from value_engine import (
    OUT,
    ChildRun,
    StepLog,
    add_blas_option,
    child_env,
    generate_log,
    machine,
    peak_rss_mb,
    run_child,
)

STEPS = (
    "summary (DuckDB)",
    "BG/NBD fit",
    "P(alive)",
    "expected purchases (52 weeks)",
    "Gamma-Gamma fit",
    "expected spend",
)
STAGE_PREFIX = "summarize: "


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--transactions", type=int, default=100_000_000)
    parser.add_argument("--mean-transactions", type=float, default=2.8)
    parser.add_argument("--chunk-customers", type=int, default=2_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--memory-limit", default="16GB", help="DuckDB memory_limit")
    parser.add_argument("--threads", type=int, default=None, help="DuckDB threads (all cores)")
    add_blas_option(parser)
    parser.add_argument(
        "--stages",
        action="store_true",
        help="also time each table and query of summarize() (a timing wrapper on its engine)",
    )
    parser.add_argument(
        "--min-available-mb",
        type=float,
        default=1024.0,
        help="stop kehu when the machine has less memory available than this",
    )
    parser.add_argument(
        "--engines",
        default="duckdb,spark",
        help="which to run, one after the other on the same file: duckdb, spark or both",
    )
    parser.add_argument("--spark-master", default="local[*]", help="Spark's master")
    parser.add_argument(
        "--spark-memory", default="12g", help="Spark driver memory (local mode: all of Spark)"
    )
    parser.add_argument(
        "--spark-partitions", type=int, default=64, help="spark.sql.shuffle.partitions"
    )
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--engine", default="duckdb", help=argparse.SUPPRESS)
    parser.add_argument("--input", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# ---------------------------------------------------------------- input


def customers_for(transactions: int, mean_transactions: float) -> int:
    return round(transactions / mean_transactions)


def write_log(path: Path, customers: int, args: argparse.Namespace) -> dict[str, Any]:
    """Generate the log chunk by chunk into one Parquet file (one write per chunk)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    start = time.perf_counter()
    rows = 0
    partial = path.with_suffix(".partial")
    writer = None
    try:
        for first in range(0, customers, args.chunk_customers):
            n = min(args.chunk_customers, customers - first)
            seed = args.seed + first // args.chunk_customers
            chunk = pa.Table.from_pandas(
                generate_log(n, seed, args.mean_transactions, seed_offset=first),
                preserve_index=False,
            )
            writer = writer or pq.ParquetWriter(partial, chunk.schema)
            writer.write_table(chunk)
            rows += chunk.num_rows
            print(f"  {first + n:,} customers, {rows:,} rows", flush=True)
    finally:
        if writer is not None:
            writer.close()
    partial.rename(path)
    return {
        "rows": rows,
        "customers": customers,
        "seed": args.seed,
        "mean_transactions": args.mean_transactions,
        "chunk_customers": args.chunk_customers,
        "generate_and_write_s": round(time.perf_counter() - start, 1),
        "bytes": path.stat().st_size,
        "peak_rss_mb_generating": round(peak_rss_mb()),
    }


def ensure_input(args: argparse.Namespace) -> tuple[Path, dict[str, Any]]:
    args.out.mkdir(parents=True, exist_ok=True)
    customers = customers_for(args.transactions, args.mean_transactions)
    stem = f"value_engine_scale_{customers}_{args.seed}_{args.mean_transactions:g}"
    path, meta_path = args.out / f"{stem}.parquet", args.out / f"{stem}.json"
    if path.exists() and meta_path.exists():
        return path, json.loads(meta_path.read_text())
    meta = write_log(path, customers, args)
    meta_path.write_text(json.dumps(meta))
    return path, meta


# ---------------------------------------------------------------- kehu, in the child


def _engine(args: argparse.Namespace, spill: Path, log: StepLog | None) -> Any:
    """kehu's DuckDB engine; with ``log``, every table it materialises and every query it
    runs is timed (the real :func:`~kehu.insight.summary.summarize`, stage by stage)."""
    from kehu.insight.engine import DuckDBEngine

    class TimedEngine(DuckDBEngine):
        def materialize(self, name: str, sql: str) -> None:
            with log.step(f"{STAGE_PREFIX}table {name}"):
                super().materialize(name, sql)

        def query(self, sql: str, step: str) -> Any:
            with log.step(f"{STAGE_PREFIX}query {step}"):
                return super().query(sql, step)

    cls = TimedEngine if log is not None else DuckDBEngine
    engine = cls(threads=args.threads, memory_limit=args.memory_limit)
    spill.mkdir(parents=True, exist_ok=True)
    # an in-memory database spills to ./.tmp by default: keep it under bench-out
    engine.connection.execute("SET temp_directory = ?", [str(spill)])
    return engine


def kehu_at_scale(args: argparse.Namespace) -> None:
    import warnings

    from kehu.insight.btyd import BgNbd, GammaGamma
    from kehu.insight.summary import summarize

    warnings.simplefilter("ignore")
    log = StepLog(args.workdir / "kehu_scale.jsonl")
    engine = _engine(args, args.workdir / "duckdb_tmp", log if args.stages else None)
    with log.step(STEPS[0]):
        summary = summarize(
            args.input,
            period="week",
            customer_col="customer_id",
            date_col="date",
            amount_col="amount",
            engine=engine,
        ).customers
    del engine  # closes the connection: DuckDB's memory goes back
    summary_mb = summary.memory_usage(deep=True).sum() / 2**20
    log.write({"customers": len(summary), "summary_mb": summary_mb})
    rfm = summary[["frequency", "recency", "T"]]
    with log.step(STEPS[1]):
        bg = BgNbd().fit(rfm)
    log.write({"bg_nbd": bg.params_, "bg_nbd_distinct_rows": bg.n_distinct_})
    with log.step(STEPS[2]):
        alive = bg.conditional_probability_alive(rfm)
    with log.step(STEPS[3]):
        expected = bg.conditional_expected_purchases(52.0, rfm)
    spend_data = pd.DataFrame(
        {"frequency": summary["frequency"], "monetary_value": summary["monetary"]}
    )
    del summary, rfm
    repeat = spend_data[(spend_data["frequency"] > 0) & (spend_data["monetary_value"] > 0)]
    with log.step(STEPS[4]):
        gg = GammaGamma().fit(repeat)
    log.write({"gamma_gamma": gg.params_, "gamma_gamma_distinct_rows": gg.n_distinct_})
    with log.step(STEPS[5]):
        spend = gg.conditional_expected_average_spend(spend_data)
    log.write(
        {
            "repeaters": len(repeat),
            "mean_p_alive": float(alive.mean()),
            "sum_expected_purchases": float(expected.sum()),
            "mean_expected_spend": float(spend.mean()),
            "peak_rss_mb": peak_rss_mb(),
        }
    )


def kehu_on_spark(args: argparse.Namespace) -> None:
    """The same steps on Spark (local mode by default), as ``kehu analyze --engine spark``
    runs them: the summary stays on Spark, the fits see the distinct rows it counts, and
    the predictions run where the rows lie (pandas on Arrow batches)."""
    import warnings

    import numpy as np

    from kehu.insight.btyd import BgNbd, GammaGamma
    from kehu.insight.distributed import SUMMARY, repeat_buyers, summary_table
    from kehu.insight.engine import SparkEngine
    from kehu.insight.summary import prepare_input, summary_dates

    warnings.simplefilter("ignore")
    log = StepLog(args.workdir / "kehu_scale.jsonl")
    local_dir = args.workdir / "spark_tmp"
    local_dir.mkdir(parents=True, exist_ok=True)
    config = {
        "spark.driver.memory": args.spark_memory,
        "spark.local.dir": str(local_dir),
        "spark.sql.shuffle.partitions": str(args.spark_partitions),
    }
    engine = SparkEngine(master=args.spark_master, config=config)
    with log.step(SPARK_STEPS[0]):
        prepare_input(
            args.input, engine, customer_col="customer_id", date_col="date", amount_col="amount"
        )
        cal_end, _ = summary_dates(engine, None, None)
        summary_table(engine, SUMMARY, "week", cal_end, None)
    customers = engine.query(f"SELECT COUNT(*) AS n FROM {SUMMARY}", "customers").to_pylist()
    log.write({"customers": customers[0]["n"], "summary_mb": 0.0})
    with log.step(SPARK_STEPS[1]):
        distinct = engine.query(
            f"SELECT frequency, recency, T, COUNT(*) AS n FROM {SUMMARY} "
            "GROUP BY frequency, recency, T",
            "distinct rows",
        ).to_pandas()
        bg = BgNbd().fit(distinct[["frequency", "recency", "T"]], distinct["n"].to_numpy(float))
    log.write({"bg_nbd": bg.params_, "bg_nbd_distinct_rows": bg.n_distinct_})

    def predict(part: pd.DataFrame) -> pd.DataFrame:
        rfm = part[["frequency", "recency", "T"]]
        part["p_alive"] = bg.conditional_probability_alive(rfm)
        part["expected_purchases"] = bg.conditional_expected_purchases(52.0, rfm)
        return part

    with log.step(SPARK_STEPS[2]):
        added = {"p_alive": "double", "expected_purchases": "double"}
        engine.map_partitions("kehu_predicted", SUMMARY, predict, added)
        engine.materialize("kehu_predicted_once", "SELECT * FROM kehu_predicted")
        predicted = engine.query(
            "SELECT AVG(p_alive) AS p, SUM(expected_purchases) AS e FROM kehu_predicted_once",
            "predictions",
        ).to_pylist()[0]
    notes: list[str] = []
    with log.step(SPARK_STEPS[3]):
        repeaters, counts = repeat_buyers(engine, notes)
        gg = GammaGamma().fit(repeaters, counts)
    log.write({"gamma_gamma": gg.params_, "gamma_gamma_distinct_rows": gg.n_distinct_})

    def spend(part: pd.DataFrame) -> pd.DataFrame:
        data = pd.DataFrame({"frequency": part["frequency"], "monetary_value": part["monetary"]})
        part["expected_spend"] = gg.conditional_expected_average_spend(data)
        return part

    with log.step(SPARK_STEPS[4]):
        engine.map_partitions(
            "kehu_spend", "kehu_predicted_once", spend, {"expected_spend": "double"}
        )
        mean_spend = engine.query(
            "SELECT AVG(expected_spend) AS s FROM kehu_spend", "expected spend"
        ).to_pylist()[0]["s"]
    log.write(
        {
            "repeaters": int(np.sum(counts)),
            "mean_p_alive": float(predicted["p"]),
            "sum_expected_purchases": float(predicted["e"]),
            "mean_expected_spend": float(mean_spend),
            "notes": notes,
            "peak_rss_mb": peak_rss_mb(),
        }
    )
    engine.session.stop()


SPARK_STEPS = (
    "summary (Spark)",
    "BG/NBD fit",
    "P(alive) and expected purchases (52 weeks), on Spark",
    "Gamma-Gamma fit",
    "expected spend, on Spark",
)
#: each Spark step against the DuckDB steps it does the work of
SIDE_BY_SIDE = (
    ("summary", (STEPS[0],), (SPARK_STEPS[0],)),
    ("BG/NBD fit", (STEPS[1],), (SPARK_STEPS[1],)),
    ("P(alive) and expected purchases", (STEPS[2], STEPS[3]), (SPARK_STEPS[2],)),
    ("Gamma-Gamma fit", (STEPS[4],), (SPARK_STEPS[3],)),
    ("expected spend", (STEPS[5],), (SPARK_STEPS[4],)),
)


def render_side_by_side(runs: dict[str, ChildRun]) -> str:
    duck, spark = runs["duckdb"], runs["spark"]
    lines = ["| step | DuckDB (s) | Spark local (s) |", "|---|---:|---:|"]

    def seconds(run: ChildRun, steps: tuple[str, ...]) -> str:
        if not all(s in run.steps for s in steps):
            return "–"
        return f"{sum(run.steps[s] for s in steps):,.1f}"

    for label, duck_steps, spark_steps in SIDE_BY_SIDE:
        lines.append(f"| {label} | {seconds(duck, duck_steps)} | {seconds(spark, spark_steps)} |")
    duck_total = sum(duck.steps.get(s, 0.0) for s in STEPS)
    spark_total = sum(spark.steps.get(s, 0.0) for s in SPARK_STEPS)
    lines.append(f"| **total** | **{duck_total:,.1f}** | **{spark_total:,.1f}** |")
    lines.append(
        f"| peak memory, all processes (MB) | {duck.peak_tree_rss_mb:,.0f} "
        f"| {spark.peak_tree_rss_mb:,.0f} |"
    )
    for name, run in (("DuckDB", duck), ("Spark", spark)):
        if run.stopped_after_s is not None:
            lines.append(
                f"\n{name} STOPPED after {run.stopped_after_s:,.0f} s ({run.stop_reason})."
            )
        if run.error:
            lines.append(f"\n{name} FAILED (exit {run.returncode}): {run.error.strip()[-800:]}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- report


def render(
    meta: dict[str, Any], host: dict[str, Any], run: ChildRun, args: Any, engine: str = "duckdb"
) -> str:
    stages = [step for step in run.steps if step.startswith(STAGE_PREFIX)]
    own_steps = STEPS if engine == "duckdb" else SPARK_STEPS
    steps = [own_steps[0], *stages, *own_steps[1:]]
    if stages and STEPS[0] in run.steps:
        rest = run.steps[STEPS[0]] - sum(run.steps[s] for s in stages)
        steps.insert(len(stages) + 1, f"{STAGE_PREFIX}rest (Arrow to pandas, Python)")
        run.steps[steps[len(stages) + 1]] = rest
        run.step_peak_mb[steps[len(stages) + 1]] = run.step_peak_mb.get(STEPS[0], 0.0)
    lines = [
        f"Input: {meta['rows']:,} transactions of {meta['customers']:,} customers "
        f"({meta['mean_transactions']:g} purchases per customer on average, seed "
        f"{meta['seed']}), one Parquet file of {meta['bytes'] / 2**30:,.2f} GiB; generated "
        f"and written in {meta['generate_and_write_s']:,} s in chunks of "
        f"{meta['chunk_customers']:,} customers (generator peak RSS "
        f"{meta['peak_rss_mb_generating']:,} MB).",
        "",
        f"Machine: {host['nproc']} cores, {host['ram_gib']} GiB RAM, Python "
        f"{host['python']}; kehu at {host['commit']}; "
        + (
            f"DuckDB memory_limit {args.memory_limit}, threads {args.threads or 'all'}; "
            if engine == "duckdb"
            else f"Spark {args.spark_master}, driver memory {args.spark_memory}, "
            f"{args.spark_partitions} shuffle partitions; "
        )
        + f"BLAS threads {args.blas_threads or 'library default'}; "
        f"load average before {host['load_avg']}, after "
        f"{run.load_avg}.",
        "",
        "| step | seconds | peak RSS so far, MB |",
        "|---|---|---|",
    ]
    for step in steps:
        if step in run.steps:
            label = step.replace(STAGE_PREFIX, "↳ ")
            lines.append(f"| {label} | {run.steps[step]:,.1f} | {run.step_peak_mb[step]:,.0f} |")
    total = sum(run.steps[s] for s in own_steps if s in run.steps)
    lines.append(f"| **total** | **{total:,.1f}** | **{run.peak_rss_mb or 0:,.0f}** |")
    spill = "DuckDB spill (temp_directory)" if engine == "duckdb" else "Spark spill (local dir)"
    lines += [
        "",
        f"Peak {spill}: {run.peak_spill_mb:,.0f} MB. Peak resident memory of all the run's "
        f"processes together (sampled every 0.5 s): {run.peak_tree_rss_mb:,.0f} MB"
        + (" (the driver's own peak is the table's)." if engine == "spark" else "."),
    ]
    result = run.result
    if "bg_nbd" in result:
        bg = ", ".join(f"{k}={v:.4g}" for k, v in result["bg_nbd"].items())
        lines.append(
            f"Summary: {result['customers']:,} customers ({result['summary_mb']:,.0f} MB as "
            f"pandas); BG/NBD {bg} on {result['bg_nbd_distinct_rows']:,} distinct rows."
        )
    if "gamma_gamma" in result:
        gg = ", ".join(f"{k}={v:.4g}" for k, v in result["gamma_gamma"].items())
        lines.append(f"Gamma-Gamma {gg} on {result['gamma_gamma_distinct_rows']:,} distinct rows.")
    if run.stopped_after_s is not None:
        lines.append(
            f"STOPPED after {run.stopped_after_s:,.0f} s ({run.stop_reason}); last step "
            f"finished: {next(reversed(run.steps), 'none')}."
        )
    if run.error:
        lines.append(f"FAILED (exit {run.returncode}): {run.error.strip()[-1500:]}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        kehu_on_spark(args) if args.engine == "spark" else kehu_at_scale(args)
        return 0
    host = machine()
    print(f"machine: {host}", flush=True)
    path, meta = ensure_input(args)
    print(f"input: {path} {meta}", flush=True)
    workdir = args.out / "value_engine_scale_work"
    workdir.mkdir(parents=True, exist_ok=True)
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    runs: dict[str, ChildRun] = {}
    reports = []
    for engine in engines:
        command = [sys.executable, str(Path(__file__).resolve()), "--child", "--engine", engine]
        command += ["--input", str(path), "--workdir", str(workdir)]
        command += ["--memory-limit", args.memory_limit]
        command += ["--threads", str(args.threads)] if args.threads else []
        command += ["--stages"] if args.stages else []
        command += ["--spark-master", args.spark_master, "--spark-memory", args.spark_memory]
        command += ["--spark-partitions", str(args.spark_partitions)]
        print(f"running kehu on {engine} ...", flush=True)
        spill = workdir / ("duckdb_tmp" if engine == "duckdb" else "spark_tmp")
        runs[engine] = run_child(
            command,
            workdir / "kehu_scale.jsonl",
            timeout_s=24 * 3600,
            spill_dir=spill,
            min_available_mb=args.min_available_mb,
            env=child_env(args.blas_threads),
        )
        reports.append(f"### {engine}\n\n" + render(meta, host, runs[engine], args, engine))
    report = "\n".join(reports)
    if {"duckdb", "spark"} <= set(runs):
        report = "### side by side\n\n" + render_side_by_side(runs) + "\n" + report
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    suffix = "" if args.transactions == 100_000_000 else f"_{args.transactions}"
    suffix += "_stages" if args.stages else ""
    suffix += f"_mem{args.memory_limit}" if args.memory_limit != "16GB" else ""
    suffix += f"_blas{args.blas_threads}" if args.blas_threads else ""
    suffix += "" if engines == ["duckdb", "spark"] else "_" + "_".join(engines)
    (args.out / f"value_engine_scale{suffix}.md").write_text(f"Measured {stamp}.\n\n{report}")
    print(report)
    return 0 if all(run.returncode == 0 for run in runs.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
