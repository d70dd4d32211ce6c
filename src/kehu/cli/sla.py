"""``kehu sla``: give tickets their service-level due times in bulk. Tickets opened in
the CRM get them when opened; tickets loaded around it (an import, tickets older than
the service levels) get them here, and ``--retier`` counts each by the tier its
customer has now (after the first analysis run, for a demo loaded before it)."""

from __future__ import annotations

import click

from kehu.cli.console import fail
from kehu.cli.crm import setup_django


@click.command()
@click.option(
    "--retier",
    is_flag=True,
    help="Count each ticket by its customer's tier now (not the one it was opened with).",
)
@click.option(
    "--all",
    "recompute",
    is_flag=True,
    help="Recompute every ticket, not only those without due times.",
)
def sla(retier: bool, recompute: bool) -> None:
    """Give tickets the first-response and resolution due times of their service-level
    policy, counted in working hours from their opening."""
    setup_django()
    from kehu.crm.service.sla_actions import backfill_due_times
    from kehu.crm.service.sla_calendar import CalendarError

    try:
        n = backfill_due_times(retier=retier, recompute=recompute or retier)
    except CalendarError as e:
        fail(f"the business calendar cannot be used: {e}")
    click.echo(f"due times written for {n:,} tickets")


#: The commands this module adds to ``kehu``.
COMMANDS = (sla,)
