"""Ruff's banned-api rule (run by ``make lint``) keeps DuckDB behind the backend seam
and Django out of the analytics library: an import planted anywhere else is refused,
and the seams themselves may import DuckDB."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RUFF = Path(sys.executable).with_name("ruff")


def _banned(path: str, line: str) -> list[str]:
    """The banned-api findings for ``path`` if it held ``line`` (checked as that file,
    with the project's settings, read from stdin: the checkout is not touched)."""
    done = subprocess.run(
        [str(RUFF), "check", "--select", "TID251", "--output-format", "concise"]
        + ["--stdin-filename", path, "-"],
        input=f'"""Planted."""\n\n{line}\n',
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return [f for f in done.stdout.splitlines() if "TID251" in f]


@pytest.mark.parametrize(
    "path",
    [
        "src/kehu/insight/behaviour.py",
        "src/kehu/insight/dedup/linkage.py",
        "src/kehu/crm/intelligence/mining.py",
        "src/kehu/crm/integration/pipeline.py",
        "src/kehu/cli/analyst.py",
        "tests/insight/test_planted.py",
        "benchmarks/planted.py",
    ],
)
def test_duckdb_is_refused_outside_the_seam(path):
    for line in ("import duckdb", "from duckdb import connect"):
        (finding,) = _banned(path, line)
        assert "`duckdb` is banned: DuckDB sits behind the backend seam" in finding


@pytest.mark.parametrize(
    "path", ["src/kehu/insight/engine.py", "src/kehu/crm/integration/staging.py"]
)
def test_the_seams_may_import_duckdb(path):
    assert _banned(path, "import duckdb") == []


def test_django_is_refused_in_the_analytics_library_and_allowed_in_the_crm():
    (finding,) = _banned("src/kehu/insight/btyd/planted.py", "from django.db import models")
    assert "`django.db.models` is banned" in finding or "`django` is banned" in finding
    assert _banned("src/kehu/crm/customers/planted.py", "from django.db import models") == []
