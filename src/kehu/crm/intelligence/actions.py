"""Value runs: request one, execute it (read the CRM, run :mod:`kehu.insight`, write
the scores back in bulk), and start it in a detached process from the web.

This app is the only place that calls :mod:`kehu.insight` (DESIGN.md). A run records
its progress on its row as it goes, each step committed, so that the intelligence
page (another process) can show it; a run that fails says why in one plain line.
"""

from __future__ import annotations

import logging
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pandas as pd
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from kehu.crm import processes
from kehu.crm.background import launch_kehu
from kehu.crm.bulk_replace import replacing_tables
from kehu.crm.intelligence import extract, mining, overview, signals, warehouse, writeback
from kehu.crm.intelligence.engines import AnalysisEngine, EngineUnavailableError, session
from kehu.crm.intelligence.models import AnalysisSchedule, CustomerScore, SegmentName, ValueRun
from kehu.crm.validation import validate
from kehu.insight.analyze import Analysis, AnalysisSettings, settings_dict
from kehu.insight.errors import InsightError
from kehu.insight.report import json_safe

logger = logging.getLogger(__name__)
Progress = Callable[[str, int], None]

KEEP_RUNS = 12
STALE_AFTER = timedelta(minutes=30)
NO_ORDERS = gettext_noop("no orders yet: add orders or load demo data")
RUN_ACTIVE = gettext_noop("An analysis run is already in progress; wait for it to finish.")
ABANDONED = gettext_noop("the run stopped without finishing (its process ended); start a new one")
KILLED = gettext_noop(
    "the analysis process ended before the run finished (it was killed or the server "
    "restarted); nothing of this run was kept: start a new one"
)
# kehu.insight's step names (English, Django-free) -> the text shown and the percent
ANALYSIS_STEPS = {
    "starting Spark": (gettext_noop("starting Spark"), 10),
    "summarising transactions": (gettext_noop("summarising purchases"), 15),
    "fitting BG/NBD": (gettext_noop("fitting BG/NBD"), 25),
    "fitting Pareto/NBD": (gettext_noop("fitting Pareto/NBD"), 35),
    "choosing the purchase model": (gettext_noop("choosing the purchase model"), 45),
    "fitting Gamma-Gamma and valuing customers": (gettext_noop("valuing customers"), 50),
    "ranking customers": (gettext_noop("ranking customers"), 53),
    "checking the holdout": (gettext_noop("checking the holdout"), 55),
    "building cohorts": (gettext_noop("building cohorts"), 58),
    "finding segments": (gettext_noop("finding segments"), 60),
    "learning churn": (gettext_noop("learning who churns"), 62),
    "checking deviations": (gettext_noop("checking deviations"), 64),
    "recommending products": (gettext_noop("recommending products"), 66),
    "forecasting sales": (gettext_noop("forecasting sales"), 68),
}


class RunRefusedError(Exception):
    """A run cannot start now (another one is in progress, or this one is not queued)."""


class RunFailedError(Exception):
    """A run cannot produce results; the message is shown to the user as is."""


def active_run() -> ValueRun | None:
    """The queued or running run, if any. A run whose process has ended (killed, the
    machine restarted) is marked failed at once when the process ran on this machine
    (:mod:`kehu.crm.processes`), otherwise once it has not reported progress for
    ``STALE_AFTER``; such a run does not count."""
    limit = timezone.now() - STALE_AFTER
    for run in ValueRun.objects.filter(status__in=ValueRun.ACTIVE).order_by("id"):
        if processes.runner_gone(run.runner):
            _finish(run, ValueRun.Status.FAILED, error=KILLED)
        elif run.updated_at < limit:
            _finish(run, ValueRun.Status.FAILED, error=ABANDONED)
        else:
            return run
    return None


def request_run(by: AbstractBaseUser | None = None, *, scheduled: bool = False) -> ValueRun:
    """A new queued run; refused while another run is queued or running."""
    with transaction.atomic():
        if active_run() is not None:
            raise RunRefusedError(RUN_ACTIVE)
        return ValueRun.objects.create(
            requested_by=by, scheduled=scheduled, progress_text=gettext_noop("waiting to start")
        )


def schedule() -> AnalysisSchedule:
    """The one schedule row (daily at 02:00 until someone changes it)."""
    found, _created = AnalysisSchedule.objects.get_or_create(pk=1)
    return found


@transaction.atomic
def set_schedule(*, every: str, at_hour: int) -> AnalysisSchedule:
    """Run the analysis ``every`` (an :class:`AnalysisSchedule.Every`: off, daily or
    weekly, on Mondays) at ``at_hour`` o'clock, local time."""
    plan = schedule()
    plan.every = every
    plan.at_hour = at_hour
    validate(plan)
    plan.save(update_fields=["every", "at_hour"])
    return plan


def last_slot(plan: AnalysisSchedule, now: datetime) -> datetime | None:
    """The latest scheduled moment at or before ``now`` (local time), None when off."""
    if plan.every == AnalysisSchedule.Every.OFF:
        return None
    local = timezone.localtime(now)
    slot = local.replace(hour=plan.at_hour, minute=0, second=0, microsecond=0)
    if slot > local:
        slot -= timedelta(days=1)
    if plan.every == AnalysisSchedule.Every.WEEKLY:
        slot -= timedelta(days=slot.weekday())  # back to Monday
    return slot


def run_if_due(now: datetime | None = None, **options: object) -> ValueRun | None:
    """Start and execute a scheduled run when the latest slot has no run requested
    since (and none is in progress); None when nothing was due."""
    now = now or timezone.now()
    slot = last_slot(schedule(), now)
    if slot is None or ValueRun.objects.filter(created_at__gte=slot).exists():
        return None
    try:
        run = request_run(None, scheduled=True)
    except RunRefusedError:
        return None
    return execute_run(run, **options)  # type: ignore[arg-type]


def _report(run: ValueRun, text: str, percent: int, on_progress: Progress | None) -> None:
    run.progress_text, run.progress_percent = text, percent
    # an UPDATE outside any transaction: committed at once, so other processes see it
    ValueRun.objects.filter(pk=run.pk).update(
        progress_text=text, progress_percent=percent, updated_at=timezone.now()
    )
    if on_progress is not None:
        on_progress(text, percent)


def _finish(run: ValueRun, status: str, *, error: str = "") -> None:
    run.status, run.error, run.finished_at = status, error, timezone.now()
    if status == ValueRun.Status.DONE:
        run.progress_text, run.progress_percent = gettext_noop("done"), 100
    run.save(
        update_fields=[
            "status",
            "error",
            "finished_at",
            "progress_text",
            "progress_percent",
            "updated_at",
        ]
    )


def _start(run: ValueRun) -> None:
    claimed = ValueRun.objects.filter(pk=run.pk, status=ValueRun.Status.QUEUED).update(
        status=ValueRun.Status.RUNNING,
        started_at=timezone.now(),
        updated_at=timezone.now(),
        runner=processes.runner(),
    )
    if not claimed:
        run.refresh_from_db()
        raise RunRefusedError(f"run #{run.pk} is {run.status}, not queued")
    run.refresh_from_db()


def analysis_settings(as_of: date | None = None) -> AnalysisSettings:
    """Weekly periods; the observation ends on ``as_of`` or, by default, on the day of
    the last order (so that a database whose orders stopped a while ago, such as the
    demo data, is not read as everyone having left today)."""
    return AnalysisSettings(
        period="week",
        observation_end=as_of,
        customer_col="customer_id",
        date_col="ordered_at",
        amount_col="amount",
    )


def execute_run(
    run: ValueRun,
    *,
    as_of: date | None = None,
    keep_runs: int = KEEP_RUNS,
    on_progress: Progress | None = None,
    engine: AnalysisEngine | None = None,
) -> ValueRun:
    """Compute the scores of every customer and write them back; the run ends done or
    failed (with a plain message), never raising for bad data. ``engine`` values the
    customers (default: the settings', :mod:`~kehu.crm.intelligence.engines`)."""
    _start(run)
    try:
        _compute(run, as_of, keep_runs, on_progress, engine or AnalysisEngine.configured())
    except (RunFailedError, InsightError, EngineUnavailableError) as e:
        _finish(run, ValueRun.Status.FAILED, error=str(e).splitlines()[0])
    except Exception as e:
        logger.exception("value run %s failed", run.pk)
        _finish(run, ValueRun.Status.FAILED, error=f"the analysis stopped: {type(e).__name__}: {e}")
    else:
        _finish(run, ValueRun.Status.DONE)
        _announce(run)
    return run


def _announce(run: ValueRun) -> None:
    """Tell the apps above (campaign learning, automation rules) that the scores are
    current. A receiver that fails is logged; it does not fail the run, whose scores
    are written and correct."""
    for receiver, outcome in signals.run_finished.send_robust(sender=ValueRun, run=run):
        if isinstance(outcome, Exception):
            logger.error("after value run %s, %s failed", run.pk, receiver, exc_info=outcome)


def _compute(
    run: ValueRun,
    as_of: date | None,
    keep_runs: int,
    on_progress: Progress | None,
    engine: AnalysisEngine,
) -> None:
    _report(run, gettext_noop("reading orders"), 5, on_progress)
    orders = extract.orders()
    log = extract.transactions(orders)
    if log.empty:
        raise RunFailedError(NO_ORDERS)
    facts = extract.customer_facts()
    settings_used = analysis_settings(as_of)

    def step(name: str) -> None:
        text, percent = ANALYSIS_STEPS.get(name, (name, run.progress_percent))
        _report(run, text, percent, on_progress)

    # the status a user gave the customer: a Lost one is at best in decline
    stated = facts[["customer_id", "satisfaction", "status"]]
    with session(engine, step) as opened:
        analysis = opened.value(log, settings_used, step, stated)
        table = writeback.score_table(analysis.customers, facts)
        mined = mining.run_mining(_mining_input(analysis, orders), step, engine=opened.spark)
    table = table.merge(mined.columns, on="customer_id", how="left")
    run.mining = json_safe(mined.summary)
    run.analysis_settings = json_safe(settings_dict(settings_used))
    run.analysis_models = json_safe(analysis.models)
    run.overview = json_safe(overview.build(analysis, table))
    run.n_customers = int(table["scored"].sum())
    run.n_prospects = len(table) - run.n_customers
    run.n_transactions = len(log)
    _write(run, table, mined, keep_runs, on_progress)


def _mining_input(analysis: Analysis, orders: pd.DataFrame) -> mining.MiningInput:
    bg = analysis.models.get("bg_nbd") or {}
    as_of = mining.as_of_for(analysis.summary.calibration_end)
    lines, tickets = extract.order_lines(), extract.tickets()
    invoices, payments = extract.invoices(), extract.payments()
    # a run as of a past date sees nothing after it (as the value models do not)
    return mining.MiningInput(
        orders=orders[orders["ordered_at"] < as_of],
        lines=lines[lines["ordered_at"] < as_of],
        tickets=tickets[tickets["opened_at"] < as_of],
        regions=extract.customer_regions(),
        as_of=as_of,
        previous_segments=writeback.previous_segments(),
        bg_nbd=(bg["r"], bg["alpha"]) if "r" in bg and "alpha" in bg else None,
        invoices=invoices[invoices["issued_on"] < as_of],
        payments=payments[payments["paid_on"] < as_of],
    )


def _write(
    run: ValueRun,
    table: pd.DataFrame,
    mined: mining.MiningResult,
    keep_runs: int,
    on_progress: Progress | None,
) -> None:
    _report(run, gettext_noop("writing the run's history"), 70, on_progress)
    writeback.write_values(run, table)
    writeback.write_segments(run, mined.segments)
    _report(run, gettext_noop("updating current scores"), 85, on_progress)
    with replacing_tables() as replacement:
        writeback.replace_scores(replacement, run, table)
        writeback.replace_insights(
            replacement, run, mined.reasons, mined.recommendations, mined.flags
        )
        run.save(
            update_fields=[
                "analysis_settings",
                "analysis_models",
                "overview",
                "mining",
                "n_customers",
                "n_prospects",
                "n_transactions",
                "updated_at",
            ]
        )
    _report(run, gettext_noop("removing old runs"), 95, on_progress)
    writeback.prune_runs(keep_runs)
    _report(run, gettext_noop("building the sales warehouse"), 97, on_progress)
    _build_warehouse(run)


def _build_warehouse(run: ValueRun) -> None:
    """The reports' star schema, from the store the run has just scored (current tiers
    and segments), its rows and time kept with the mining steps'; a warehouse that
    cannot be built is noted there and does not fail a run whose scores are written."""
    try:
        built = warehouse.build_warehouse()
        summary: dict[str, object] = {"rows": built.rows, "seconds": built.seconds}
    except InsightError as e:
        summary = {"skipped": str(e).splitlines()[0]}
    run.mining = {**(run.mining or {}), "warehouse": summary}
    ValueRun.objects.filter(pk=run.pk).update(mining=run.mining)


def score_arguments(run: ValueRun) -> list[str]:
    """The ``kehu`` arguments that execute a queued run."""
    return ["score", "--run", str(run.pk)]


def launch_detached(run: ValueRun) -> subprocess.Popen[bytes]:
    """``kehu score --run ID`` in the background (output in ``var/log/score-ID.log``),
    recorded on the run while it waits for the process to claim it, so that a process
    killed before it starts does not leave the run queued."""
    process = launch_kehu(score_arguments(run), f"score-{run.pk}")
    ValueRun.objects.filter(pk=run.pk, status=ValueRun.Status.QUEUED).update(
        runner=processes.runner(process.pid)
    )
    return process


def start_run(by: AbstractBaseUser) -> ValueRun:
    """Queue a run and start it in the background (the web's "Run analysis now")."""
    run = request_run(by)
    try:
        launch_detached(run)
    except OSError as e:
        _finish(run, ValueRun.Status.FAILED, error=f"could not start the analysis process: {e}")
    return run


def rename_segment(key: int, name: str, by: AbstractBaseUser | None = None) -> SegmentName | None:
    """Give segment ``key`` a name of the user's own, kept across runs while the
    segment keeps its key; an empty name gives it back its suggested name (None)."""
    name = " ".join(name.split())
    if not name:
        SegmentName.objects.filter(key=key).delete()
        return None
    named, _created = SegmentName.objects.update_or_create(
        key=key, defaults={"name": name[:100], "renamed_by": by}
    )
    return named


@dataclass
class FollowUps:
    created: int
    skipped: int  # members who have an open activity with this subject already
    owners: int


def create_follow_ups(
    run: ValueRun, key: int, *, subject: str, due_at: datetime, by: AbstractBaseUser
) -> FollowUps:
    """A follow-up task for each member of segment ``key`` (in ``run``), for the
    member's owner (``by`` for a member without one), through the sales actions, in one
    transaction; a member with an open activity of the same subject is skipped, so that
    a second click adds nothing."""
    from kehu.crm.sales.actions import create_activity
    from kehu.crm.sales.models import Activity

    members = CustomerScore.objects.filter(run=run, segment=key).select_related("customer__owner")
    has_one = set(
        Activity.objects.filter(
            customer__score__run=run,
            customer__score__segment=key,
            subject=subject,
            completed_at__isnull=True,
        ).values_list("customer_id", flat=True)
    )
    created, owners = 0, set()
    with transaction.atomic():
        for score in members.order_by("customer_id").iterator(chunk_size=2000):
            if score.customer_id in has_one:
                continue
            owner = score.customer.owner or by
            create_activity(
                owner=owner,
                kind=Activity.Kind.FOLLOW_UP,
                subject=subject,
                customer=score.customer,
                due_at=due_at,
            )
            created += 1
            owners.add(owner.pk)
    return FollowUps(created=created, skipped=len(has_one), owners=len(owners))
