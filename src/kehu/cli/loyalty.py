"""``kehu loyalty run``: the loyalty programme's periodic work by hand (it also runs
after each analysis run): earn points for completed orders, take back those of
returned and cancelled orders, expire old points, set the levels from the value tiers."""

from __future__ import annotations

import datetime as dt

import click

from kehu.cli.console import fail
from kehu.cli.crm import setup_django

STEPS = ("earn", "reverse", "expire", "levels")


@click.group()
def loyalty() -> None:
    """Membership and loyalty points."""


@loyalty.command("run")
@click.option(
    "--step",
    "steps",
    type=click.Choice(STEPS),
    multiple=True,
    help="Run only these steps (repeatable); all four by default.",
)
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The day points expire by (YYYY-MM-DD); today by default.",
)
def run(steps: tuple[str, ...], today: dt.datetime | None) -> None:
    """Earn, reverse, expire and set levels; each step is idempotent."""
    setup_django()
    from django.core.exceptions import ValidationError

    from kehu.crm.loyalty import actions

    day = today.date() if today else None
    chosen = steps or STEPS
    work = {
        "earn": ("orders earned points", actions.earn_for_orders),
        "reverse": ("returned or cancelled orders reversed", actions.reverse_for_orders),
        "expire": ("members had points expire", lambda: actions.expire_points(today=day)),
        "levels": ("members changed level", actions.set_levels),
    }
    for step in STEPS:
        if step not in chosen:
            continue
        label, do = work[step]
        try:
            n = do()
        except ValidationError as e:
            fail(f"{step}: {'; '.join(e.messages)}")
        click.echo(f"{step}: {n:,} {label}")


#: The commands this module adds to ``kehu``.
COMMANDS = (loyalty,)
