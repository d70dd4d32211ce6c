"""The web's "Run analysis now" for real: start_run launches `kehu score --run ID` as a
detached process that outlives its parent, and the run finishes on its own.

The test database of pytest-django is in memory, which a second process cannot see,
so this test builds its own SQLite file with the `kehu` command."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

LAUNCH = """
import django
django.setup()
from kehu.crm.intelligence.actions import start_run
run = start_run(None)
run.refresh_from_db()
print(run.pk, run.status)
"""


def _kehu(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "kehu.cli", *args], env=env, check=True, capture_output=True
    )


def _status(db: Path, run_id: int) -> tuple[str, int, str]:
    with sqlite3.connect(db) as con:
        row = con.execute(
            "SELECT status, n_customers, error FROM intelligence_valuerun WHERE id = ?", (run_id,)
        ).fetchone()
    return row


@pytest.mark.slow
def test_start_run_finishes_in_a_detached_process(tmp_path: Path) -> None:
    db = tmp_path / "kehu.sqlite3"
    env = dict(
        os.environ,
        KEHU_HOME=str(tmp_path),
        DATABASE_URL=f"sqlite:///{db}",
        DJANGO_SETTINGS_MODULE="kehu.crm.settings",
    )
    _kehu(env, "migrate", "--quiet")
    _kehu(env, "generate", "--customers", "300", "--seed", "3")

    launcher = subprocess.run(
        [sys.executable, "-c", LAUNCH], env=env, check=True, capture_output=True, text=True
    )
    run_id, status_at_return = launcher.stdout.split()
    # the launcher has exited: the run is still to do, in a process of its own
    assert status_at_return in {"queued", "running"}

    deadline = time.monotonic() + 180
    while (status := _status(db, int(run_id)))[0] in {"queued", "running"}:
        assert time.monotonic() < deadline, f"run {run_id} still {status[0]} after 180 s"
        time.sleep(0.5)
    state, n_customers, error = status
    assert state == "done", error
    assert n_customers > 200
    assert (tmp_path / "var" / "log" / f"score-{run_id}.log").exists()
