"""``kehu loyalty run`` does the periodic work (and says what it did); the same work runs
after each analysis run."""

from __future__ import annotations

from typing import Any

from click.testing import CliRunner

from kehu.cli import main
from kehu.crm.loyalty.models import PointsEntry


def test_kehu_loyalty_run_earns_once(member: Any, base_rule: Any, completed_order: Any) -> None:
    completed_order(member.customer, "42.00")
    runner = CliRunner()
    first = runner.invoke(main, ["loyalty", "run"])
    assert first.exit_code == 0, first.output
    assert "earn: 1 orders earned points" in first.output
    assert "expire: 0 members had points expire" in first.output
    again = runner.invoke(main, ["loyalty", "run", "--step", "earn"])
    assert "earn: 0 orders earned points" in again.output
    assert "expire" not in again.output
    assert PointsEntry.objects.get().points == 42


def test_a_bad_day_is_a_plain_error(db: None) -> None:
    result = CliRunner().invoke(main, ["loyalty", "run", "--today", "31/12/2026"])
    assert result.exit_code == 2
    assert "Invalid value for '--today'" in result.output


def test_the_programme_runs_after_each_analysis_run(
    member: Any, base_rule: Any, completed_order: Any
) -> None:
    from kehu.crm.intelligence.models import ValueRun
    from kehu.crm.intelligence.signals import run_finished

    completed_order(member.customer, "10.00")
    run_finished.send_robust(sender=ValueRun, run=ValueRun.objects.create())
    assert PointsEntry.objects.get().points == 10
