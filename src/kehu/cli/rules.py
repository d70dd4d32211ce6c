"""``kehu rules``: run the automation rules that are due once (for cron, or by hand),
or one rule; ``--dry-run`` says who they would act on without doing anything. The
scheduler loop (``kehu scheduler``, started by ``kehu serve``) sweeps them too, every
:data:`SWEEP_EVERY_S` seconds, through :func:`sweep`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from kehu.cli.console import fail
from kehu.cli.crm import setup_django

if TYPE_CHECKING:
    from kehu.crm.automation.models import RuleRun

#: how often the scheduler loop sweeps the record and schedule rules
SWEEP_EVERY_S = 600


def _line(log: RuleRun) -> str:
    what = "would act on" if log.dry_run else "acted on"
    text = (
        f"rule #{log.rule_id} {log.rule.name!r} ({log.event}): {log.n_matched:,} matched, "
        f"{what} {log.n_acted:,}, {log.n_skipped:,} already done, {log.n_failed:,} failed"
    )
    if log.error:
        text += f"\n  {log.error.splitlines()[0]}"
    return text


def sweep() -> list[RuleRun]:
    """Run the enabled record rules and the schedule rules whose slot is due (Django set
    up by the caller); the runs that did something are logged, idle sweeps are not."""
    from kehu.crm.automation.actions import run_due

    return run_due(log_idle=False)


@click.command()
@click.option("--dry-run", is_flag=True, help="Say who the rules would act on; change nothing.")
@click.option(
    "--rule",
    "rule_ids",
    type=click.IntRange(1),
    multiple=True,
    help="Run this rule (its id; repeatable), enabled or not, whatever its trigger.",
)
def rules(dry_run: bool, rule_ids: tuple[int, ...]) -> None:
    """Run the enabled automation rules that are due: rules on records (tickets, orders)
    and on a schedule whose time has come. Rules after an analysis run fire when a run
    finishes; --rule ID runs one of them on the latest finished run."""
    setup_django()
    from django.core.exceptions import ValidationError

    from kehu.crm.automation.actions import run_due

    try:
        runs = run_due(dry_run=dry_run, rule_ids=list(rule_ids) if rule_ids else None)
    except ValidationError as e:
        fail("; ".join(e.messages))
    for log in runs:
        click.echo(_line(log))
    if not runs:
        click.echo("no rule is due")
    if any(log.n_failed or log.error for log in runs):
        raise SystemExit(1)


#: The commands this module adds to ``kehu``.
COMMANDS = (rules,)
