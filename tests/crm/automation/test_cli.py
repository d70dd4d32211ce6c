"""``kehu rules``: runs the due rules once, says who they acted on (or, with --dry-run,
would act on), runs one rule with --rule, refuses an unknown rule with a plain error;
``kehu scheduler --once`` sweeps the rules beside the analysis schedule."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from kehu.cli import main
from kehu.crm.automation.actions import create_rule
from kehu.crm.automation.models import RuleRun
from kehu.crm.sales.models import Activity

pytestmark = pytest.mark.django_db

CALL = [{"kind": "activity", "activity_kind": "call", "due_days": 2}]


@pytest.fixture
def complaint_rule(make_customer, make_ticket, owner):
    make_ticket(make_customer(name="Lotus Tea", owner=owner), type="complaint")
    return create_rule(name="Complaint call", trigger="ticket_opened", actions=CALL, enabled=True)


def test_kehu_rules_dry_run_then_for_real(complaint_rule):
    runner = CliRunner()
    dry = runner.invoke(main, ["rules", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "'Complaint call' (sweep): 1 matched, would act on 1" in dry.output
    assert not Activity.objects.exists()
    real = runner.invoke(main, ["rules"])
    assert "acted on 1, 0 already done" in real.output
    again = runner.invoke(main, ["rules", "--rule", str(complaint_rule.pk)])
    assert "acted on 0, 1 already done" in again.output
    assert Activity.objects.count() == 1
    assert RuleRun.objects.filter(dry_run=False).count() == 2


def test_an_unknown_rule_is_a_plain_error():
    result = CliRunner().invoke(main, ["rules", "--rule", "999"])
    assert result.exit_code == 2
    assert "no rule has id [999]" in result.output
    assert "Traceback" not in result.output


def test_the_scheduler_sweeps_the_rules(complaint_rule):
    from kehu.crm.intelligence.actions import set_schedule

    set_schedule(every="off", at_hour=2)
    result = CliRunner().invoke(main, ["scheduler", "--once"])
    assert result.exit_code == 0, result.output
    assert f"rule #{complaint_rule.pk}: acted on 1, failed 0" in result.output
    assert Activity.objects.count() == 1
