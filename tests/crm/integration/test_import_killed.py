"""An import killed halfway leaves whole batches behind, says which landed, and the
next run of the same file finishes it without doubling anything."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

ROWS_PER_ORDER = 4
ORDERS = 6000
HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"


def _file(tmp_path):
    lines = [HEADER]
    for order in range(ORDERS):
        for line in range(ROWS_PER_ORDER):
            lines.append(
                f"{100000 + order},SKU{line},ITEM {line},{line + 1},2011-01-02 10:00:00,"
                f"1.50,{order % 500},United Kingdom"
            )
    path = tmp_path / "big.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def _kehu(tmp_path, *args):
    env = dict(os.environ, KEHU_HOME=str(tmp_path), DATABASE_URL=f"sqlite:///{tmp_path}/k.db")
    return subprocess.Popen(
        [sys.executable, "-m", "kehu.cli", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def _db(tmp_path, sql):
    with sqlite3.connect(tmp_path / "k.db") as db:
        return db.execute(sql).fetchall()


@pytest.mark.slow
def test_killing_an_import_leaves_whole_batches_and_a_rerun_completes_it(tmp_path):
    path = _file(tmp_path)
    migrate = _kehu(tmp_path, "migrate")
    assert migrate.wait(timeout=120) == 0, migrate.stdout.read()
    process = _kehu(tmp_path, "import", str(path), "--entity", "orders", "--batch-rows", "400")
    deadline = time.monotonic() + 120
    landed = 0
    while time.monotonic() < deadline and process.poll() is None:
        rows = _db(tmp_path, "SELECT batches_landed FROM integration_importjob")
        landed = rows[0][0] if rows else 0
        if landed >= 3:
            os.killpg(process.pid, signal.SIGKILL)
            break
        time.sleep(0.05)
    process.wait(timeout=30)
    assert landed >= 3 and process.returncode == -signal.SIGKILL, "the import ended too soon"

    (status, landed, total, imported) = _db(
        tmp_path,
        "SELECT status, batches_landed, batches_total, imported FROM integration_importjob",
    )[0]
    assert status == "running" and 3 <= landed < total == ORDERS * ROWS_PER_ORDER // 400
    # exactly the landed batches are there: whole orders, counts equal to the job's
    lines = _db(tmp_path, "SELECT COUNT(*) FROM sales_orderline")[0][0]
    assert lines == imported == landed * 400
    partial = _db(
        tmp_path,
        "SELECT COUNT(*) FROM (SELECT order_id, COUNT(*) AS n FROM sales_orderline "
        f"GROUP BY order_id HAVING n <> {ROWS_PER_ORDER})",
    )[0][0]
    assert partial == 0
    orders_without_lines = _db(
        tmp_path,
        "SELECT COUNT(*) FROM sales_order o WHERE NOT EXISTS "
        "(SELECT 1 FROM sales_orderline l WHERE l.order_id = o.id)",
    )[0][0]
    assert orders_without_lines == 0

    rerun = _kehu(tmp_path, "import", str(path), "--entity", "orders", "--batch-rows", "400")
    output, _ = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, output
    expected = f"rows={ORDERS * ROWS_PER_ORDER} imported={ORDERS * ROWS_PER_ORDER - lines} "
    assert output.splitlines()[-1] == expected + f"merged={lines} quarantined=0"
    assert _db(tmp_path, "SELECT COUNT(*) FROM sales_orderline")[0][0] == ORDERS * ROWS_PER_ORDER
    assert _db(tmp_path, "SELECT COUNT(*) FROM sales_order")[0][0] == ORDERS
    # the rerun saw that the first run's process is gone and said so on its job
    first = _db(tmp_path, "SELECT status, message FROM integration_importjob ORDER BY id")[0]
    assert first[0] == "failed" and "stopped before the end" in first[1]
