"""``kehu campaign``: send a campaign (started by the web app in the background, or by
hand; a send that was stopped carries on where it was), and count its outcomes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from kehu.cli.console import fail, progress
from kehu.cli.crm import setup_django

if TYPE_CHECKING:
    from kehu.crm.marketing.models import Campaign


@click.group()
def campaign() -> None:
    """Send campaigns and count what they achieved."""


def _campaign(campaign_id: int) -> Campaign:
    from kehu.crm.marketing.models import Campaign

    try:
        return Campaign.objects.get(pk=campaign_id)
    except Campaign.DoesNotExist:
        fail(f"no campaign #{campaign_id}")


@campaign.command()
@click.argument("campaign_id", type=click.IntRange(1))
@click.option("--batch", type=click.IntRange(1), help="Members per batch [settings].")
def send(campaign_id: int, batch: int | None) -> None:
    """Send campaign CAMPAIGN_ID to its pending members; safe to run again after a
    stop: nobody is sent to twice."""
    setup_django()
    from django.core.exceptions import ValidationError

    from kehu.crm.marketing.sending import SendStopped, send_campaign

    target = _campaign(campaign_id)
    with progress() as update:
        try:
            report = send_campaign(
                target,
                batch_size=batch,
                on_progress=lambda done, total: update("sending", completed=done, total=total),
            )
        except SendStopped as e:
            fail(f"campaign #{campaign_id} stopped: {e}; run the command again to carry on")
        except ValidationError as e:
            fail("; ".join(e.messages))
    click.echo(
        f"campaign #{campaign_id}: sent {report.sent:,}, failed {report.failed:,}, "
        f"skipped {report.skipped:,}, not known after an interrupted send {report.unknown:,}"
    )


@campaign.command()
@click.argument("campaign_id", type=click.IntRange(1))
def outcomes(campaign_id: int) -> None:
    """Count each member's orders and replies in the campaign's window and print the
    uplift over the control group."""
    setup_django()
    from kehu.crm.marketing.actions import refresh_outcomes
    from kehu.crm.marketing.results import campaign_results

    target = _campaign(campaign_id)
    refresh_outcomes(target)
    results = campaign_results(target)
    t, c = results.overall.treated, results.overall.control
    click.echo(f"targeted {t.n:,}: {t.converted:,} ordered, revenue {t.revenue:,.2f}")
    click.echo(f"control  {c.n:,}: {c.converted:,} ordered, revenue {c.revenue:,.2f}")
    uplift = results.overall.conversion_uplift
    if uplift is None:
        click.echo("uplift: the control group is too small to measure it")
    else:
        click.echo(
            f"uplift in conversion: {100 * uplift.value:+.2f} points "
            f"(95% CI {100 * uplift.low:+.2f} to {100 * uplift.high:+.2f})"
        )


COMMANDS = (campaign,)
