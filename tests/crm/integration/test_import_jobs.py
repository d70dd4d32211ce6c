"""Import jobs outlive their process honestly: a killed import is reported as failed as
soon as anyone looks, and old uploads do not pile up."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kehu.crm.integration import actions
from kehu.crm.integration.models import ImportJob
from kehu.crm.integration.pipeline import (
    _machine,
    _process_start,
    mark_stale_jobs,
    process_alive,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"


def test_a_process_is_alive_until_killed_and_a_zombie_is_not():
    sleeper = subprocess.Popen(["sleep", "30"])
    started = _process_start(sleeper.pid)
    assert process_alive(sleeper.pid, started)
    assert not process_alive(sleeper.pid, started + 1)  # the pid, reused by another
    sleeper.send_signal(signal.SIGKILL)
    for _ in range(100):  # not reaped yet: a zombie
        if not process_alive(sleeper.pid, started):
            break
        time.sleep(0.01)
    assert not process_alive(sleeper.pid, started)
    sleeper.wait()
    assert not process_alive(sleeper.pid, started)


def test_a_job_whose_process_died_is_marked_failed_at_once():
    gone = subprocess.Popen(["true"])
    gone.wait()
    here = _machine()
    # jobs as detached runners leave them (start_job would launch a process): raw rows
    dead = ImportJob.objects.create(
        entity="orders", source_name="a.csv", details={"runner": {"pid": gone.pid, "machine": here}}
    )
    ours = ImportJob.objects.create(
        entity="orders",
        source_name="b.csv",
        details={"runner": {"pid": os.getpid(), "machine": here}},
    )
    # another machine, or another container with the same host name: its pids mean
    # other processes, so only the heartbeat can tell
    elsewhere = ImportJob.objects.create(
        entity="orders",
        source_name="c.csv",
        details={"runner": {"pid": gone.pid, "machine": f"{socket.gethostname()}/x/1"}},
    )
    assert mark_stale_jobs() == 1
    dead.refresh_from_db()
    assert dead.status == "failed" and "stopped before the end" in dead.message
    assert ImportJob.objects.get(pk=ours.pk).status == "running"
    assert ImportJob.objects.get(pk=elsewhere.pk).status == "running"  # waits for the timeout


def test_old_uploads_are_swept_unless_an_import_runs_from_them():
    def upload(name):
        token = actions.save_upload(SimpleUploadedFile(name, b"a,b\n1,2\n"), "orders")
        return actions.uploads_dir() / token

    old, running, fresh = upload("old.csv"), upload("running.csv"), upload("fresh.csv")
    # a running job as its runner leaves it (start_job would launch a process): a raw row
    ImportJob.objects.create(
        entity="orders", source_name="running.csv", source_path=str(running / "running.csv")
    )
    week_ago = time.time() - 8 * 24 * 3600
    for folder in (old, running):
        os.utime(folder, (week_ago, week_ago))
    assert actions.sweep_uploads() == 1
    assert not old.exists() and running.exists() and fresh.exists()
