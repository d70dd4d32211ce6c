"""The web's "Run import" for real: start_job launches `kehu import --job ID` as a
detached process that outlives its parent and fills in the job. The test database of
pytest-django is in memory, which a second process cannot see, so this test builds its
own SQLite file."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

LAUNCH = """
import sys
import django
django.setup()
from django.core.files.uploadedfile import SimpleUploadedFile
from kehu.crm.integration.actions import save_upload, start_job
from kehu.crm.integration.pipeline import Options
data = open(sys.argv[1], "rb").read()
token = save_upload(SimpleUploadedFile("orders.csv", data), "orders")
job = start_job(token, {}, Options(), None)
print(job.pk)
"""

CSV = (
    "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
    "536365,85123A,WHITE HEART,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom\n"
    "536366,22633,HAND WARMER,6,2010-12-01 08:28:00,1.85,,United Kingdom\n"
)


@pytest.mark.slow
def test_a_web_import_runs_in_a_detached_process(tmp_path: Path) -> None:
    db = tmp_path / "kehu.sqlite3"
    env = dict(
        os.environ,
        KEHU_HOME=str(tmp_path),
        DATABASE_URL=f"sqlite:///{db}",
        DJANGO_SETTINGS_MODULE="kehu.crm.settings",
    )
    subprocess.run(
        [sys.executable, "-m", "kehu.cli", "migrate", "--quiet"],
        env=env,
        check=True,
        capture_output=True,
    )
    source = tmp_path / "orders.csv"
    source.write_text(CSV)
    launcher = subprocess.run(
        [sys.executable, "-c", LAUNCH, str(source)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    job_id = int(launcher.stdout.split()[-1])
    deadline = time.monotonic() + 120
    while True:
        with sqlite3.connect(db) as con:
            status, rows_in, imported, quarantined, message = con.execute(
                "SELECT status, rows_in, imported, quarantined, message "
                "FROM integration_importjob WHERE id = ?",
                (job_id,),
            ).fetchone()
        if status != "running":
            break
        assert time.monotonic() < deadline, f"import {job_id} still running after 120 s"
        time.sleep(0.3)
    assert (status, rows_in, imported, quarantined) == ("done", 2, 1, 1), message
    assert (tmp_path / "var" / "log" / f"import-{job_id}.log").exists()
