"""The ``kehu`` command: set up, serve, generate demo data, manage users, and analyse
files without a CRM.

Commands live by who runs them: :mod:`kehu.cli.analyst` (files in, tables and reports
out; never loads Django), :mod:`kehu.cli.server` (set up and serve the CRM),
:mod:`kehu.cli.imports` and :mod:`kehu.cli.scoring` (data into the CRM, scores back),
:mod:`kehu.cli.users` (users, roles and API tokens), :mod:`kehu.cli.campaigns` (send
campaigns, count their outcomes). What they share is in
:mod:`kehu.cli.console` (the error exit, the progress display) and
:mod:`kehu.cli.options`. No module here loads Django when imported: the commands that
need the CRM set it up when they run (:func:`kehu.cli.crm.setup_django`).
"""

from __future__ import annotations

import click

from kehu.cli import (
    analyst,
    campaigns,
    imports,
    leads,
    loyalty,
    rules,
    scoring,
    server,
    sla,
    users,
    warehouse,
)


@click.group()
@click.version_option(package_name="kehu")
def main() -> None:
    """kehu (客户): a CRM whose core is data mining."""


for _module in (
    server,
    analyst,
    scoring,
    imports,
    users,
    campaigns,
    rules,
    sla,
    warehouse,
    leads,
    loyalty,
):
    for _command in _module.COMMANDS:
        main.add_command(_command)

__all__ = ["main"]
