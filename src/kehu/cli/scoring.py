"""``kehu score``: score every customer in the CRM database and say how the run went
(the as-of date, the purchase model chosen and the segments found)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from kehu.cli.console import fail, progress
from kehu.cli.crm import setup_django
from kehu.cli.tuning import blas_on_one_thread

if TYPE_CHECKING:
    from kehu.crm.intelligence.models import ValueRun


@click.command()
@click.option("--run", "run_id", type=click.IntRange(1), help="Execute this queued run.")
@click.option(
    "--as-of",
    help="Observation end, e.g. 2026-06-30 [the last day of the dense part of the orders, "
    "never after today].",
)
@click.option(
    "--keep", default=12, show_default=True, type=click.IntRange(1), help="Runs of history to keep."
)
@click.option(
    "--engine",
    type=click.Choice(["duckdb", "spark"]),
    help="Where the customers are valued: duckdb in this process, spark on a Spark "
    "cluster (the scores still come back here) [KEHU_ANALYSIS_ENGINE, else duckdb].",
)
@click.option(
    "--spark-master",
    help="With --engine spark: the cluster, e.g. spark://host:7077 [KEHU_SPARK_MASTER, "
    "else local[*]].",
)
def score(
    run_id: int | None,
    as_of: str | None,
    keep: int,
    engine: str | None,
    spark_master: str | None,
) -> None:
    """Score every customer in the CRM database (RFM, P(alive), CLV, tiers, lifecycle)
    and write the scores back; run it from cron for a nightly update."""
    blas_on_one_thread()  # before Django's apps load numpy
    setup_django()
    from datetime import date

    from kehu.crm.intelligence.actions import RunRefusedError, execute_run, request_run
    from kehu.crm.intelligence.engines import AnalysisEngine, EngineUnavailableError
    from kehu.crm.intelligence.models import ValueRun

    try:
        chosen = AnalysisEngine.configured(engine, spark_master)
    except EngineUnavailableError as e:
        fail(str(e))
    if spark_master and chosen.name != "spark":
        fail("--spark-master goes with --engine spark (or KEHU_ANALYSIS_ENGINE=spark)")

    try:
        observation_end = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        fail(f"--as-of must be a date like 2026-06-30, got {as_of!r}")
    try:
        run = ValueRun.objects.get(pk=run_id) if run_id else request_run(None)
    except ValueRun.DoesNotExist:
        fail(f"no run #{run_id}")
    except RunRefusedError as e:
        fail(str(e))
    with progress(total=100) as update:
        try:
            execute_run(
                run,
                as_of=observation_end,
                keep_runs=keep,
                on_progress=lambda text, pct: update(text, completed=pct),
                engine=chosen,
            )
        except RunRefusedError as e:
            fail(str(e))
    if run.status != ValueRun.Status.DONE:
        fail(f"run #{run.pk} failed: {run.error}")
    click.echo(
        f"run #{run.pk}: scored {run.n_customers:,} customers ({run.n_prospects:,} prospects) "
        f"from {run.n_transactions:,} orders in {run.duration_s:.1f} s"
    )
    _echo_model_choice(run.analysis_models)
    _echo_segments(run)


def _echo_segments(run: ValueRun) -> None:
    """The run's segments: how well they separate, the minimum size, and each one's
    name (a user's own where renamed), size and share of value."""
    from kehu.crm.intelligence.queries import segments_of

    summary = run.mining.get("segments") or {}
    if "skipped" in summary:
        click.echo(f"segments: none ({summary['skipped']})")
        return
    segments = segments_of(run)
    if not segments:
        return
    score = summary.get("silhouette_final")
    quality = ""
    if score is not None:
        weak = summary.get("weak_below", 0.25)
        verdict = f"weak, under {weak}" if summary.get("weak") else f"at least {weak}"
        quality = f"silhouette {score:.3f}: {verdict}; "
    click.echo(
        f"segments: {len(segments)} ({quality}at least {summary.get('min_size', 0):,} customers "
        f"each, {summary.get('merged_customers', 0):,} moved from smaller clusters)"
    )
    for s in segments:
        click.echo(
            f"  #{s.key} {getattr(s, 'custom_name', '') or s.name}: {s.size:,} customers "
            f"({s.share:.1%}), {s.value_share:.1%} of value"
        )


def _echo_model_choice(models: dict[str, Any]) -> None:
    """The run's as-of date (and why), and which purchase model gave P(alive) and CLV
    with each candidate's holdout error."""
    dates = models.get("dates") or {}
    click.echo(dates.get("note") or f"as of {models.get('calibration_end')}")
    choice = models.get("purchase_model") or {}
    names = {"bg_nbd": "BG/NBD", "mbg_nbd": "MBG/NBD", "pareto_nbd": "Pareto/NBD"}
    if choice.get("reason") == "holdout":
        errors = ", ".join(
            f"{names.get(k, k)} {v['mae']:.4f}"
            if v.get("mae") is not None
            else f"{names.get(k, k)} (could not be fitted)"
            for k, v in choice["candidates"].items()
        )
        click.echo(
            f"purchase model {names.get(choice['chosen'])} (P(alive) from "
            f"{names.get(choice['p_alive_model'])}): mean absolute error per customer over "
            f"the {choice['holdout_days']} days after {choice['calibration_end']}: {errors}"
        )
    elif choice:
        click.echo(f"purchase model {names.get(choice.get('chosen', ''))}: no holdout comparison")


#: The commands this module adds to ``kehu``.
COMMANDS = (score,)
