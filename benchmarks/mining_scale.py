"""The CRM's data-mining steps at scale: time and peak memory of each step on a generated
purchase history of 1 M customers (the issue: "no step may need more than the 24 GB of
this machine").

    .venv/bin/python benchmarks/mining_scale.py                            # 1 M customers
    .venv/bin/python benchmarks/mining_scale.py --customers 20000          # a quick run
    .venv/bin/python benchmarks/mining_scale.py --steps behaviour,churn    # some steps

Input, drawn once per size and seed (``--out``, default ``bench-out/mining_scale``; a
directory with the same size and seed is reused): order timing and amounts from kehu's
BTYD generator (CDNOW's BG/NBD and Gamma-Gamma, the purchase rate scaled to
``--orders-per-customer`` sales per customer, as ``crm_latency.py``), the rest vectorised
with numpy: ``N_PRODUCTS`` products in ``CATEGORIES``, each customer with a preferred
category and channel (planted structure for segments and recommendations), 1-4 lines
per order, a share of sales partly returned (a later return order, negative amounts),
service tickets Poisson per customer plus a few complaint bursts in the last 90 days.
Saved as Parquet: ``orders`` (customer_id, order_id, ordered_at, amount, channel),
``lines`` (customer_id, order_id, ordered_at, product_id, category, quantity, amount)
and ``tickets`` (customer_id, opened_at, kind), the columns ``kehu.crm.intelligence.
extract`` hands to the mining.

Each step then runs in its own process (this script with ``--step NAME``), which loads
the Parquet it needs and calls the library as ``kehu.crm.intelligence.mining`` does
(same functions and parameters; Django is not involved). Time excludes loading; peak
RSS (``ru_maxrss``) is the whole process's, loading included. A step is stopped after
``--step-timeout`` seconds or when the machine has less than ``--min-available-mb``
available. Results: a table on stdout and ``bench-out/mining_scale.md``
(``mining_scale_<customers>.md`` for other sizes).

Where this differs from the CRM's run: deviations get the generating BG/NBD ``(r,
alpha)`` (the CRM passes the fitted ones); recommendations are counted chunk by chunk
with ``iter_recommendations`` (the CRM's ``recommend`` concatenates the same chunks);
forecasts split by channel and category (the CRM by region, category and segment);
``value`` is ``analyze`` without the satisfaction column. The CRM's own Python that
turns results into per-customer dicts and database rows is not measured.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from value_engine import (
    OUT,
    ChildRun,
    StepLog,
    add_blas_option,
    child_env,
    machine,
    peak_rss_mb,
    run_child,
)

STEPS = ("behaviour", "segments", "churn", "deviations", "recommendations", "forecasts", "value")
CATEGORIES = (
    "Electronics",
    "Home & Garden",
    "Fashion",
    "Beauty",
    "Sports",
    "Toys",
    "Books",
    "Grocery",
    "Office",
    "Automotive",
    "Pets",
    "Health",
)
N_PRODUCTS = 2_000
CHANNELS = ("web", "store", "phone", "marketplace")
CHANNEL_WEIGHTS = (0.45, 0.30, 0.15, 0.10)
TICKET_KINDS = ("complaint", "dispute", "defect", "inquiry")
TICKET_WEIGHTS = (0.25, 0.05, 0.15, 0.55)
LINES_PER_ORDER = ((1, 2, 3, 4), (0.45, 0.30, 0.15, 0.10))
PREFERRED_CATEGORY = 0.7  # chance that a line is in the customer's preferred category
PREFERRED_CHANNEL = 0.8
RETURN_SHARE = 0.03  # sales with one line returned later
BURST_SHARE = 0.005  # customers with 2-5 complaints in the last 90 days
DAY = 86_400
# what kehu.crm.intelligence.mining uses
CHURN_HORIZON_DAYS = 90
RECENT_ORDERS_DAYS = 90
N_RECOMMENDATIONS = 5
FORECAST_MONTHS = 6
FORECAST_SERIES = 8
INPUT = "input: "  # a part that prepares a step's input: timed, not counted in the step


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--orders-per-customer", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--steps", default=",".join(STEPS), help=f"comma-separated, of {', '.join(STEPS)}"
    )
    parser.add_argument("--out", type=Path, default=OUT / "mining_scale", help="scratch data")
    parser.add_argument("--step-timeout", type=float, default=900.0, help="seconds per step")
    parser.add_argument("--min-available-mb", type=float, default=2048.0)
    add_blas_option(parser)
    parser.add_argument("--step", choices=("generate", *STEPS), help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.steps = [s.strip() for s in args.steps.split(",") if s.strip()]
    unknown = [s for s in args.steps if s not in STEPS]
    if unknown:
        parser.error(f"--steps must be among {list(STEPS)}, got {unknown}")
    return args


# ---------------------------------------------------------------- input


def _catalog(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Category popularity, and per product (in category order) its category and the
    cumulative pick chance ``category + cdf within the category`` (one searchsorted
    picks a product of a given category); product ids are a shuffle of 1..N."""
    n_cat = len(CATEGORIES)
    popularity = 1 / np.arange(1, n_cat + 1) ** 0.6
    popularity /= popularity.sum()
    sizes = 1 + rng.multinomial(N_PRODUCTS - n_cat, popularity)
    category = np.repeat(np.arange(n_cat), sizes)
    starts = np.cumsum(sizes) - sizes
    rank = np.arange(N_PRODUCTS) - np.repeat(starts, sizes)
    weight = 1 / (rank + 1.0) ** 1.1  # Zipf within a category
    within = np.cumsum(weight) - np.repeat(np.cumsum(weight)[starts] - weight[starts], sizes)
    cdf = category + within / np.repeat(np.add.reduceat(weight, starts), sizes)
    cdf[starts + sizes - 1] = np.arange(1, n_cat + 1)  # exact block ends
    return popularity, category, cdf


def _preferred(rng: np.random.Generator, own: np.ndarray, p_own: float, weights: Any) -> np.ndarray:
    """``own`` with chance ``p_own``, else a draw from ``weights``."""
    other = rng.choice(len(weights), own.size, p=np.asarray(weights) / np.sum(weights))
    return np.where(rng.random(own.size) < p_own, own, other)


def _lines(
    rng: np.random.Generator,
    catalog: tuple[np.ndarray, np.ndarray, np.ndarray],
    customer: np.ndarray,
    amount: np.ndarray,
    prefers: np.ndarray,
) -> dict[str, np.ndarray]:
    """1-4 lines per order, the order's amount split among them (cents exact)."""
    popularity, product_category, cdf = catalog
    sizes, p = LINES_PER_ORDER
    n_lines = rng.choice(np.array(sizes), customer.size, p=p)
    order = np.repeat(np.arange(customer.size), n_lines)
    first = np.cumsum(n_lines) - n_lines
    category = _preferred(rng, prefers[customer[order]], PREFERRED_CATEGORY, popularity)
    position = np.searchsorted(cdf, category + rng.random(order.size), side="right")
    product_id = rng.permutation(N_PRODUCTS)[position] + 1
    share = rng.gamma(2.0, size=order.size)
    share /= np.bincount(order, share)[order]
    line_amount = np.round(amount[order] * share, 2)
    line_amount[first] += np.round(amount - np.bincount(order, line_amount), 2)
    return {
        "order": order,
        "first": first,
        "n_lines": n_lines,
        "product_id": product_id,
        "category": product_category[position],
        "quantity": (1 + rng.poisson(0.4, order.size)).astype(float),
        "amount": line_amount,
    }


def _returns(
    rng: np.random.Generator, at: np.ndarray, lines: dict[str, np.ndarray], end: np.datetime64
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sales with one line sent back 1-30 days later: (sale position, line position,
    time of the return)."""
    sale = np.flatnonzero(rng.random(at.size) < RETURN_SHARE)
    line = lines["first"][sale] + (rng.random(sale.size) * lines["n_lines"][sale]).astype(int)
    back_at = at[sale] + rng.integers(DAY, 30 * DAY, sale.size).astype("timedelta64[s]")
    keep = (back_at <= end) & (lines["amount"][line] > 0)
    return sale[keep], line[keep], back_at[keep]


def _tickets(
    rng: np.random.Generator, acquired: np.ndarray, n_orders: np.ndarray, end: np.datetime64
) -> dict[str, np.ndarray]:
    """Poisson tickets per customer, more for those who order more, opened uniformly
    over each customer's life; plus complaint bursts in the last 90 days."""
    n = acquired.size
    count = rng.poisson(0.05 + 0.05 * n_orders)
    customer = np.repeat(np.arange(n), count)
    life = (end - acquired).astype(np.int64)
    opened = acquired[customer] + (rng.random(customer.size) * life[customer]).astype(
        "timedelta64[s]"
    )
    kind = rng.choice(len(TICKET_KINDS), customer.size, p=TICKET_WEIGHTS)
    eligible = np.flatnonzero(acquired <= end - np.timedelta64(180 * DAY, "s"))
    burst = rng.choice(eligible, min(eligible.size, round(BURST_SHARE * n)), replace=False)
    burst_count = rng.integers(2, 6, burst.size)
    burst_customer = np.repeat(burst, burst_count)
    burst_opened = end - rng.integers(0, 89 * DAY, burst_customer.size).astype("timedelta64[s]")
    burst_kind = np.where(rng.random(burst_customer.size) < 0.7, 0, 2)  # complaint, defect
    return {
        "customer": np.concatenate([customer, burst_customer]),
        "opened_at": np.concatenate([opened, burst_opened]),
        "kind": np.concatenate([kind, burst_kind]),
        "bursts": np.array(burst.size),
    }


def _names(names: tuple[str, ...], codes: np.ndarray) -> Any:
    import pyarrow as pa
    import pyarrow.compute as pc

    return pc.take(pa.array(names), pa.array(codes))


def _timestamps(values: np.ndarray) -> Any:
    import pyarrow as pa

    return pa.array(values.astype("datetime64[us]"))


def generate(args: argparse.Namespace, log: StepLog) -> None:
    """Draw the history and write ``orders``, ``lines``, ``tickets`` Parquet files and
    ``meta.json`` into ``args.data``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from kehu.insight.generate import bg_nbd_for_mean_transactions, simulate_purchases

    n, started = args.customers, time.perf_counter()
    with log.step("simulate_purchases"):
        bg = bg_nbd_for_mean_transactions(args.orders_per_customer)
        sim = simulate_purchases(n, seed=args.seed, bg_nbd=bg)
    with log.step("lines, returns, tickets (numpy)"):
        rng = np.random.default_rng(args.seed + 1)
        tx = sim.transactions
        customer, at = tx["customer"].to_numpy(), tx["at"].to_numpy().astype("datetime64[s]")
        end = at.max()  # returns and tickets no later than the last sale: all before as_of
        amount = tx["amount"].to_numpy()
        catalog = _catalog(rng)
        prefers_category = rng.choice(len(CATEGORIES), n, p=catalog[0])
        prefers_channel = rng.choice(len(CHANNELS), n, p=CHANNEL_WEIGHTS)
        channel = _preferred(rng, prefers_channel[customer], PREFERRED_CHANNEL, CHANNEL_WEIGHTS)
        lines = _lines(rng, catalog, customer, amount, prefers_category)
        sale, line, back_at = _returns(rng, at, lines, end)
        acquired = sim.customers["acquired_at"].to_numpy().astype("datetime64[s]")
        tickets = _tickets(rng, acquired, np.bincount(customer, minlength=n), end)
    with log.step("write Parquet"):
        order_id = np.arange(1, customer.size + sale.size + 1)
        order_customer = np.concatenate([customer, customer[sale]]) + 1
        orders = pa.table(
            {
                "customer_id": order_customer,
                "order_id": order_id,
                "ordered_at": _timestamps(np.concatenate([at, back_at])),
                "amount": np.concatenate([amount, -lines["amount"][line]]),
                "channel": _names(CHANNELS, np.concatenate([channel, channel[sale]])),
            }
        )
        line_order = np.concatenate([lines["order"], customer.size + np.arange(sale.size)])
        line_at = np.concatenate([at[lines["order"]], back_at])
        order_lines = pa.table(
            {
                "customer_id": order_customer[line_order],
                "order_id": order_id[line_order],
                "ordered_at": _timestamps(line_at),
                "product_id": np.concatenate([lines["product_id"], lines["product_id"][line]]),
                "category": _names(
                    CATEGORIES, np.concatenate([lines["category"], lines["category"][line]])
                ),
                "quantity": np.concatenate([lines["quantity"], -lines["quantity"][line]]),
                "amount": np.concatenate([lines["amount"], -lines["amount"][line]]),
            }
        )
        ticket_table = pa.table(
            {
                "customer_id": tickets["customer"] + 1,
                "opened_at": _timestamps(tickets["opened_at"]),
                "kind": _names(TICKET_KINDS, tickets["kind"]),
            }
        )
        args.data.mkdir(parents=True, exist_ok=True)
        for name, table in (("orders", orders), ("lines", order_lines), ("tickets", ticket_table)):
            pq.write_table(table, args.data / f"{name}.parquet")
    last_day = pd.Timestamp(orders["ordered_at"].to_numpy().max()).normalize()
    meta = {
        "customers": n,
        "seed": args.seed,
        "orders_per_customer": args.orders_per_customer,
        "orders": orders.num_rows,
        "sales": int(customer.size),
        "returns": int(sale.size),
        "lines": order_lines.num_rows,
        "tickets": ticket_table.num_rows,
        "complaint_bursts": int(tickets["bursts"]),
        "products": N_PRODUCTS,
        "categories": len(CATEGORIES),
        # kehu.crm.intelligence.mining.as_of_for: the day after the last order
        "as_of": (last_day + pd.Timedelta(days=1)).isoformat(),
        # generating (r, alpha), alpha in weeks: the CRM passes the fitted BG/NBD's
        "bg_nbd": [bg.r, bg.alpha],
        "bytes": sum(
            (args.data / f"{name}.parquet").stat().st_size
            for name in ("orders", "lines", "tickets")
        ),
        "generate_s": round(time.perf_counter() - started, 1),
        "peak_rss_mb": peak_rss_mb(),
    }
    (args.data / "meta.json").write_text(json.dumps(meta, indent=1))
    log.write(meta)


# ---------------------------------------------------------------- the steps, in a child


def _load(data: Path, *names: str) -> dict[str, pd.DataFrame]:
    return {name: pd.read_parquet(data / f"{name}.parquet") for name in names}


def _behaviour(tables: dict[str, pd.DataFrame], as_of: datetime) -> Any:
    """As ``run_mining``: lines without a category left out, tickets only if any."""
    from kehu.insight.behaviour import customer_behaviour

    lines = tables["lines"]
    lines = lines[lines["category"] != ""] if len(lines) else None
    tickets = tables["tickets"] if len(tables["tickets"]) else None
    return customer_behaviour(tables["orders"], as_of, lines=lines, tickets=tickets)


def step_behaviour(t: dict[str, pd.DataFrame], meta: dict[str, Any], log: StepLog) -> dict:
    with log.step("customer_behaviour"):
        behaviour = _behaviour(t, meta["as_of"])
    return {"out": f"{len(behaviour.features):,} customers x {behaviour.features.shape[1]} cols"}


def step_segments(t: dict[str, pd.DataFrame], meta: dict[str, Any], log: StepLog) -> dict:
    from kehu.insight.segments import Segmenter

    with log.step(INPUT + "customer_behaviour"):
        features = _behaviour(t, meta["as_of"]).features
    del t["orders"], t["lines"], t["tickets"]
    with log.step("Segmenter.fit"):
        segmenter = Segmenter().fit(features, previous=None)
    names = ", ".join(f"{p.name} {p.share:.0%}" for p in segmenter.profiles_)
    return {"out": f"k={segmenter.k_}: {names}"}


def step_churn(t: dict[str, pd.DataFrame], meta: dict[str, Any], log: StepLog) -> dict:
    from kehu.insight.churn.history import churn_from_history

    lines = t["lines"][t["lines"]["category"] != ""]
    with log.step("churn_from_history"):
        churn = churn_from_history(
            t["orders"],
            meta["as_of"],
            horizon_days=CHURN_HORIZON_DAYS,
            lines=lines,
            tickets=t["tickets"] if len(t["tickets"]) else None,
        )
        scores = churn.scores.to_pandas()
    m = churn.metrics
    return {
        "out": f"{len(scores):,} scored, trained on {m['n_trained']:,}, "
        f"churn rate {m['churn_rate']:.2f}, CV ROC AUC {m['cv_roc_auc']:.3f}"
    }


def step_deviations(t: dict[str, pd.DataFrame], meta: dict[str, Any], log: StepLog) -> dict:
    from kehu.insight.deviation import customer_flags, unusual_orders

    with log.step(INPUT + "customer_behaviour"):
        features = _behaviour(t, meta["as_of"]).features
    with log.step("customer_flags"):
        flags = customer_flags(features, bg_nbd=tuple(meta["bg_nbd"]), period_days=7.0)
    since = meta["as_of"] - timedelta(days=RECENT_ORDERS_DAYS)
    with log.step("unusual_orders"):
        orders = unusual_orders(t["orders"], since=since)
    kinds = pd.concat([flags["kind"], orders["kind"]]).value_counts().to_dict()
    return {"out": ", ".join(f"{k} {v:,}" for k, v in kinds.items()) or "no flags"}


def step_recommendations(t: dict[str, pd.DataFrame], meta: dict[str, Any], log: StepLog) -> dict:
    from kehu.insight.recommend import NextBestProduct

    customers = np.unique(t["orders"]["customer_id"].to_numpy())
    del t["orders"]
    with log.step("NextBestProduct.fit"):
        model = NextBestProduct(
            top_n=N_RECOMMENDATIONS,
            customer_col="customer_id",
            item_col="product_id",
            quantity_col="quantity",
        ).fit(t["lines"])
    rows = nbytes = co_purchase = 0
    with log.step("iter_recommendations (all customers)"):
        for chunk in model.iter_recommendations(customers):
            rows += chunk.num_rows
            nbytes += chunk.nbytes
            co_purchase += int(np.sum(chunk.column("source").to_numpy(False) == "co_purchase"))
    return {
        "out": f"{rows:,} rows for {customers.size:,} customers ({nbytes / 2**30:.2f} GiB "
        f"as Arrow), {co_purchase / max(rows, 1):.0%} from co-purchases"
    }


def _forecast(frame: pd.DataFrame, by: str | None) -> int:
    """As ``mining._forecast_view``: monthly series, the largest ``FORECAST_SERIES``."""
    from kehu.insight.forecast import forecast_sales, sales_series

    made = sales_series(frame, date_col="ordered_at", amount_col="amount", by=by, freq="month")
    series = made.series
    if by is not None:
        largest = series.groupby("unique_id")["y"].sum().nlargest(FORECAST_SERIES).index
        series = series[series["unique_id"].isin(largest)]
    forecast_sales(series, horizon=FORECAST_MONTHS, season_length=12)
    return int(series["unique_id"].nunique())


def step_forecasts(t: dict[str, pd.DataFrame], meta: dict[str, Any], log: StepLog) -> dict:
    out = []
    for name, frame, by in (
        ("total", t["orders"], None),
        ("channel", t["orders"], "channel"),
        ("category", t["lines"], "category"),
    ):
        with log.step(f"sales_series + forecast_sales: {name}"):
            out.append(f"{name} {_forecast(frame, by)}")
    return {"out": "series: " + ", ".join(out)}


def step_value(t: dict[str, pd.DataFrame], meta: dict[str, Any], log: StepLog) -> dict:
    """As ``kehu.crm.intelligence.actions``: the purchase log, weekly periods."""
    from kehu.insight.analyze import AnalysisSettings, analyze

    log_frame = t["orders"][["customer_id", "ordered_at", "amount", "order_id"]]
    del t["orders"]
    settings = AnalysisSettings(
        period="week", customer_col="customer_id", date_col="ordered_at", amount_col="amount"
    )
    with log.step("analyze (week)"):
        analysis = analyze(log_frame, settings)
    bg = analysis.models.get("bg_nbd") or {}
    params = ", ".join(f"{k}={bg[k]:.3g}" for k in ("r", "alpha", "a", "b") if k in bg)
    return {"out": f"{len(analysis.customers):,} customers valued; BG/NBD {params}"}


NEEDS = {
    "behaviour": ("orders", "lines", "tickets"),
    "segments": ("orders", "lines", "tickets"),
    "churn": ("orders", "lines", "tickets"),
    "deviations": ("orders", "lines", "tickets"),
    "recommendations": ("orders", "lines"),
    "forecasts": ("orders", "lines"),
    "value": ("orders",),
}
RUN = {
    "behaviour": step_behaviour,
    "segments": step_segments,
    "churn": step_churn,
    "deviations": step_deviations,
    "recommendations": step_recommendations,
    "forecasts": step_forecasts,
    "value": step_value,
}


def child(args: argparse.Namespace) -> None:
    import warnings

    warnings.simplefilter("ignore")  # convergence chatter would fill the log
    log = StepLog(args.data / f"{args.step}.jsonl")
    if args.step == "generate":
        generate(args, log)
        return
    meta = json.loads((args.data / "meta.json").read_text())
    meta["as_of"] = datetime.fromisoformat(meta["as_of"])
    with log.step("load"):
        tables = _load(args.data, *NEEDS[args.step])
    log.write({"rows_in": {name: len(frame) for name, frame in tables.items()}})
    result = RUN[args.step](tables, meta, log)
    log.write({**result, "peak_rss_mb": peak_rss_mb()})


# ---------------------------------------------------------------- parent


def _command(args: argparse.Namespace, step: str) -> list[str]:
    command = [sys.executable, str(Path(__file__).resolve()), "--step", step]
    command += ["--data", str(args.data), "--customers", str(args.customers)]
    command += ["--orders-per-customer", str(args.orders_per_customer)]
    return command + ["--seed", str(args.seed)]


def ensure_input(args: argparse.Namespace) -> tuple[dict[str, Any], ChildRun | None]:
    meta_path = args.data / "meta.json"
    if meta_path.exists():
        return json.loads(meta_path.read_text()), None
    args.data.mkdir(parents=True, exist_ok=True)
    run = run_child(
        _command(args, "generate"),
        args.data / "generate.jsonl",
        timeout_s=args.step_timeout,
        min_available_mb=args.min_available_mb,
        env=child_env(args.blas_threads),
    )
    if not meta_path.exists():
        raise SystemExit(f"generating the input failed: {run.stop_reason or run.error}")
    return json.loads(meta_path.read_text()), run


def _millions(n: int) -> str:
    return f"{n / 1e6:.2f} M" if n >= 100_000 else f"{n:,}"


def _row(step: str, run: ChildRun) -> str:
    parts = {k: v for k, v in run.steps.items() if k != "load"}
    seconds = sum(v for k, v in parts.items() if not k.startswith(INPUT))
    rows_in = ", ".join(f"{_millions(v)} {k}" for k, v in run.result.get("rows_in", {}).items())
    detail = "; ".join(f"{k} {v:,.1f} s" for k, v in parts.items())
    detail = detail if len(parts) > 1 or not run.ok else ""
    notes = [x for x in (detail, run.result.get("out", "")) if x]
    if run.stopped_after_s is not None:
        notes.insert(0, f"**STOPPED** after {run.stopped_after_s:,.0f} s ({run.stop_reason})")
    elif run.error:
        notes.insert(0, f"**FAILED**: {run.error.strip().splitlines()[-1][:300]}")
    load = run.steps.get("load")
    time_s = f"{seconds:,.1f}" if run.ok else "failed"
    if run.stopped_after_s is not None:  # process time, not counting the load
        time_s = f"> {run.stopped_after_s - (load or 0.0):,.0f}"
    peak = run.peak_rss_mb or 0.0
    return (
        f"| {step} | {rows_in} | {'' if load is None else f'{load:,.1f}'} | {time_s} | "
        f"{peak / 1024:,.2f} | {run.step_peak_mb.get('load', 0.0) / 1024:,.2f} | "
        f"{'; '.join(notes).replace('|', '/')} |"
    )


def render(
    meta: dict[str, Any], generated: ChildRun | None, runs: dict[str, ChildRun], host: dict
) -> str:
    how = "reused, generated earlier" if generated is None else "generated"
    if "generate_s" in meta:
        how += f" (in {meta['generate_s']:,.1f} s, peak RSS {meta['peak_rss_mb'] / 1024:,.1f} GiB)"
    lines = [
        f"Input: {meta['customers']:,} customers (seed {meta['seed']}): {meta['orders']:,} "
        f"orders ({meta['sales']:,} sales, {meta['returns']:,} returns), {meta['lines']:,} "
        f"order lines ({meta['products']:,} products in {meta['categories']} categories), "
        f"{meta['tickets']:,} tickets ({meta['complaint_bursts']:,} complaint bursts); "
        f"as of {meta['as_of'][:10]}; Parquet {meta['bytes'] / 2**20:,.0f} MiB, {how}.",
        "",
        f"Machine: {host['nproc']} cores, {host['ram_gib']} GiB RAM, Python {host['python']}; "
        f"kehu at {host['commit']}; load average before {host['load_avg']}. N = "
        f"{meta['customers']:,}.",
        "",
        "Each step in its own process. Time: the step's library calls, loading excluded "
        "(parts marked `input:` are listed but not counted). Peak RSS: the process's "
        "`ru_maxrss`, loading the Parquet included; after load: the peak once loaded.",
        "",
        "| step | rows in | load (s) | time (s) | peak RSS (GiB) | after load (GiB) | notes |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [_row(step, run) for step, run in runs.items()]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.step:
        child(args)
        return 0
    args.data = (
        args.out.resolve() / f"mining_{args.customers}_{args.seed}_{args.orders_per_customer:g}"
    )
    host = machine()
    print(f"machine: {host}", flush=True)
    meta, generated = ensure_input(args)
    print(f"input: {args.data} {meta}", flush=True)
    runs: dict[str, ChildRun] = {}
    for step in args.steps:
        print(f"running {step} ...", flush=True)
        runs[step] = run_child(
            _command(args, step),
            args.data / f"{step}.jsonl",
            timeout_s=args.step_timeout,
            min_available_mb=args.min_available_mb,
            env=child_env(args.blas_threads),
        )
        print(_row(step, runs[step]), flush=True)
    report = render(meta, generated, runs, host)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    suffix = "" if args.customers == 1_000_000 else f"_{args.customers}"
    OUT.mkdir(exist_ok=True)
    (OUT / f"mining_scale{suffix}.md").write_text(f"Measured {stamp}.\n\n{report}")
    print(report)
    return 0 if all(run.ok for run in runs.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
