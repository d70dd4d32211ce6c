"""mypy (run by ``make lint``, strict on ``kehu.insight``) refuses a planted untyped
function and a wrong type, with the project's own settings; the same module typed
passes. The real tree is checked by ``make lint`` itself (CI runs it)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MYPY = Path(sys.executable).with_name("mypy")

TYPED = "def total(values: list[float]) -> float:\n    return sum(values)\n"
PLANTED = {
    "untyped": ("def total(values):\n    return sum(values)\n", "no-untyped-def"),
    "wrong type": ('def total(values: list[float]) -> float:\n    return "none"\n', "return-value"),
}


def _mypy(tmp_path: Path, source: str) -> subprocess.CompletedProcess[str]:
    module = tmp_path / "kehu" / "insight" / "planted.py"
    module.parent.mkdir(parents=True, exist_ok=True)
    module.write_text(f'"""Planted."""\n\n{source}')
    return subprocess.run(
        [str(MYPY), "--config-file", str(ROOT / "pyproject.toml"), "--no-incremental"]
        + ["--cache-dir", str(tmp_path / "cache"), str(module)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )


@pytest.mark.parametrize("kind", sorted(PLANTED))
def test_a_planted_type_error_fails_lint(tmp_path: Path, kind: str) -> None:
    source, code = PLANTED[kind]
    done = _mypy(tmp_path, source)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"[{code}]" in done.stdout


def test_the_same_module_typed_passes(tmp_path: Path) -> None:
    done = _mypy(tmp_path, TYPED)
    assert done.returncode == 0, done.stdout + done.stderr
