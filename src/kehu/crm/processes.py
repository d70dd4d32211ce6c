"""Which process runs a long job (an import, an analysis run), and whether it still
lives: a job records :func:`runner` when it starts, and anyone on the same machine can
tell at once that it was killed (:func:`runner_gone`) instead of waiting for its
heartbeat to go stale.

A pid only means the same process within one boot of one kernel and one pid
namespace, and only together with the process's start time (pids are reused); a job
run elsewhere is left to the heartbeat.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any


def machine() -> str | None:
    """This boot of this machine's kernel and this process namespace: where a pid
    means the same process. ``None`` without /proc (the heartbeat decides then)."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        namespace = os.stat("/proc/self/ns/pid").st_ino
    except OSError:
        return None
    return f"{socket.gethostname()}/{boot}/{namespace}"


def _stat(pid: int) -> list[str] | None:
    """The fields of ``/proc/PID/stat`` after the process name (which may hold spaces):
    ``[0]`` the state, ``[19]`` the start time in clock ticks after boot."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()
    except OSError:
        return None


def process_alive(pid: int, started: int | None) -> bool:
    """Whether process ``pid`` lives (not a zombie) and is the one that started at
    ``started`` (so that a reused pid does not count)."""
    fields = _stat(pid)
    return fields is not None and fields[0] != "Z" and started in (None, int(fields[19]))


def process_start(pid: int) -> int | None:
    """When process ``pid`` started (clock ticks after boot); ``None`` when it is gone."""
    fields = _stat(pid)
    return int(fields[19]) if fields else None


def runner(pid: int | None = None) -> dict[str, Any]:
    """What identifies process ``pid`` (this process by default) for :func:`runner_gone`:
    ``{"pid", "machine", "started"}``, plain JSON."""
    pid = os.getpid() if pid is None else pid
    return {"pid": pid, "machine": machine(), "started": process_start(pid)}


def runner_gone(recorded: dict[str, Any] | None) -> bool:
    """Whether the process recorded by :func:`runner` has ended, as far as this
    machine can tell: False when it lives, ran elsewhere or nothing was recorded."""
    if not recorded or recorded.get("pid") is None:
        return False
    here = machine()
    if here is None or recorded.get("machine") != here:
        return False
    return not process_alive(int(recorded["pid"]), recorded.get("started"))
