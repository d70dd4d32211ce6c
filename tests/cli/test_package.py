"""How the ``kehu`` command is put together: the analyst's commands never load Django,
every command is reachable from ``kehu``, and the roles come from the CRM's model."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner

from kehu.cli import main

COMMANDS = {
    "analyze",
    "baskets",
    "campaign",
    "churn",
    "dedup",
    "demo",
    "forecast",
    "generate",
    "import",
    "leads",
    "loyalty",
    "migrate",
    "recommend",
    "rules",
    "scheduler",
    "score",
    "serve",
    "sla",
    "token",
    "user",
    "warehouse",
}


def _python(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_analyst_commands_run_without_loading_django(tmp_path):
    baskets = tmp_path / "baskets.txt"
    baskets.write_text("bread,milk\nbread,butter\nbread,milk,butter\nmilk\n")
    result = _python(
        """
        import sys
        from click.testing import CliRunner

        import kehu.cli.analyst
        from kehu.cli import main

        runner = CliRunner()
        for args in (
            ["analyze", "--help"],
            ["baskets", sys.argv[1], "--format", "basket", "--min-support", "0.5",
             "--min-confidence", "0.5", "--out", sys.argv[2]],
        ):
            result = runner.invoke(main, args, catch_exceptions=False)
            assert result.exit_code == 0, result.output
        loaded = sorted(
            m for m in sys.modules if m.split(".")[0] == "django" or m.startswith("kehu.crm")
        )
        print("loaded:", loaded)
        """,
        str(baskets),
        str(tmp_path / "out"),
    )
    assert result.returncode == 0, result.stderr
    assert "loaded: []" in result.stdout
    assert (tmp_path / "out" / "rules.parquet").exists()


def test_kehu_lists_every_command_and_runs_as_python_dash_m():
    result = subprocess.run(
        [sys.executable, "-m", "kehu.cli", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    listed = {line.split()[0] for line in result.stdout.split("Commands:")[1].splitlines() if line}
    assert listed == COMMANDS
    user = CliRunner().invoke(main, ["user", "--help"])
    assert "add" in user.output and "passwd" in user.output


@pytest.mark.django_db
def test_kehu_user_add_offers_the_roles_the_model_defines():
    from kehu.crm.accounts.roles import Role

    help_text = CliRunner().invoke(main, ["user", "add", "--help"]).output
    assert f"[{'|'.join(Role.values)}]" in help_text

    for role in Role.values:
        result = CliRunner().invoke(main, ["user", "add", f"new_{role}", "--role", role])
        assert result.exit_code == 0, result.output
        assert f"created new_{role} ({role}); password: " in result.output
    refused = CliRunner().invoke(main, ["user", "add", "x", "--role", "janitor"])
    assert refused.exit_code == 2
    assert "'janitor' is not one of " + ", ".join(map(repr, Role.values)) in refused.output
