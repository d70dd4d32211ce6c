"""The CRM's analysis run at scale: ``kehu score``, as a user or cron runs it, on the
database of ``crm_latency.py`` (1 M customers, 5 M orders by default; its SQLite file, or
PostgreSQL with ``--database-url``), timed step by step with its memory, while the web
app serves a user who clicks through the customer list and 360 pages.

    .venv/bin/python benchmarks/crm_score.py                                  # SQLite
    .venv/bin/python benchmarks/crm_score.py --database-url postgresql://...  # PostgreSQL
    .venv/bin/python benchmarks/crm_score.py --customers 20000                # a quick run

Targets (issue 16): the whole run within 10 minutes; the list and the 360 page each under
300 ms at p95 while the run goes on. The database is loaded as ``crm_latency.py`` loads
it (and reused when it holds the requested data). Steps are read as the web page reads
them, from the run's progress in the database (polled every 0.2 s); each step's memory
is the largest resident set of the ``kehu score`` process seen while it ran, and the
whole run's peak is the kernel's (``wait4``). Results: a table on stdout and
``bench-out/crm_score.md`` (``crm_score_postgresql.md``).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import crm_latency as latency  # noqa: E402 (the benchmark beside this one)

RUN_TARGET_S = 600.0
PAGE_TARGET_MS = 300.0
POLL_S = 0.2


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--orders-per-customer", type=float, default=5.0)
    parser.add_argument("--db", type=Path, default=latency.OUT / "crm_latency.sqlite3")
    parser.add_argument("--database-url", help="a PostgreSQL database (see crm_latency.py)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--think-time", type=float, default=0.5, help="seconds the user waits between pages"
    )
    return parser.parse_args(argv)


# ---------------------------------------------------------------- the run, step by step


@dataclass
class Step:
    text: str
    started: float
    ended: float = 0.0
    peak_rss_mb: float = 0.0

    @property
    def seconds(self) -> float:
        return self.ended - self.started


def resident_mb(pid: int) -> float:
    """The resident set of a process now (0 once it has ended)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def latest_run_id() -> int:
    from kehu.crm.intelligence.models import ValueRun

    return ValueRun.objects.order_by("-id").values_list("id", flat=True).first() or 0


def progress_of_new_run(after_id: int) -> tuple[str, str] | None:
    """(status, progress text) of the run the child started, once it exists."""
    from django.db import connection

    from kehu.crm.intelligence.models import ValueRun

    row = (
        ValueRun.objects.filter(id__gt=after_id)
        .order_by("id")
        .values_list("status", "progress_text")
        .first()
    )
    connection.close()  # a fresh read each time, never a snapshot of an open transaction
    return row


@dataclass
class Run:
    steps: list[Step] = field(default_factory=list)
    wall_s: float = 0.0
    peak_rss_mb: float = 0.0
    returncode: int = 0
    output: str = ""


def run_score(env: dict[str, str], out_dir: Path) -> Run:
    """``kehu score`` as a child process, watched until it ends."""
    before = latest_run_id()
    log_path = out_dir / "crm_score_child.log"
    started = time.perf_counter()
    with log_path.open("w") as log:
        child = subprocess.Popen([latency.BIN / "kehu", "score"], env=env, stdout=log, stderr=log)
        run = Run()
        while True:
            finished, status, usage = os.wait4(child.pid, os.WNOHANG)
            now = time.perf_counter()
            if finished:
                break
            row = progress_of_new_run(before)
            text = row[1] if row else "starting"
            if not run.steps or run.steps[-1].text != text:
                if run.steps:
                    run.steps[-1].ended = now
                run.steps.append(Step(text, now))
            step = run.steps[-1]
            step.peak_rss_mb = max(step.peak_rss_mb, resident_mb(child.pid))
            time.sleep(POLL_S)
    run.steps[-1].ended = now
    run.wall_s = now - started
    run.peak_rss_mb = usage.ru_maxrss / 1024
    run.returncode = os.waitstatus_to_exitcode(status)
    run.output = log_path.read_text()
    return run


# ---------------------------------------------------------------- the user meanwhile


@dataclass
class Page:
    name: str
    timings_ms: list[float] = field(default_factory=list)


def browse(port: int, password: str, ids: list[int], think: float, stop: threading.Event):
    """A user paging the customer list and opening customers, until ``stop``."""
    client = latency.Client(port)
    client.login(latency.BENCH_USER, password)
    pages = [Page("customer list page"), Page("customer 360 page")]
    i = 0
    while not stop.is_set():
        paths = (f"/customers/?page={1 + i % 5}", f"/customers/{ids[i % len(ids)]}/")
        for page, path in zip(pages, paths, strict=True):
            started = time.perf_counter()
            status, _ = client.request("GET", path)
            elapsed = (time.perf_counter() - started) * 1000
            if status != 200:
                raise RuntimeError(f"{page.name}: GET {path} answered HTTP {status}")
            page.timings_ms.append(elapsed)
            stop.wait(think)
        i += 1
    return pages


# ---------------------------------------------------------------- the report


def step_rows(run: Run) -> list[list[str]]:
    rows = [[s.text, f"{s.seconds:.1f}", f"{s.peak_rss_mb:,.0f}"] for s in run.steps]
    verdict = "pass" if run.returncode == 0 and run.wall_s <= RUN_TARGET_S else "FAIL"
    total = f"whole run (target < {RUN_TARGET_S / 60:.0f} min): {verdict}"
    rows.append([total, f"{run.wall_s:.1f}", f"{run.peak_rss_mb:,.0f}"])
    return rows


def page_rows(pages: list[Page]) -> list[list[str]]:
    rows = []
    for page in pages:
        values = np.asarray(page.timings_ms)
        p50, p95 = np.percentile(values, [50, 95]) if len(values) else (np.nan, np.nan)
        rows.append(
            [
                page.name,
                str(len(values)),
                f"{p50:.0f}",
                f"{p95:.0f}",
                f"{values.max() if len(values) else np.nan:.0f}",
                f"< {PAGE_TARGET_MS:.0f}",
                "pass" if p95 < PAGE_TARGET_MS else "FAIL",
            ]
        )
    return rows


STEP_HEADER = ["step", "seconds", "peak RSS MB"]
PAGE_HEADER = ["page during the run", "n", "p50 ms", "p95 ms", "max ms", "p95 target", "result"]


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])


def report(args: argparse.Namespace, stamp: dict, run: Run, pages: list[Page]) -> str:
    counts = stamp["counts"]
    summary = run.output.strip().splitlines()[0] if run.output.strip() else "(no output)"
    return "\n".join(
        [
            "# `kehu score` at scale",
            "",
            f"{counts['customers']:,} customers, {counts['orders']:,} orders, "
            f"{counts['order_lines']:,} order lines, {counts['tickets']:,} tickets "
            f"(seed {stamp['seed']}); {latency.database_description(args)}.",
            f"`kehu score` exited {run.returncode}: {summary}",
            f"Meanwhile `kehu serve` (gunicorn, {args.workers} workers x {args.threads} "
            f"threads) served one user who opened a list page and a 360 page, "
            f"{args.think_time:g} s apart.",
            f"Machine: {latency.machine()}.",
            f"Measured {datetime.now(UTC).isoformat(timespec='seconds')}.",
            "",
            markdown_table(STEP_HEADER, step_rows(run)),
            "",
            markdown_table(PAGE_HEADER, page_rows(pages)),
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    env = latency.configure_environment(args)
    import django

    django.setup()
    stamp = latency.reusable(args)
    if stamp is None:
        where = latency.wanted_stamp(args)["database"]
        print(f"loading {args.customers:,} customers into {where} ...", flush=True)
        stamp = latency.load(args, env)
    password, _token = latency.bench_credentials()
    ids = latency.draw_inputs(500, args.seed).customer_ids
    port = latency.free_port()
    server = latency.start_server(port, args, env)
    stop = threading.Event()
    pages: list[Page] = []
    try:
        latency.wait_until_up(port, server)
        failures: list[BaseException] = []

        def user_session() -> None:
            try:
                pages.extend(browse(port, password, ids, args.think_time, stop))
            except BaseException as e:  # reported below: a page that failed fails the run
                failures.append(e)

        user = threading.Thread(target=user_session)
        user.start()
        run = run_score(env, args.db.parent)
        stop.set()
        user.join()
        if failures:
            raise RuntimeError(f"the user's pages failed during the run: {failures[0]}")
    finally:
        stop.set()
        latency.stop_server(server)
    markdown = report(args, stamp, run, pages)
    print(markdown)
    name = "crm_score_postgresql.md" if latency.on_postgresql(args) else "crm_score.md"
    (args.db.parent / name).write_text(markdown)
    ok = run.returncode == 0 and run.wall_s <= RUN_TARGET_S
    return 0 if ok and all(r[-1] == "pass" for r in page_rows(pages)) else 1


if __name__ == "__main__":
    sys.exit(main())
