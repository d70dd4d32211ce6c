"""Getting data into the CRM: ``kehu import`` (a file, or the background half of a web
import) and ``kehu dedup``, which finds the customers imported twice."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from kehu.cli.console import fail, progress
from kehu.cli.crm import setup_django
from kehu.cli.options import date_format_option, file_argument

if TYPE_CHECKING:
    from kehu.crm.integration.models import ImportJob


@click.command("import")
@file_argument(required=False)
@click.option(
    "--entity",
    type=click.Choice(
        [
            "customers",
            "contacts",
            "products",
            "orders",
            "interactions",
            "tickets",
            "opportunities",
            "invoices",
            "payments",
            "leads",
        ]
    ),
    help="What the rows are (import customers before the records that name them).",
)
@click.option("--job", "job_id", type=click.IntRange(1), hidden=True, help="Run this web import.")
@click.option("--mapping", "profile", help="Use this saved mapping profile.")
@click.option(
    "--map",
    "overrides",
    multiple=True,
    metavar="FIELD=COLUMN",
    help="Read FIELD from COLUMN (repeatable; overrides the suggestion and the profile); "
    "FIELD= leaves it unmapped.",
)
@click.option("--save-mapping", help="Save the mapping used as a profile with this name.")
@click.option(
    "--encoding", help="Text encoding of a CSV file (detected when absent), e.g. gb18030."
)
@click.option("--delimiter", help="CSV delimiter (detected when absent).")
@click.option("--sheet", help="Excel sheet name [the first].")
@date_format_option("strptime format of dates (detected when absent).")
@click.option(
    "--decimal-comma/--decimal-point",
    default=None,
    help="Numbers written 1.234,56 or 1,234.56 (detected when absent).",
)
@click.option(
    "--quarantine-out", type=click.Path(dir_okay=False), help="Write the quarantined rows (CSV)."
)
@click.option(
    "--batch-rows",
    default=50_000,
    show_default=True,
    type=click.IntRange(1),
    help="Rows per transaction (whole orders).",
)
@click.option(
    "--allow-future-dates",
    is_flag=True,
    help="Import order (and event) dates more than KEHU_IMPORT_FUTURE_DAYS (31) days ahead "
    "instead of quarantining them.",
)
def import_(
    input_path: str | None,
    entity: str | None,
    job_id: int | None,
    profile: str | None,
    overrides: tuple[str, ...],
    save_mapping: str | None,
    encoding: str | None,
    delimiter: str | None,
    sheet: str | None,
    date_format: str | None,
    decimal_comma: bool | None,
    quarantine_out: str | None,
    batch_rows: int,
    allow_future_dates: bool,
) -> None:
    """Import customers or orders (with lines) from CSV/TSV, Excel, Parquet or JSON
    lines into the database named by DATABASE_URL (creating its schema when empty).
    Ends with one line: rows=N imported=I merged=M quarantined=Q."""
    setup_django()
    from django.core.management import call_command

    from kehu.crm.integration.models import ImportJob
    from kehu.crm.integration.pipeline import (
        BatchFailedError,
        ImportInputError,
        Options,
        run_import,
    )
    from kehu.crm.integration.quarantine import write_quarantine_csv

    if job_id is not None:
        run_web_import(job_id)
        return
    if input_path is None or entity is None:
        fail("give the FILE and --entity (customers, contacts, products, orders, ...)")
    parsed: dict[str, str] = {}
    for item in overrides:
        field, sep, column = item.partition("=")
        if not sep or not field.strip():
            fail(f"--map takes FIELD=COLUMN (or FIELD= to leave it unmapped), got {item!r}")
        parsed[field.strip()] = column.strip()
    call_command("migrate", interactive=False, verbosity=0)
    options = Options(
        encoding=encoding,
        delimiter=delimiter,
        sheet=sheet,
        date_format=date_format,
        decimal_comma=decimal_comma,
        batch_rows=batch_rows,
        allow_future_dates=allow_future_dates,
    )
    with progress() as update:

        def on_step(step: str, done: int, total: int) -> None:
            update(step, completed=done, total=total or None)  # 0: not known yet

        try:
            job = run_import(
                Path(input_path),
                entity,
                mapping_profile=profile,
                overrides=parsed,
                options=options,
                save_profile=save_mapping,
                progress=on_step,
            )
        except ImportInputError as e:
            fail(str(e))
        except BatchFailedError as e:
            fail(ImportJob.objects.get(pk=e.job_id).message)
    _echo_report(job)
    if quarantine_out:
        write_quarantine_csv(job, Path(quarantine_out))
        click.echo(f"wrote {quarantine_out}")
    if job.status != job.Status.DONE:
        fail(job.message)
    _echo_counts(job)


def run_web_import(job_id: int) -> None:
    """The background half of a web import (``kehu import --job ID``): everything it
    needs is on the job. An error that is not about the input fails the job, then is
    raised (its traceback goes to the job's log)."""
    from kehu.crm.integration.actions import fail_job, remove_upload
    from kehu.crm.integration.models import ImportJob
    from kehu.crm.integration.pipeline import (
        BatchFailedError,
        ImportInputError,
        Options,
        claim,
        run_import,
    )

    job = ImportJob.objects.get(pk=job_id)
    claim(job)
    saved = job.details.get("options", {})
    try:
        job = run_import(
            Path(job.source_path),
            job.entity,
            mapping_profile=job.details.get("profile"),
            overrides=dict(job.mapping),
            options=Options(
                date_format=saved.get("date_format"),
                decimal_comma=saved.get("decimal_comma"),
                allow_future_dates=bool(saved.get("allow_future_dates")),
                checked=bool(saved.get("checked")),
            ),
            save_profile=job.details.get("save_as"),
            job=job,
        )
    except BatchFailedError:  # the job says which batch and why
        fail(ImportJob.objects.get(pk=job_id).message)
    except Exception as e:
        message = str(e) if isinstance(e, ImportInputError) else f"internal error: {e!r}"
        fail_job(job_id, message=message)
        if not isinstance(e, ImportInputError):
            raise
        fail(message)
    if job.status == ImportJob.Status.DONE:
        remove_upload(job)
    _echo_counts(job)


def _echo_report(job: ImportJob) -> None:
    """What the import read and did: the mapping, how the file was read, the counts
    beside the rows', the reader's notes, new customers sharing an email, and the
    reasons rows were quarantined."""
    from kehu.crm.integration.mapping import FIELDS

    details = job.details
    click.echo(f"import #{job.pk}: {job.source_name} as {job.entity}, {job.batches_landed} batches")
    order = [f.name for f in FIELDS[job.entity]]
    mapping = sorted(job.mapping.items(), key=lambda kv: order.index(kv[0]))
    click.echo("mapping: " + ", ".join(f"{k}<-{v}" for k, v in mapping))
    read = [f"encoding={details.get('encoding')}", f"dates={details.get('date_format')}"]
    click.echo("read: " + " ".join(str(x) for x in read))
    extra = {k: v for k, v in details.items() if isinstance(v, int) and not isinstance(v, bool)}
    if extra:  # sorted: PostgreSQL's jsonb does not keep the keys' order
        click.echo("details: " + " ".join(f"{k}={extra[k]:,}" for k in sorted(extra)))
    for note in details.get("notes", []):
        click.echo(f"note: {note}")
    for shared in details.get("shared_email_rows", []):
        others = ", ".join(shared.get("customers") or [f"row {r}" for r in shared.get("rows", [])])
        click.echo(
            f"row {shared['row']} (external id {shared['external_id']}) shares its email "
            f"{shared['email']} with {others}: imported as a new customer"
        )
    for reason, count in job.quarantine_reasons():
        click.echo(f"quarantined {count:,}: {reason}")


def _echo_counts(job: ImportJob) -> None:
    """The last line, which reconciles: rows in = imported + merged + quarantined."""
    click.echo(
        f"rows={job.rows_in} imported={job.imported} merged={job.merged} "
        f"quarantined={job.quarantined}"
    )


@click.command()
@click.option(
    "--auto-merge",
    default=0.99,
    show_default=True,
    type=click.FloatRange(0, 1, min_open=True),
    help="Merge pairs at least this probable without asking, when the rule allows "
    "(name and an email, phone or address of their own agree, nothing conflicts, one owner).",
)
@click.option(
    "--review",
    default=0.8,
    show_default=True,
    type=click.FloatRange(0, 1, min_open=True),
    help="Queue pairs at least this probable for review in the web UI.",
)
def dedup(auto_merge: float, review: float) -> None:
    """Find customers that are the same entity (names in Latin or Chinese, emails,
    phones in any format, addresses), merge the pairs where several independent fields
    agree and queue the rest, with the reason, for review (Imports > Possible
    duplicates). Customers of two owners are never merged here. Every merge can be
    undone."""
    setup_django()
    from kehu.crm.integration.dedup import run_dedup

    if review > auto_merge:
        fail(f"--review ({review}) must not be above --auto-merge ({auto_merge})")
    result = run_dedup(auto_merge=auto_merge, review=review)
    click.echo(
        f"customers={result.customers} pairs={result.pairs} merged={result.merged} "
        f"to_review={result.to_review}"
    )
    if result.reasons:
        click.echo("queued because: " + " ".join(f"{k}={v}" for k, v in result.reasons.items()))


#: The commands this module adds to ``kehu``.
COMMANDS = (import_, dedup)
