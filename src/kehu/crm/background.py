"""Long work started from a web request (an analysis run, an import) as a detached
``kehu`` process: the request returns at once and the work outlives the web worker."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

from django.conf import settings


def launch_kehu(args: list[str], log_name: str) -> subprocess.Popen[bytes]:
    """Start ``kehu ARGS`` in its own session with this process's environment
    (DATABASE_URL, KEHU_HOME); its output goes to ``var/log/<log_name>.log``."""
    env = dict(os.environ)
    env.setdefault("KEHU_HOME", str(settings.KEHU_HOME))
    env.setdefault("DJANGO_SETTINGS_MODULE", "kehu.crm.settings")
    log_dir = Path(settings.VAR_DIR) / "log"
    log_dir.mkdir(parents=True, exist_ok=True)
    with open(log_dir / f"{log_name}.log", "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "kehu.cli", *args],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=str(settings.KEHU_HOME),
            start_new_session=True,
        )
    # reap the child when it ends, so that a long-lived worker keeps no zombies
    threading.Thread(target=process.wait, daemon=True).start()
    return process
