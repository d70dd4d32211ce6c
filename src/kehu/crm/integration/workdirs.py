"""The temporary folder of an import (DuckDB's spill files live there): named after the
process that owns it, removed when the import ends, and swept when its owner is found
dead (an import killed with SIGKILL cannot clean up after itself)."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import uuid
from pathlib import Path

from kehu.crm.processes import process_alive, process_start

PREFIX = "kehu-import-"
#: ``kehu-import-<pid>-<start time in clock ticks>-<random>``
NAME = re.compile(rf"^{PREFIX}(\d+)-(\d+)-[0-9a-f]{{8}}$")


def temp_root() -> Path:
    return Path(tempfile.gettempdir())


def make_workdir() -> Path:
    """A new folder owned by this process (swept by :func:`sweep_workdirs` once the
    process is gone)."""
    sweep_workdirs()
    pid = os.getpid()
    folder = temp_root() / f"{PREFIX}{pid}-{process_start(pid) or 0}-{uuid.uuid4().hex[:8]}"
    folder.mkdir(mode=0o700)
    return folder


def remove_workdir(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def sweep_workdirs() -> list[Path]:
    """Remove the import folders whose process no longer lives (this machine's /proc
    says so); returns the folders removed."""
    if not Path("/proc/self/stat").exists():  # no way to tell a dead owner here
        return []
    removed = []
    try:
        entries = list(temp_root().iterdir())
    except OSError:
        return []
    for folder in entries:
        match = NAME.match(folder.name)
        if match is None or not folder.is_dir() or folder.is_symlink():
            continue
        pid, started = int(match[1]), int(match[2])
        if pid == os.getpid() or process_alive(pid, started or None):
            continue
        try:
            if folder.stat().st_uid != os.getuid():  # another user's: not ours to remove
                continue
        except OSError:
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed
