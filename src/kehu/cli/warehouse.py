"""``kehu warehouse build``: build the sales warehouse (the Parquet star schema the
reports' pivots read) from the CRM database now, and say how many rows each table got
and how long it took. An analysis run builds it too, as its last step."""

from __future__ import annotations

import click

from kehu.cli.console import fail, insight_errors, progress
from kehu.cli.crm import setup_django


@click.group()
def warehouse() -> None:
    """The sales warehouse: a star schema of orders, returns, payments, interactions
    and tickets, for the reports' pivots."""


@warehouse.command()
def build() -> None:
    """Build the sales warehouse from the CRM database now (under var/warehouse)."""
    setup_django()
    from django.db import DatabaseError

    from kehu.crm.intelligence.warehouse import build_warehouse

    try:
        with insight_errors(), progress() as update:
            built = build_warehouse(on_progress=lambda text: update(text))
    except DatabaseError as e:
        fail(f"the CRM database cannot be read ({e}); is it migrated (kehu migrate)?")
    width = max(len(name) for name in built.rows)
    for name, n in built.rows.items():
        click.echo(f"{name.ljust(width)}  {n:>12,}")
    click.echo(f"built in {built.seconds:.1f} s: {built.folder}")


#: The commands this module adds to ``kehu``.
COMMANDS = (warehouse,)
