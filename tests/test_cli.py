"""The setup a new user runs: `kehu demo` twice on a fresh home directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def _kehu(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["KEHU_HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-m", "kehu.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_demo_sets_up_once_and_is_safe_to_rerun(tmp_path):
    first = _kehu(tmp_path, "demo", "--no-serve", "--customers", "60")
    assert first.returncode == 0, first.stderr
    assert "password:" in first.stdout
    assert (tmp_path / "var" / "kehu.sqlite3").exists()
    assert "customers=60" in first.stdout

    second = _kehu(tmp_path, "demo", "--no-serve", "--customers", "60")
    assert second.returncode == 0, second.stderr
    assert "password:" not in second.stdout
    assert "no demo data loaded" in second.stdout


def test_user_add_refuses_an_unknown_role_without_a_traceback(tmp_path):
    assert _kehu(tmp_path, "migrate", "--quiet").returncode == 0
    result = _kehu(tmp_path, "user", "add", "x", "--role", "janitor")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "janitor" in result.stderr


def test_token_for_a_missing_user_is_a_plain_error(tmp_path):
    assert _kehu(tmp_path, "migrate", "--quiet").returncode == 0
    result = _kehu(tmp_path, "token", "ghost")
    assert result.returncode == 2
    assert "no user named 'ghost'" in result.stderr
    assert "Traceback" not in result.stderr
