"""A killed analysis run no longer blocks new runs for 30 minutes (issue 11): the run
records its process (pid, start time, boot and pid namespace) and a run whose process
is gone is failed at once with a reason, as killed imports are.

The first tests kill a real child process standing for the run's; the slow one kills a
real ``kehu score --run ID`` started by the web's ``start_run``, on a SQLite file that
both processes see."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kehu.crm import processes
from kehu.crm.intelligence.actions import KILLED, RunRefusedError, active_run, request_run
from kehu.crm.intelligence.models import ValueRun

SLEEP = [sys.executable, "-c", "import time; time.sleep(120)"]


@pytest.fixture
def child() -> subprocess.Popen[bytes]:
    process = subprocess.Popen(SLEEP)
    yield process
    if process.poll() is None:
        process.kill()
        process.wait()


def _running(pid: int) -> ValueRun:
    run = request_run()
    ValueRun.objects.filter(pk=run.pk).update(
        status=ValueRun.Status.RUNNING, runner=processes.runner(pid)
    )
    return run


@pytest.mark.django_db
def test_a_run_whose_process_was_killed_is_failed_at_once(child) -> None:
    run = _running(child.pid)
    assert active_run() == run  # alive: it blocks a second run
    with pytest.raises(RunRefusedError):
        request_run()

    child.kill()
    child.wait()
    new = request_run()  # not 30 minutes later: now

    run.refresh_from_db()
    assert run.status == ValueRun.Status.FAILED
    assert run.error == KILLED and "killed" in run.error
    assert run.finished_at is not None
    assert active_run() == new


@pytest.mark.django_db
def test_a_reused_pid_does_not_keep_a_dead_run_alive(child) -> None:
    run = _running(child.pid)
    # the pid now belongs to another process that started at another time
    ValueRun.objects.filter(pk=run.pk).update(
        runner={**processes.runner(child.pid), "started": processes.process_start(child.pid) + 1}
    )
    assert active_run() is None
    run.refresh_from_db()
    assert run.status == ValueRun.Status.FAILED


@pytest.mark.django_db
def test_a_run_from_another_machine_waits_for_its_heartbeat(child) -> None:
    run = _running(child.pid)
    child.kill()
    child.wait()
    ValueRun.objects.filter(pk=run.pk).update(
        runner={**processes.runner(os.getpid()), "machine": "elsewhere/boot/1"}
    )
    assert active_run() == run  # not judged by a pid of another machine


def _kehu(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "kehu.cli", *args], env=env, check=True, capture_output=True
    )


def _row(db: Path, run_id: int) -> tuple[str, str, str]:
    with sqlite3.connect(db) as con:
        return con.execute(
            "SELECT status, error, runner FROM intelligence_valuerun WHERE id = ?", (run_id,)
        ).fetchone()


START = """
import django
django.setup()
from kehu.crm.intelligence.actions import start_run
print(start_run(None).pk)
"""
AGAIN = """
import django
django.setup()
from kehu.crm.intelligence.actions import request_run
print(request_run(None).pk)
"""


@pytest.mark.slow
def test_killing_kehu_score_lets_the_next_run_start_at_once(tmp_path: Path) -> None:
    db = tmp_path / "kehu.sqlite3"
    env = dict(
        os.environ,
        KEHU_HOME=str(tmp_path),
        DATABASE_URL=f"sqlite:///{db}",
        DJANGO_SETTINGS_MODULE="kehu.crm.settings",
    )
    _kehu(env, "migrate", "--quiet")
    _kehu(env, "generate", "--customers", "2000", "--seed", "3")
    started = subprocess.run(
        [sys.executable, "-c", START], env=env, check=True, capture_output=True, text=True
    )
    run_id = int(started.stdout.split()[-1])
    deadline = time.monotonic() + 120
    while (row := _row(db, run_id))[0] != "running":
        assert row[0] == "queued", row
        assert time.monotonic() < deadline
        time.sleep(0.05)
    pid = json.loads(row[2])["pid"]
    os.kill(pid, signal.SIGKILL)
    time.sleep(0.5)  # the launcher has exited, so init reaps the killed process

    again = subprocess.run([sys.executable, "-c", AGAIN], env=env, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr[-2000:]
    status, error, _runner = _row(db, run_id)
    assert status == "failed" and error == KILLED
    assert int(again.stdout.split()[-1]) == run_id + 1
