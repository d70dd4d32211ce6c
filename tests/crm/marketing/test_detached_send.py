"""The campaign page's Send for real: ``views.launch_send`` starts `kehu campaign send
ID` as a detached process that outlives its parent, and the campaign gets sent.

pytest-django's test database is in memory, which a second process cannot see, so
this test builds its own SQLite file with the `kehu` command; mail goes to files
(no KEHU_SMTP_HOST)."""

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
from datetime import timedelta
from django.utils import timezone
from kehu.crm.accounts.actions import create_user
from kehu.crm.customers.actions import create_customer
from kehu.crm.marketing import actions, views
boss, _password = create_user("boss", role="admin", password="a-long-enough-secret")
for i in range(12):
    create_customer(name=f"Reader {i}", email=f"r{i}@example.com", consent_email=True)
target = actions.create_target_list(name="All", filters={}, by=boss)
today = timezone.localdate()
campaign = actions.create_campaign(
    name="Detached", goal="retention", channels=["email"], starts_on=today,
    ends_on=today + timedelta(days=7), target_list=target, control_share=0.25,
)
views.launch_send(campaign)
campaign.refresh_from_db()
print(campaign.pk, campaign.status)
"""


def _status(db: Path, campaign_id: int) -> tuple[str, int]:
    with sqlite3.connect(db) as con:
        status = con.execute(
            "SELECT status FROM marketing_campaign WHERE id = ?", (campaign_id,)
        ).fetchone()[0]
        sent = con.execute(
            "SELECT count(*) FROM marketing_campaignmember WHERE campaign_id = ? "
            "AND status = 'sent'",
            (campaign_id,),
        ).fetchone()[0]
    return status, sent


@pytest.mark.slow
def test_send_finishes_in_a_detached_kehu_campaign_send(tmp_path: Path) -> None:
    db = tmp_path / "kehu.sqlite3"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KEHU_SMTP", "DATABASE_URL"))}
    env.update(
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
    launcher = subprocess.run(
        [sys.executable, "-c", LAUNCH], env=env, check=True, capture_output=True, text=True
    )
    campaign_id, status_at_return = launcher.stdout.split()
    assert status_at_return in {"draft", "sending"}  # the launcher does not wait

    deadline = time.monotonic() + 120
    while (state := _status(db, int(campaign_id)))[0] != "sent":
        log = tmp_path / "var" / "log" / f"campaign-{campaign_id}.log"
        assert time.monotonic() < deadline, log.read_text() if log.exists() else state
        time.sleep(0.5)
    with sqlite3.connect(db) as con:
        treated = con.execute(
            "SELECT count(*) FROM marketing_campaignmember WHERE campaign_id = ? "
            "AND \"group\" = 'treated'",
            (int(campaign_id),),
        ).fetchone()[0]
    assert state[1] == treated > 0
    assert len(list((tmp_path / "var" / "mail").glob("*"))) >= 1
