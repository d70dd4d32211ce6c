"""The analyst's commands: ``kehu analyze``, ``churn``, ``baskets``, ``forecast`` and
``recommend`` read a file (or a query) and write tables and a report with
:mod:`kehu.insight`. They never load Django, nor need the CRM to be set up."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from kehu.cli.console import fail, insight_errors, progress
from kehu.cli.options import (
    column_option,
    date_format_option,
    encoding_option,
    file_argument,
    out_option,
)
from kehu.cli.spark import engine_option, spark_engine, spark_options, spark_settings
from kehu.cli.tuning import (
    arrow_allocates_with_malloc,
    arrow_threads_as_chosen,
    blas_on_one_thread,
    malloc_arenas_capped,
)


def default_database_url() -> str:
    """The CRM's database, as its settings find it (without loading Django):
    ``DATABASE_URL``, else ``var/kehu.sqlite3`` under ``KEHU_HOME`` (the current folder)."""
    if url := os.environ.get("DATABASE_URL"):
        return url
    home = Path(os.environ.get("KEHU_HOME", Path.cwd())).resolve()
    return f"sqlite:///{home / 'var' / 'kehu.sqlite3'}"


@click.command()
@file_argument("[INPUT]", required=False)
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
@out_option("Folder for customers.parquet, models.json and report.html.")
@column_option("customer", "Customer id column (detected when absent).")
@column_option("date", "Date or timestamp column (detected when absent).")
@column_option("amount", "Amount column (or quantity × unit price, detected).")
@date_format_option("strptime format when dates are not ISO, e.g. %m/%d/%Y %H:%M.")
@encoding_option
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
    type=click.FloatRange(min=0),
    default=0.10,
    show_default=True,
    help="Yearly discount rate for CLV.",
)
@click.option(
    "--margin",
    type=click.FloatRange(0, 1),
    default=1.0,
    show_default=True,
    help="Share of spend that is profit (1 = CLV in revenue).",
)
@click.option("--no-pareto-nbd", is_flag=True, help="Skip the (slower) Pareto/NBD fit.")
@engine_option(
    "duckdb",
    "duckdb: in this process. spark: on a Spark cluster (or Spark on this machine), "
    "nothing per customer on this machine; writes customers.parquet as a folder of parts, "
    "models.json and cohorts.csv.",
)
@spark_options(workers_need="kehu installed and OUT on storage they share")
def analyze(
    input_path: str | None,
    sql: str | None,
    database_url: str | None,
    out_dir: str,
    customer_col: str | None,
    date_col: str | None,
    amount_col: str | None,
    date_format: str | None,
    encoding: str | None,
    period: str,
    calibration_end: str | None,
    horizon: int | None,
    discount_rate: float,
    margin: float,
    no_pareto_nbd: bool,
    engine: str,
    spark_master: str,
    spark_conf: tuple[str, ...],
) -> None:
    """Value every customer in a transaction log: RFM, BTYD models, CLV, pyramid,
    lifecycle; writes customers.parquet, models.json and report.html."""
    blas_on_one_thread()
    malloc_arenas_capped()
    from kehu.insight.analyze import AnalysisSettings
    from kehu.insight.analyze import analyze as run_analysis
    from kehu.insight.report import write_outputs

    with insight_errors():  # a horizon past a century of periods
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
            encoding=encoding,
            fit_pareto_nbd=not no_pareto_nbd,
        )
    if (input_path is None) == (sql is None):
        fail("give either an INPUT file or --sql QUERY (not both)")
    source: Any = input_path
    if sql is not None:
        from kehu.insight.database import DatabaseQuery

        source = DatabaseQuery(database_url or default_database_url(), sql)
    if engine == "spark":
        config = spark_settings(spark_conf)
        models, paths = _analyze_on_spark(source, settings, spark_master, config, Path(out_dir))
    else:
        arrow_allocates_with_malloc()
        with progress() as update, insight_errors():
            arrow_threads_as_chosen()
            result = run_analysis(source, settings, progress=update)
            update("writing outputs")
            paths = write_outputs(result, Path(out_dir))
        models = result.models
    acc = models["accounting"]
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
    for note in models.get("notes", []):
        click.secho(f"note: {note}", fg="yellow")
    for path in paths.values():
        click.echo(f"wrote {path}")


def _analyze_on_spark(
    source: Any, settings: Any, master: str, config: dict[str, str], out_dir: Path
) -> tuple[dict[str, Any], dict[str, Path]]:
    """Run the analysis on Spark at ``master``; return the models and the paths written."""
    from kehu.insight.database import DatabaseQuery

    if isinstance(source, DatabaseQuery):
        fail("--engine spark reads a file (CSV or Parquet); export the query's rows first")
    if not Path(source).exists():  # before Spark takes its ten seconds to start
        fail(f"input file '{source}' does not exist")
    with progress() as update, insight_errors():
        update(f"starting Spark ({master})")
        from kehu.insight.distributed import analyze_on_cluster, write_cluster_outputs

        with spark_engine(master, config) as engine:
            result = analyze_on_cluster(source, settings, engine=engine, progress=update)
            update("writing outputs")
            paths = write_cluster_outputs(result, engine, out_dir)
    return result.models, paths


@click.command()
@file_argument()
@click.option("--target", required=True, help="The outcome column (two values, e.g. Yes/No).")
@click.option("--id-col", help="Customer id column [id/customerID/... when unique, else row].")
@click.option("--positive", help="The outcome value that counts as positive [detected].")
@encoding_option
@out_option("Folder for metrics.json, scores.parquet and rules.txt.")
@click.option("--folds", type=click.IntRange(2, 20), default=5, show_default=True)
@click.option("--seed", type=click.IntRange(0, 2**32 - 1), default=0, show_default=True)
def churn(
    input_path: str,
    target: str,
    id_col: str | None,
    positive: str | None,
    encoding: str | None,
    out_dir: str,
    folds: int,
    seed: int,
) -> None:
    """Learn a binary outcome (churn, campaign response, purchase) from a table of
    customer features: cross-validated, calibrated, with each customer's top reasons
    and the model as readable rules."""
    from kehu.insight.churn import feature_table, read_table, train_outcome, write_outcome

    with insight_errors():
        table = feature_table(read_table(input_path, encoding), target, id_col, positive)
        result = train_outcome(table, target, folds=folds, seed=seed)
        out = write_outcome(result, out_dir)
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


@click.command()
@file_argument()
@column_option("basket", "Column naming the basket (invoice, order, visit).")
@column_option("item", "Column naming the item (product code).")
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
@encoding_option
@click.option("--min-support", type=float, required=True, help="Least share of baskets, e.g. 0.01.")
@click.option("--min-confidence", type=float, required=True, help="Least confidence, e.g. 0.3.")
@click.option(
    "--max-len",
    type=int,
    help="Largest itemset [no limit]. On Spark it limits what is written, not the work: "
    "Spark's FP-growth finds itemsets of every length.",
)
@out_option("Folder for rules.parquet and itemsets.parquet.")
@engine_option(
    "local",
    "local: in this process. spark: the baskets read and counted on a Spark cluster "
    "(FP-growth on the workers), only the frequent itemsets back on this machine.",
)
@spark_options(workers_need="FILE on storage they share")
def baskets(
    input_path: str,
    basket_col: str | None,
    item_col: str | None,
    layout: str,
    separator: str,
    encoding: str | None,
    min_support: float,
    min_confidence: float,
    max_len: int | None,
    out_dir: str,
    engine: str,
    spark_master: str,
    spark_conf: tuple[str, ...],
) -> None:
    """What sells together: frequent itemsets and association rules (support,
    confidence, lift), the same as mlxtend's fpgrowth + association_rules."""
    from kehu.insight.baskets import (
        check_separator,
        check_thresholds,
        mine,
        read_baskets,
        write_mined,
    )

    one_per_line = layout == "basket"
    with insight_errors():
        if engine == "spark":
            # refused before Spark takes its seconds to start
            check_thresholds(min_support, min_confidence, max_len)
            check_separator(separator)
            if not Path(input_path).is_file():
                fail(f"input file '{input_path}' does not exist")
            if not one_per_line and not (basket_col and item_col):
                fail("give --basket-col and --item-col (or --format basket)")
            with (
                progress() as update,
                spark_engine(spark_master, spark_settings(spark_conf)) as spark,
            ):
                update(f"counting baskets on Spark ({spark_master})")
                from kehu.insight.spark_baskets import mine_on_spark

                found = mine_on_spark(
                    spark,
                    input_path,
                    min_support,
                    min_confidence,
                    max_len,
                    basket_col=basket_col,
                    item_col=item_col,
                    one_per_line=one_per_line,
                    separator=separator,
                    encoding=encoding,
                )
            mined, n_lines, skipped = found.mined, found.lines, found.skipped
        else:
            basket_ids, items, skipped = read_baskets(
                input_path, basket_col, item_col, one_per_line, separator, encoding
            )
            mined = mine(basket_ids, items, min_support, min_confidence, max_len)
            n_lines = len(items) + skipped
        out = write_mined(mined, out_dir)
    click.echo(f"wrote {out / 'rules.parquet'}, {out / 'itemsets.parquet'}")
    click.echo(
        f"lines={n_lines:,} skipped_blank={skipped:,} baskets={mined.baskets:,} "
        f"itemsets={len(mined.itemsets):,} rules={len(mined.rules):,}"
    )


@click.command()
@file_argument()
@column_option("date", "Date or timestamp column of each order (line).", required=True)
@column_option("amount", "Amount column (or quantity, with --price-col).", required=True)
@column_option("price", "Unit price column: the amount is --amount-col × this.")
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
@date_format_option("strptime format when dates are not ISO, e.g. %d/%m/%Y.")
@encoding_option
@out_option("Folder for forecast.parquet, backtest.parquet, series.parquet and metrics.json.")
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
    encoding: str | None,
    out_dir: str,
) -> None:
    """Forecast net sales per period (total, or per --by group) with prediction
    intervals, backtested against the seasonal naive forecast (MASE, sMAPE)."""
    from kehu.insight.forecast import run_forecast

    with progress() as update, insight_errors():
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
            encoding=encoding,
            out_dir=out_dir,
            progress=update,
        )
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
        mase, smape, baseline = scores["mase"], scores["smape"], scores["baseline"]
        click.echo(
            f"backtest ({scores['n_windows_scored']:,} windows): "
            f"MASE kehu={_figure(mase['kehu'], '.3f')} "
            f"{baseline}={_figure(mase['baseline'], '.3f')}  "
            f"sMAPE kehu={_figure(smape['kehu'], '.1f')} "
            f"{baseline}={_figure(smape['baseline'], '.1f')}"
        )
    click.echo("wrote " + ", ".join(str(path) for path in run.paths.values()))


def _figure(value: float | None, spec: str) -> str:
    """A backtest score, or ``n/a`` where it is undefined (MASE, when the in-sample
    seasonal naive forecast makes no error to scale by)."""
    return "n/a" if value is None else format(value, spec)


@click.command()
@file_argument()
@column_option("customer", "Column naming the customer.", required=True)
@column_option("item", "Column naming the item (product code).", required=True)
@column_option("date", "Purchase date column (needed with --evaluate-split).")
@column_option("quantity", "Quantity column: a row with quantity <= 0 is no purchase.")
@column_option("label", "Item description column, for the reasons [the item code].")
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
@encoding_option
@out_option("Folder for recommendations.parquet (and evaluation.json).")
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
    encoding: str | None,
    out_dir: str,
) -> None:
    """Next-best products per customer from what is bought together (never what the
    customer has; popular items for newcomers), each with its reason in words."""
    from kehu.insight.churn import read_table
    from kehu.insight.recommend import recommend_to_files

    with insight_errors():
        run = recommend_to_files(
            read_table(input_path, encoding),
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


#: The commands this module adds to ``kehu``.
COMMANDS = (analyze, churn, baskets, forecast, recommend)
