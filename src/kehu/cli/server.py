"""Setting up and running the CRM: ``kehu migrate``, ``generate``, ``serve``,
``scheduler`` and ``demo``, which does all of them on a fresh install."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import click

from kehu.cli.crm import setup_django
from kehu.cli.options import n_customers_option, port_option


@click.command()
@click.option("--quiet", is_flag=True, help="Print only errors.")
def migrate(quiet: bool) -> None:
    """Create or upgrade the database schema (DATABASE_URL, default var/kehu.sqlite3)."""
    setup_django()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0 if quiet else 1)


def _ensure_admin() -> None:
    from kehu.crm.accounts.actions import ensure_admin

    password = ensure_admin()
    if password:
        click.secho("An admin account was created. Its password is shown this once:", fg="green")
        click.secho(f"  username: admin\n  password: {password}", bold=True)
        click.echo("  (change it after logging in; `kehu user passwd admin` resets it)")


@click.command()
@n_customers_option
@click.option("--seed", default=7, show_default=True, type=int)
@click.option("--if-empty", is_flag=True, help="Do nothing when the database has customers.")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Date the data as if loaded on this day, e.g. 2026-06-30 [today].",
)
def generate(n_customers: int, seed: int, if_empty: bool, today: datetime | None = None) -> None:
    """Load deterministic demo data: customers, contacts, products, orders, opportunities,
    activities, tickets and interactions, dated up to the start of today (the same seed
    and day give the same data)."""
    setup_django()
    from kehu.crm.customers.models import Customer
    from kehu.crm.demo.load import load_demo

    if if_empty and Customer.objects.exists():
        click.echo("The database has customers already; no demo data loaded.")
        return
    day = today.date() if today is not None else None
    counts = load_demo(n_customers=n_customers, seed=seed, progress=True, today=day)
    click.echo(", ".join(f"{name}={n:,}" for name, n in counts.items()))


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@port_option
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64))
@click.option("--no-scheduler", is_flag=True, help="Do not start the analysis scheduler.")
def serve(host: str, port: int, workers: int, threads: int, no_scheduler: bool = False) -> None:
    """Serve the web app and the API with gunicorn, and the analysis scheduler."""
    setup_django()
    from gunicorn.app.base import BaseApplication

    from kehu.crm.wsgi import application

    class _Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("threads", threads)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("accesslog", os.environ.get("KEHU_ACCESS_LOG"))

        def load(self) -> object:
            return application

    click.secho(f"kehu is serving on http://{host}:{port}/  (Ctrl-C stops it)", fg="green")
    scheduler = None if no_scheduler else _start_scheduler()
    try:
        _Server().run()
    finally:
        if scheduler is not None:
            scheduler.terminate()


def _start_scheduler() -> subprocess.Popen[bytes]:
    """``kehu scheduler`` beside the web server, ended with it."""
    from django.conf import settings

    log_dir = Path(settings.VAR_DIR) / "log"
    log_dir.mkdir(parents=True, exist_ok=True)
    with open(log_dir / "scheduler.log", "ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "kehu.cli", "scheduler"],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


@click.command()
@click.option("--once", is_flag=True, help="Check once (for cron) instead of every minute.")
def scheduler(once: bool) -> None:
    """Start the analysis when the schedule set on the intelligence page says it is due
    (kehu serve starts this beside the web server)."""
    setup_django()
    import time

    from kehu.cli.rules import SWEEP_EVERY_S, sweep
    from kehu.crm.intelligence.actions import run_if_due

    swept = -float(SWEEP_EVERY_S)
    while True:
        run = run_if_due()
        if run is not None:
            click.echo(f"scheduled run #{run.pk}: {run.status} {run.error}".rstrip())
        # the automation rules on records and on a schedule (kehu rules), every few minutes
        if time.monotonic() - swept >= SWEEP_EVERY_S:
            swept = time.monotonic()
            for log in sweep():
                click.echo(f"rule #{log.rule_id}: acted on {log.n_acted}, failed {log.n_failed}")
        if once:
            return
        time.sleep(60)


@click.command()
@n_customers_option
@port_option
@click.option("--no-serve", is_flag=True, help="Set up and load data, but do not serve.")
def demo(n_customers: int, port: int, no_serve: bool) -> None:
    """Set up everything on the embedded SQLite database and serve the app: migrate,
    create the admin (password printed once), load demo data when empty, serve."""
    setup_django()
    from django.conf import settings
    from django.core.management import call_command

    Path(settings.VAR_DIR).mkdir(parents=True, exist_ok=True)
    call_command("migrate", interactive=False, verbosity=0)
    _ensure_admin()
    ctx = click.get_current_context()
    ctx.invoke(generate, n_customers=n_customers, seed=7, if_empty=True)
    if not no_serve:
        _analyse_once_in_background()
        ctx.invoke(serve, host="127.0.0.1", port=port, workers=2, threads=4)


def _analyse_once_in_background() -> None:
    """A database never analysed gets its first analysis run started beside the server,
    so the demo's scores, charts and reports appear a minute after it opens instead of
    waiting for someone to find "Run analysis now"."""
    from kehu.crm.intelligence.actions import launch_detached, request_run
    from kehu.crm.intelligence.models import ValueRun

    if ValueRun.objects.exists():
        return
    run = request_run()
    launch_detached(run)
    click.echo(
        f"Analysis run #{run.pk} started in the background (about a minute for the demo); "
        "its scores, charts and reports appear when it finishes."
    )


#: The commands this module adds to ``kehu``.
COMMANDS = (migrate, generate, serve, scheduler, demo)
