"""The ``kehu`` command: set up, serve, generate demo data, manage users."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import click


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kehu.crm.settings")
    import django

    django.setup()


def _default_database_url() -> str:
    """The CRM's database, as its settings find it (without loading Django)."""
    if url := os.environ.get("DATABASE_URL"):
        return url
    home = Path(os.environ.get("KEHU_HOME", Path.cwd())).resolve()
    return f"sqlite:///{home / 'var' / 'kehu.sqlite3'}"


def _fail(message: str) -> None:
    click.secho(f"error: {message}", fg="red", err=True)
    sys.exit(2)


@click.group()
@click.version_option(package_name="kehu")
def main() -> None:
    """kehu (客户): a CRM whose core is data mining."""


@main.command()
@click.option("--quiet", is_flag=True, help="Print only errors.")
def migrate(quiet: bool) -> None:
    """Create or upgrade the database schema (DATABASE_URL, default var/kehu.sqlite3)."""
    _django()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0 if quiet else 1)


def _ensure_admin() -> None:
    from kehu.crm.accounts.actions import ensure_admin

    password = ensure_admin()
    if password:
        click.secho("An admin account was created. Its password is shown this once:", fg="green")
        click.secho(f"  username: admin\n  password: {password}", bold=True)
        click.echo("  (change it after logging in; `kehu user passwd admin` resets it)")


@main.command()
@click.option(
    "--customers", "n_customers", default=10_000, show_default=True, type=click.IntRange(1)
)
@click.option("--seed", default=7, show_default=True, type=int)
@click.option("--if-empty", is_flag=True, help="Do nothing when the database has customers.")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Date the data as if loaded on this day, e.g. 2026-06-30 [today].",
)
def generate(n_customers: int, seed: int, if_empty: bool, today: Any = None) -> None:
    """Load deterministic demo data: customers, contacts, products, orders, opportunities,
    activities, tickets and interactions, dated up to the start of today (the same seed
    and day give the same data)."""
    _django()
    from kehu.crm.customers.models import Customer
    from kehu.crm.demo.load import load_demo

    if if_empty and Customer.objects.exists():
        click.echo("The database has customers already; no demo data loaded.")
        return
    day = today.date() if today is not None else None
    counts = load_demo(n_customers=n_customers, seed=seed, progress=True, today=day)
    click.echo(", ".join(f"{name}={n:,}" for name, n in counts.items()))


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64))
@click.option("--no-scheduler", is_flag=True, help="Do not start the analysis scheduler.")
def serve(host: str, port: int, workers: int, threads: int, no_scheduler: bool = False) -> None:
    """Serve the web app and the API with gunicorn, and the analysis scheduler."""
    _django()
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


@main.command()
@click.option("--once", is_flag=True, help="Check once (for cron) instead of every minute.")
def scheduler(once: bool) -> None:
    """Start the analysis when the schedule set on the intelligence page says it is due
    (kehu serve starts this beside the web server)."""
    _django()
    import time

    from kehu.crm.intelligence.actions import run_if_due

    while True:
        run = run_if_due()
        if run is not None:
            click.echo(f"scheduled run #{run.pk}: {run.status} {run.error}".rstrip())
        if once:
            return
        time.sleep(60)


@main.command()
@click.option(
    "--customers", "n_customers", default=10_000, show_default=True, type=click.IntRange(1)
)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--no-serve", is_flag=True, help="Set up and load data, but do not serve.")
def demo(n_customers: int, port: int, no_serve: bool) -> None:
    """Set up everything on the embedded SQLite database and serve the app: migrate,
    create the admin (password printed once), load demo data when empty, serve."""
    _django()
    from django.conf import settings
    from django.core.management import call_command

    Path(settings.VAR_DIR).mkdir(parents=True, exist_ok=True)
    call_command("migrate", interactive=False, verbosity=0)
    _ensure_admin()
    ctx = click.get_current_context()
    ctx.invoke(generate, n_customers=n_customers, seed=7, if_empty=True)
    if not no_serve:
        ctx.invoke(serve, host="127.0.0.1", port=port, workers=2, threads=4)


@main.command()
@click.argument("input_path", metavar="[INPUT]", required=False, type=click.Path(dir_okay=False))
@click.option(
    "--sql",
    help="Analyse the result of this query instead of a file, e.g. a join of the CRM's "
    "orders and customers (see --database-url).",
)
@click.option(
    "--database-url",
    help="Database that --sql runs against [DATABASE_URL, or the CRM's "
    "var/kehu.sqlite3 under KEHU_HOME].",
)
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Folder for customers.parquet, models.json and report.html.",
)
@click.option("--customer-col", help="Customer id column (detected when absent).")
@click.option("--date-col", help="Date or timestamp column (detected when absent).")
@click.option("--amount-col", help="Amount column (or quantity × unit price, detected).")
@click.option("--date-format", help="strptime format when dates are not ISO, e.g. %m/%d/%Y %H:%M.")
@click.option(
    "--period", type=click.Choice(["day", "week", "month"]), default="week", show_default=True
)
@click.option(
    "--calibration-end",
    help="Fit on data up to this date (inclusive); the rest "
    "is the holdout the predictions are checked against.",
)
@click.option("--horizon", type=click.IntRange(1), help="CLV horizon in periods [one year].")
@click.option(
    "--discount-rate",
    type=float,
    default=0.10,
    show_default=True,
    help="Yearly discount rate for CLV.",
)
@click.option(
    "--margin",
    type=float,
    default=1.0,
    show_default=True,
    help="Share of spend that is profit (1 = CLV in revenue).",
)
@click.option("--no-pareto-nbd", is_flag=True, help="Skip the (slower) Pareto/NBD fit.")
def analyze(
    input_path: str | None,
    sql: str | None,
    database_url: str | None,
    out_dir: str,
    customer_col: str | None,
    date_col: str | None,
    amount_col: str | None,
    date_format: str | None,
    period: str,
    calibration_end: str | None,
    horizon: int | None,
    discount_rate: float,
    margin: float,
    no_pareto_nbd: bool,
) -> None:
    """Value every customer in a transaction log: RFM, BTYD models, CLV, pyramid,
    lifecycle; writes customers.parquet, models.json and report.html."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from kehu.insight.analyze import AnalysisSettings
    from kehu.insight.analyze import analyze as run_analysis
    from kehu.insight.errors import InsightError
    from kehu.insight.report import write_outputs

    settings = AnalysisSettings(
        period=period,
        calibration_end=calibration_end,
        horizon=horizon,
        discount_rate=discount_rate,
        margin=margin,
        customer_col=customer_col,
        date_col=date_col,
        amount_col=amount_col,
        date_format=date_format,
        fit_pareto_nbd=not no_pareto_nbd,
    )
    if (input_path is None) == (sql is None):
        _fail("give either an INPUT file or --sql QUERY (not both)")
    source: Any = input_path
    if sql is not None:
        from kehu.insight.database import DatabaseQuery

        source = DatabaseQuery(database_url or _default_database_url(), sql)
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task("starting", total=None)
        try:
            result = run_analysis(
                source, settings, progress=lambda text: bar.update(task, description=text)
            )
            bar.update(task, description="writing outputs")
            paths = write_outputs(result, Path(out_dir))
        except InsightError as e:
            _fail(str(e).splitlines()[0])
    acc = result.models["accounting"]
    click.echo(
        f"rows={acc['rows_in']:,} purchases={acc['rows_purchases']:,} "
        f"returns={acc['rows_returns']:,} no_customer={acc['rows_no_customer']:,} "
        f"bad_date={acc['rows_bad_date']:,} bad_amount={acc['rows_bad_amount']:,} "
        f"zero_amount={acc['rows_zero_amount']:,} after_end={acc['rows_after_end']:,}"
    )
    click.echo(
        f"customers={acc['customers_seen']:,} modelled={acc['customers_modelled']:,} "
        f"acquired_after_calibration={acc['customers_acquired_after_calibration']:,} "
        f"only_returns={acc['customers_only_returns']:,} "
        f"no_usable_row={acc['customers_no_usable_row']:,}"
    )
    for note in result.models.get("notes", []):
        click.secho(f"note: {note}", fg="yellow")
    for path in paths.values():
        click.echo(f"wrote {path}")


@main.command()
@click.argument("input_path", metavar="FILE", type=click.Path(dir_okay=False))
@click.option("--target", required=True, help="The outcome column (two values, e.g. Yes/No).")
@click.option("--id-col", help="Customer id column [id/customerID/... when unique, else row].")
@click.option("--positive", help="The outcome value that counts as positive [detected].")
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Folder for metrics.json, scores.parquet and rules.txt.",
)
@click.option("--folds", type=click.IntRange(2, 20), default=5, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
def churn(
    input_path: str,
    target: str,
    id_col: str | None,
    positive: str | None,
    out_dir: str,
    folds: int,
    seed: int,
) -> None:
    """Learn a binary outcome (churn, campaign response, purchase) from a table of
    customer features: cross-validated, calibrated, with each customer's top reasons
    and the model as readable rules."""
    from kehu.insight.churn import feature_table, read_table, train_outcome, write_outcome
    from kehu.insight.errors import InsightError

    try:
        table = feature_table(read_table(input_path), target, id_col, positive)
        result = train_outcome(table, target, folds=folds, seed=seed)
        out = write_outcome(result, out_dir)
    except InsightError as e:
        _fail(str(e).splitlines()[0])
    m = result.metrics
    for column, why in m["dropped_columns"].items():
        click.secho(f"note: column {column!r} left out: {why}", fg="yellow")
    for column, n in m["unreadable_cells"].items():
        click.secho(
            f"note: {n:,} cells of {column!r} are not numbers: read as missing", fg="yellow"
        )
    click.echo(
        f"rows={m['n_rows']:,} labelled={m['n_labelled']:,} unlabelled={m['n_unlabelled']:,} "
        f"positive_rate={m['positive_rate']:.3f}"
    )
    click.echo(f"wrote {out / 'metrics.json'}, {out / 'scores.parquet'}, {out / 'rules.txt'}")
    click.echo(f"cv_roc_auc={m['cv_roc_auc']:.4f} cv_pr_auc={m['cv_pr_auc']:.4f} folds={folds}")


@main.command()
@click.argument("input_path", metavar="FILE", type=click.Path(dir_okay=False))
@click.option("--basket-col", help="Column naming the basket (invoice, order, visit).")
@click.option("--item-col", help="Column naming the item (product code).")
@click.option(
    "--format",
    "layout",
    type=click.Choice(["table", "basket"]),
    default="table",
    show_default=True,
    help="basket: one basket per line, items separated by --separator.",
)
@click.option(
    "--separator", default=",", show_default=True, help="Item separator (--format basket)."
)
@click.option("--min-support", type=float, required=True, help="Least share of baskets, e.g. 0.01.")
@click.option("--min-confidence", type=float, required=True, help="Least confidence, e.g. 0.3.")
@click.option("--max-len", type=int, help="Largest itemset [no limit].")
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Folder for rules.parquet and itemsets.parquet.",
)
def baskets(
    input_path: str,
    basket_col: str | None,
    item_col: str | None,
    layout: str,
    separator: str,
    min_support: float,
    min_confidence: float,
    max_len: int | None,
    out_dir: str,
) -> None:
    """What sells together: frequent itemsets and association rules (support,
    confidence, lift), the same as mlxtend's fpgrowth + association_rules."""
    from kehu.insight.baskets import mine, read_baskets, write_mined
    from kehu.insight.errors import InsightError

    try:
        basket_ids, items, skipped = read_baskets(
            input_path, basket_col, item_col, layout == "basket", separator
        )
        mined = mine(basket_ids, items, min_support, min_confidence, max_len)
        out = write_mined(mined, out_dir)
    except InsightError as e:
        _fail(str(e).splitlines()[0])
    click.echo(f"wrote {out / 'rules.parquet'}, {out / 'itemsets.parquet'}")
    click.echo(
        f"lines={len(items) + skipped:,} skipped_blank={skipped:,} baskets={mined.baskets:,} "
        f"itemsets={len(mined.itemsets):,} rules={len(mined.rules):,}"
    )


@main.command()
@click.argument("input_path", metavar="FILE", type=click.Path(dir_okay=False))
@click.option("--date-col", required=True, help="Date or timestamp column of each order (line).")
@click.option("--amount-col", required=True, help="Amount column (or quantity, with --price-col).")
@click.option("--price-col", help="Unit price column: the amount is --amount-col × this.")
@click.option("--by", "by", help="Forecast per value of this column (region, category, segment).")
@click.option(
    "--freq", type=click.Choice(["month", "week", "day"]), default="month", show_default=True
)
@click.option(
    "--horizon", type=click.IntRange(1), default=6, show_default=True, help="Periods ahead."
)
@click.option(
    "--season-length",
    type=click.IntRange(1),
    help="Periods in a season, 1 for none [12 for months, 52 for weeks, 7 for days].",
)
@click.option(
    "--windows",
    type=click.IntRange(0),
    default=3,
    show_default=True,
    help="Backtest windows of --horizon periods (0: no backtest).",
)
@click.option(
    "--model",
    type=click.Choice(["auto", "ets", "theta", "ensemble"]),
    default="auto",
    show_default=True,
    help="auto: per series, the method with the least error on its own history.",
)
@click.option("--date-format", help="strptime format when dates are not ISO, e.g. %d/%m/%Y.")
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Folder for forecast.parquet, backtest.parquet, series.parquet and metrics.json.",
)
def forecast(
    input_path: str,
    date_col: str,
    amount_col: str,
    price_col: str | None,
    by: str | None,
    freq: str,
    horizon: int,
    season_length: int | None,
    windows: int,
    model: str,
    date_format: str | None,
    out_dir: str,
) -> None:
    """Forecast net sales per period (total, or per --by group) with prediction
    intervals, backtested against the seasonal naive forecast (MASE, sMAPE)."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from kehu.insight.errors import InsightError
    from kehu.insight.forecast import run_forecast

    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, transient=True, disable=not sys.stderr.isatty()) as bar:
        task = bar.add_task("starting", total=None)
        try:
            run = run_forecast(
                input_path,
                date_col=date_col,
                amount_col=amount_col,
                price_col=price_col,
                by=by,
                freq=freq,
                horizon=horizon,
                season_length=season_length,
                n_windows=windows,
                model=model,
                date_format=date_format,
                out_dir=out_dir,
                progress=lambda text: bar.update(task, description=text),
            )
        except InsightError as e:
            _fail(str(e).splitlines()[0])
    for note in run.metrics["notes"]:
        click.secho(f"note: {note}", fg="yellow")
    history = run.metrics["history"]
    click.echo(
        f"series={history['n_series']:,} periods={history['n_periods']:,} "
        f"({history['first_period']} to {history['last_period']}) "
        f"forecast={run.metrics['forecast']['n_series']:,} horizon={horizon}"
    )
    scores = run.metrics["backtest"]
    if scores and scores["n_windows_scored"]:
        mase, smape = scores["mase"], scores["smape"]
        click.echo(
            f"backtest ({scores['n_windows_scored']:,} windows): "
            f"MASE kehu={mase['kehu']:.3f} {scores['baseline']}={mase['baseline']:.3f}  "
            f"sMAPE kehu={smape['kehu']:.1f} {scores['baseline']}={smape['baseline']:.1f}"
        )
    click.echo("wrote " + ", ".join(str(path) for path in run.paths.values()))


@main.command()
@click.argument("input_path", metavar="FILE", type=click.Path(dir_okay=False))
@click.option("--customer-col", required=True, help="Column naming the customer.")
@click.option("--item-col", required=True, help="Column naming the item (product code).")
@click.option("--date-col", help="Purchase date column (needed with --evaluate-split).")
@click.option("--quantity-col", help="Quantity column: a row with quantity <= 0 is no purchase.")
@click.option("--label-col", help="Item description column, for the reasons [the item code].")
@click.option(
    "--exclude-item",
    "exclude_items",
    multiple=True,
    help="An item never recommended nor given as a reason (postage, fees); repeatable.",
)
@click.option(
    "--top", type=click.IntRange(1), default=10, show_default=True, help="Items per customer."
)
@click.option(
    "--evaluate-split",
    help="Date, e.g. 2011-09-01: learn from the lines before it, measure hit rate@TOP "
    "on the lines from it, against the popularity baseline.",
)
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Folder for recommendations.parquet (and evaluation.json).",
)
def recommend(
    input_path: str,
    customer_col: str,
    item_col: str,
    date_col: str | None,
    quantity_col: str | None,
    label_col: str | None,
    exclude_items: tuple[str, ...],
    top: int,
    evaluate_split: str | None,
    out_dir: str,
) -> None:
    """Next-best products per customer from what is bought together (never what the
    customer has; popular items for newcomers), each with its reason in words."""
    from kehu.insight.churn import read_table
    from kehu.insight.errors import InsightError
    from kehu.insight.recommend import recommend_to_files

    try:
        run = recommend_to_files(
            read_table(input_path),
            out_dir,
            customer_col=customer_col,
            item_col=item_col,
            date_col=date_col,
            quantity_col=quantity_col,
            label_col=label_col,
            exclude_items=list(exclude_items),
            top_n=top,
            evaluate_split=evaluate_split,
        )
    except InsightError as e:
        _fail(str(e).splitlines()[0])
    click.echo(" ".join(f"{key}={value:,}" for key, value in run.accounting.items()))
    written = [run.out / "recommendations.parquet"]
    if run.evaluation is not None:
        ev, kehu, popular = run.evaluation, run.evaluation["kehu"], run.evaluation["popularity"]
        click.echo(
            f"split={ev['split_date']} test_customers={ev['test_customers']:,} "
            f"hit_rate@{top}: kehu={kehu['hit_rate']:.3f} popularity={popular['hit_rate']:.3f} "
            f"precision@{top}: kehu={kehu['precision']:.4f} "
            f"popularity={popular['precision']:.4f}"
        )
        written.append(run.out / "evaluation.json")
    click.echo(f"wrote {', '.join(map(str, written))} ({run.n_recommendations:,} recommendations)")


@main.command()
@click.option("--run", "run_id", type=click.IntRange(1), help="Execute this queued run.")
@click.option(
    "--as-of",
    help="Observation end, e.g. 2026-06-30 [the last day of the dense part of the orders, "
    "never after today].",
)
@click.option(
    "--keep", default=12, show_default=True, type=click.IntRange(1), help="Runs of history to keep."
)
def score(run_id: int | None, as_of: str | None, keep: int) -> None:
    """Score every customer in the CRM database (RFM, P(alive), CLV, tiers, lifecycle)
    and write the scores back; run it from cron for a nightly update."""
    _django()
    from datetime import date

    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

    from kehu.crm.intelligence.actions import RunRefusedError, execute_run, request_run
    from kehu.crm.intelligence.models import ValueRun

    try:
        observation_end = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        _fail(f"--as-of must be a date like 2026-06-30, got {as_of!r}")
    try:
        run = ValueRun.objects.get(pk=run_id) if run_id else request_run(None)
    except ValueRun.DoesNotExist:
        _fail(f"no run #{run_id}")
    except RunRefusedError as e:
        _fail(str(e))
    columns = (TextColumn("{task.description:<28}"), BarColumn(), TaskProgressColumn())
    with Progress(*columns, transient=True, disable=not sys.stderr.isatty()) as bar:
        task = bar.add_task("starting", total=100)
        try:
            execute_run(
                run,
                as_of=observation_end,
                keep_runs=keep,
                on_progress=lambda text, pct: bar.update(task, description=text, completed=pct),
            )
        except RunRefusedError as e:
            _fail(str(e))
    if run.status != ValueRun.Status.DONE:
        _fail(f"run #{run.pk} failed: {run.error}")
    click.echo(
        f"run #{run.pk}: scored {run.n_customers:,} customers ({run.n_prospects:,} prospects) "
        f"from {run.n_transactions:,} orders in {run.duration_s:.1f} s"
    )
    _echo_model_choice(run.analysis_models)
    _echo_segments(run)


def _echo_segments(run: Any) -> None:
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


def _echo_model_choice(models: dict) -> None:
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
        click.echo(f"purchase model {names.get(choice.get('chosen'))}: no holdout comparison")


@main.command("import")
@click.argument("file_path", metavar="FILE", required=False, type=click.Path(dir_okay=False))
@click.option(
    "--entity",
    type=click.Choice(
        ["customers", "contacts", "products", "orders", "interactions", "tickets", "opportunities"]
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
@click.option("--date-format", help="strptime format of dates (detected when absent).")
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
    file_path: str | None,
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
    _django()
    from django.core.management import call_command
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from kehu.crm.integration.mapping import FIELDS
    from kehu.crm.integration.pipeline import (
        BatchFailedError,
        ImportInputError,
        Options,
        run_import,
    )
    from kehu.crm.integration.quarantine import write_quarantine_csv

    if job_id is not None:
        _run_web_import(job_id)
        return
    if file_path is None or entity is None:
        _fail("give the FILE and --entity (customers, contacts, products, orders, ...)")
    parsed: dict[str, str] = {}
    for item in overrides:
        field, sep, column = item.partition("=")
        if not sep or not field.strip():
            _fail(f"--map takes FIELD=COLUMN (or FIELD= to leave it unmapped), got {item!r}")
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
    columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task("reading", total=None)

        def progress(step: str, done: int, total: int) -> None:
            bar.update(task, description=step, completed=done, total=total or None)

        try:
            job = run_import(
                Path(file_path),
                entity,
                mapping_profile=profile,
                overrides=parsed,
                options=options,
                save_profile=save_mapping,
                progress=progress,
            )
        except ImportInputError as e:
            _fail(str(e))
        except BatchFailedError as e:
            from kehu.crm.integration.models import ImportJob

            _fail(ImportJob.objects.get(pk=e.job_id).message)
    details = job.details
    click.echo(f"import #{job.pk}: {job.source_name} as {entity}, {job.batches_landed} batches")
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
    if quarantine_out:
        write_quarantine_csv(job, Path(quarantine_out))
        click.echo(f"wrote {quarantine_out}")
    if job.status != job.Status.DONE:
        _fail(job.message)
    click.echo(
        f"rows={job.rows_in} imported={job.imported} merged={job.merged} "
        f"quarantined={job.quarantined}"
    )


@main.command()
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
    _django()
    from kehu.crm.integration.dedup import run_dedup

    if review > auto_merge:
        _fail(f"--review ({review}) must not be above --auto-merge ({auto_merge})")
    result = run_dedup(auto_merge=auto_merge, review=review)
    click.echo(
        f"customers={result.customers} pairs={result.pairs} merged={result.merged} "
        f"to_review={result.to_review}"
    )
    if result.reasons:
        click.echo("queued because: " + " ".join(f"{k}={v}" for k, v in result.reasons.items()))


def _run_web_import(job_id: int) -> None:
    """The background half of a web import: everything it needs is on the job."""
    from datetime import UTC, datetime

    from kehu.crm.integration.actions import remove_upload
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
        _fail(ImportJob.objects.get(pk=job_id).message)
    except Exception as e:
        message = str(e) if isinstance(e, ImportInputError) else f"internal error: {e!r}"
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportJob.Status.FAILED, message=message, finished_at=datetime.now(UTC)
        )
        if not isinstance(e, ImportInputError):
            raise
        _fail(message)
    if job.status == ImportJob.Status.DONE:
        remove_upload(job)
    click.echo(
        f"rows={job.rows_in} imported={job.imported} merged={job.merged} "
        f"quarantined={job.quarantined}"
    )


@main.group()
def user() -> None:
    """Manage users and their roles."""


@user.command("add")
@click.argument("username")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["admin", "sales", "service", "marketing", "analyst"]),
)
@click.option("--manager", is_flag=True, help="Sales user who sees every customer.")
@click.option("--email", default="")
def user_add(username: str, role: str, manager: bool, email: str) -> None:
    """Create a user with a role; prints the generated password once."""
    _django()
    from django.core.exceptions import ValidationError

    from kehu.crm.accounts.actions import create_user

    try:
        _user, password = create_user(username, role=role, manager=manager, email=email)
    except ValidationError as e:
        _fail("; ".join(e.messages))
    click.echo(f"created {username} ({role}); password: {password}")


@user.command("passwd")
@click.argument("username")
def user_passwd(username: str) -> None:
    """Reset a user's password to a new random one (printed once)."""
    _django()
    import secrets

    from django.contrib.auth import get_user_model

    account = get_user_model().objects.filter(username=username).first()
    if account is None:
        _fail(f"no user named {username!r}")
    password = secrets.token_urlsafe(12)
    account.set_password(password)
    account.save(update_fields=["password"])
    click.echo(f"new password for {username}: {password}")


@main.command()
@click.argument("username")
@click.option("--name", default="cli", show_default=True, help="What the token is for.")
def token(username: str, name: str) -> None:
    """Create an API token for a user (printed once)."""
    _django()
    from django.contrib.auth import get_user_model

    from kehu.crm.accounts.actions import issue_token

    account = get_user_model().objects.filter(username=username).first()
    if account is None:
        _fail(f"no user named {username!r}")
    click.echo(issue_token(account, name))


if __name__ == "__main__":
    main()
