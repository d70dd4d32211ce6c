"""``kehu leads score``: score the CRM's open leads from its converted and lost ones."""

from __future__ import annotations

import click

from kehu.cli.console import fail
from kehu.cli.crm import setup_django


@click.group()
def leads() -> None:
    """Leads in the CRM."""


@leads.command()
@click.option(
    "--min-each",
    default=30,
    show_default=True,
    type=click.IntRange(5),
    help="The fewest converted and the fewest lost leads to learn from.",
)
def score(min_each: int) -> None:
    """Score every open lead (probability of conversion and its reasons) from the
    leads the CRM converted and disqualified; run it from cron for a nightly update."""
    setup_django()
    from kehu.crm.leads.scoring import ScoringRefusedError, score_open_leads

    try:
        run = score_open_leads(min_each=min_each)
    except ScoringRefusedError as e:
        fail(str(e))
    click.echo(
        f"scored {run.n_scored:,} open leads, learnt from {run.n_converted:,} converted and "
        f"{run.n_lost:,} lost leads; cross-validated ROC AUC {run.cv_roc_auc:.3f}"
    )


COMMANDS = [leads]
