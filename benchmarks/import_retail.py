"""Import the full Online Retail file (541,909 lines) into a fresh SQLite database:
`kehu import --entity orders` against the do-it-yourself way (pandas `read_csv` +
`DataFrame.to_sql`, which checks nothing, quarantines nothing and is not idempotent),
each in its own process with its peak RSS. Target for kehu: under 60 s, under 1 GB.

    .venv/bin/python benchmarks/import_retail.py

Results: a table on stdout and in ``bench-out/import_retail.md``. Exit status 1 when
kehu misses the target.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench-out"
DATA = Path(os.environ.get("KEHU_DATA", REPO.parent / "shared" / "data"))
RETAIL = DATA / "online_retail" / "online_retail.csv.gz"
TARGET_S, TARGET_MB = 60.0, 1024.0

PEER = """
import sqlite3, sys, pandas as pd
frame = pd.read_csv(sys.argv[1], dtype={"InvoiceNo": str, "StockCode": str})
with sqlite3.connect(sys.argv[2]) as db:
    frame.to_sql("lines", db, index=False, chunksize=50_000)
print(f"rows={len(frame)}")
"""


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Seconds, peak RSS (MB, from GNU time) and the last output line."""
    start = time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-f", "%M", *command], env=env, capture_output=True, text=True
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    peak_mb = int(done.stderr.strip().splitlines()[-1]) / 1024
    return seconds, peak_mb, done.stdout.strip().splitlines()[-1]


def main() -> int:
    if not RETAIL.exists():
        sys.exit(f"Online Retail not found at {RETAIL} (set KEHU_DATA)")
    work = OUT / "import_retail"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    env = dict(os.environ, KEHU_HOME=str(work), DATABASE_URL=f"sqlite:///{work}/kehu.sqlite3")
    python = sys.executable
    subprocess.run([python, "-m", "kehu.cli", "migrate"], env=env, check=True)
    kehu = timed([python, "-m", "kehu.cli", "import", str(RETAIL), "--entity", "orders"], env)
    again = timed([python, "-m", "kehu.cli", "import", str(RETAIL), "--entity", "orders"], env)
    peer = timed([python, "-c", PEER, str(RETAIL), str(work / "peer.sqlite3")], env)
    ok = kehu[0] < TARGET_S and kehu[1] < TARGET_MB
    lines = [
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.2f}.",
        "",
        "| run | seconds | peak RSS, MB | result |",
        "|---|---|---|---|",
        f"| kehu import, empty database | {kehu[0]:.1f} | {kehu[1]:,.0f} | `{kehu[2]}` |",
        f"| kehu import again (idempotent) | {again[0]:.1f} | {again[1]:,.0f} | `{again[2]}` |",
        f"| pandas read_csv + to_sql (no checks) | {peer[0]:.1f} | {peer[1]:,.0f} | `{peer[2]}` |",
        "",
        f"Target for kehu: under {TARGET_S:.0f} s and {TARGET_MB:,.0f} MB: "
        + ("met." if ok else "MISSED."),
    ]
    table = "\n".join(lines)
    print(table)
    (OUT / "import_retail.md").write_text(table + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
