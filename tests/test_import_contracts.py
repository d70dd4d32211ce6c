"""The import contracts of ``pyproject.toml`` (run by ``make lint``) hold for the code,
and each fails when an import that breaks it is planted in a copy of the code."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

Plant = tuple[str, str, str]
# (module of the copy to add the import to, or to create; the import; the contract that
# must break)
PLANTS = {
    "a domain imports a screen": (
        "crm/customers/planted.py",
        "from kehu.crm.screens import views",
        "CRM apps form layers",
    ),
    "two independent domains import each other": (
        "crm/service/planted.py",
        "from kehu.crm.sales import models",
        "CRM apps form layers",
    ),
    "receivables import sales code (a link to an order is a label)": (
        "crm/billing/planted.py",
        "from kehu.crm.sales import actions",
        "CRM apps form layers",
    ),
    "accounts imports a domain": (
        "crm/accounts/planted.py",
        "from kehu.crm.customers import queries",
        "CRM apps form layers",
    ),
    "a shared module imports an app": (
        "crm/choices.py",
        "from kehu.crm.customers import models",
        "The CRM's shared modules",
    ),
    "an app imports the demo loader": (
        "crm/intelligence/planted.py",
        "from kehu.crm.demo import load",
        "No CRM app imports the demo loader",
    ),
    "the analytics library imports the CRM": (
        "insight/planted.py",
        "from kehu.crm.customers import models",
        "kehu.insight imports neither",
    ),
    "the analytics library imports Django": (
        "insight/planted.py",
        "import django.db",
        "kehu.insight imports neither",
    ),
    "an analyst command sets up the CRM": (
        "cli/analyst.py",
        "from kehu.cli.crm import setup_django",
        "The analyst's commands",
    ),
}


def _lint_imports(
    tmp_path: Path, plant: tuple[str, str, str] | None
) -> subprocess.CompletedProcess:
    """``lint-imports`` with the project's contracts on a copy of ``src/kehu`` (with
    ``plant`` added), so that the checkout itself is never touched."""
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(
        ROOT / "src" / "kehu",
        tmp_path / "src" / "kehu",
        ignore=shutil.ignore_patterns("__pycache__", "locale", "static", "templates"),
    )
    if plant is not None:
        module, line, _contract = plant
        path = tmp_path / "src" / "kehu" / module
        text = path.read_text() if path.exists() else '"""Planted."""\n'
        path.write_text(f"{text}\n{line}  # planted\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "src")}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_code_keeps_every_import_contract(tmp_path: Path) -> None:
    result = _lint_imports(tmp_path, None)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize("plant", PLANTS.values(), ids=PLANTS.keys())
def test_a_planted_import_breaks_its_contract(tmp_path: Path, plant: Plant) -> None:
    module, line, contract = plant
    result = _lint_imports(tmp_path, plant)
    assert result.returncode != 0, result.stdout
    assert "Broken contracts" in result.stdout, result.stdout
    report = result.stdout.split("Broken contracts", 1)[1]
    assert contract in report, result.stdout
    planted_module = "kehu." + module.removesuffix(".py").replace("/", ".")
    assert planted_module in result.stdout, result.stdout
