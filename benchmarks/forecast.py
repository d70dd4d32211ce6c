"""Sales forecasts backtested: kehu (``kehu.insight.forecast``, statsmodels ETS / Theta /
their mean, chosen per series) against the seasonal naive forecast (the peer baseline;
the naive forecast where a window's history holds no full season), on the same series
and the same rolling-origin windows, scored by MASE and sMAPE.

- Online Retail (Dec 2010 - 9 Dec 2011, about 12 complete months: too short for a
  monthly backtest with a yearly season): weekly net sales (the partial week of
  5-9 Dec 2011 dropped), total, per country and per product (the 20 stock codes with the
  most revenue: the data set has no product category); and daily, season 7 (the shop
  ships no orders on Saturdays), total and the five largest countries.
- A generated monthly log (seeded): five years of orders in 4 regions x 3 categories,
  each with its own level, yearly growth and seasonal profile, lognormal monthly noise
  and 3 % returns; backtested with a yearly season per region, per category and total.

    .venv/bin/python benchmarks/forecast.py
    .venv/bin/python benchmarks/forecast.py --only generated

Results: a table on stdout and ``bench-out/forecast.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from kehu.insight.forecast import backtest, sales_series

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("KEHU_DATA", REPO.parent / "shared" / "data"))
OUT = REPO / "bench-out"

REGIONS = ("North", "South", "East", "West")
#: Category: monthly profile peak (month, 1-12) and amplitude (share of the level).
CATEGORIES = {"Furniture": (4, 0.25), "Office supplies": (9, 0.35), "Technology": (12, 0.45)}


def generated_log(seed: int = 7, years: int = 5, order_value: float = 250.0) -> pd.DataFrame:
    """Orders (one row each) whose monthly sums follow a known level x growth x season x
    noise per region and category; the log ends on the 10th of the month after."""
    rng = np.random.default_rng(seed)
    months = pd.date_range("2020-01-01", periods=years * 12 + 1, freq="MS")
    t = np.arange(len(months))
    rows = []
    for region in REGIONS:
        for category, (peak, amplitude) in CATEGORIES.items():
            level = rng.uniform(20_000, 80_000)
            growth = rng.uniform(-0.05, 0.25)  # a year
            shape = 1 + amplitude * np.cos(2 * np.pi * (months.month - peak) / 12)
            noise = rng.lognormal(0, 0.08, len(months))
            expected = level * (1 + growth) ** (t / 12) * shape * noise
            n_orders = rng.poisson(expected / order_value)
            month = np.repeat(months.to_numpy(), n_orders)
            days = np.repeat(months.days_in_month.to_numpy(), n_orders)
            days[month == months[-1].to_datetime64()] = 10  # the log stops mid-month
            offset = (rng.random(len(month)) * days * 86_400).astype("timedelta64[s]")
            amount = rng.gamma(2.0, order_value / 2.0, len(month))
            returned = rng.random(len(month)) < 0.03
            rows.append(
                pd.DataFrame(
                    {
                        "ordered_at": month + offset,
                        "region": region,
                        "category": category,
                        "amount": np.where(returned, -amount, amount),
                    }
                )
            )
    return pd.concat(rows, ignore_index=True)


def online_retail() -> pd.DataFrame:
    return pd.read_csv(
        DATA / "online_retail" / "online_retail.csv.gz",
        dtype={"InvoiceNo": str, "StockCode": str, "CustomerID": str},
    )


def cases(only: str | None) -> list[dict]:
    """(label, series, horizon, season length, windows) for each benchmark row."""
    found = []
    if only in (None, "online_retail"):
        log = online_retail()
        log["amount"] = log["Quantity"] * log["UnitPrice"]
        revenue = log.groupby("StockCode")["amount"].sum().nlargest(20).index
        countries = log.groupby("Country")["amount"].sum().nlargest(5).index
        common = {"date_col": "InvoiceDate", "amount_col": "amount"}
        week = {"freq": "week", "horizon": 4, "season": 52, "windows": 3}
        day = {"freq": "day", "horizon": 14, "season": 7, "windows": 4}
        for label, frame, by, setting in (
            ("Online Retail weekly, total", log, None, week),
            ("Online Retail weekly, per country", log, "Country", week),
            (
                "Online Retail weekly, top-20 products",
                log[log["StockCode"].isin(revenue)],
                "StockCode",
                week,
            ),
            ("Online Retail daily, total", log, None, day),
            (
                "Online Retail daily, top-5 countries",
                log[log["Country"].isin(countries)],
                "Country",
                day,
            ),
        ):
            sales = sales_series(frame, by=by, freq=setting["freq"], **common)
            found.append({"label": label, "sales": sales} | setting)
    if only in (None, "generated"):
        log = generated_log()
        month = {"freq": "month", "horizon": 6, "season": 12, "windows": 4}
        for label, by in (
            ("generated monthly, total", None),
            ("generated monthly, per region", "region"),
            ("generated monthly, per category", "category"),
        ):
            sales = sales_series(
                log, date_col="ordered_at", amount_col="amount", by=by, freq="month"
            )
            found.append({"label": label, "sales": sales} | month)
    return found


def run(case: dict) -> dict:
    sales = case["sales"]
    started = time.perf_counter()
    result = backtest(sales, case["horizon"], case["season"], case["windows"])
    seconds = time.perf_counter() - started
    s = result.summary
    return {
        "label": case["label"],
        "series": f"{s['n_series_scored']} of {s['n_series']}",
        "periods": sales.series.groupby("unique_id").size().max(),
        "freq": case["freq"],
        "season": case["season"],
        "horizon": case["horizon"],
        "windows": case["windows"],
        "baseline": s["baseline"],
        "base_mase": s["mase"]["baseline"],
        "kehu_mase": s["mase"]["kehu"],
        "base_smape": s["smape"]["baseline"],
        "kehu_smape": s["smape"]["kehu"],
        "better": f"{s['series_kehu_better']} of {s['series_compared']}",
        "models": ", ".join(f"{k} {v}" for k, v in sorted(s["models_chosen"].items())),
        "seconds": seconds,
    }


def table_md(rows: list[dict]) -> str:
    lines = [
        "| data | series scored | periods | season | horizon | windows | baseline | "
        "baseline MASE | kehu MASE | baseline sMAPE | kehu sMAPE | series kehu better | "
        "kehu s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['label']} | {r['series']} | {r['periods']} {r['freq']}s | {r['season']} | "
            f"{r['horizon']} | {r['windows']} | {r['baseline']} | {r['base_mase']:.3f} | "
            f"{r['kehu_mase']:.3f} | {r['base_smape']:.1f} | {r['kehu_smape']:.1f} | "
            f"{r['better']} | {r['seconds']:.1f} |"
        )
    lines += ["", "Models kehu chose per window:", ""]
    lines += [f"- {r['label']}: {r['models']}" for r in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["online_retail", "generated"])
    args = parser.parse_args()
    rows = []
    for case in cases(args.only):
        rows.append(run(case))
        print(f"  {case['label']}: done in {rows[-1]['seconds']:.1f} s", flush=True)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    header = (
        f"Measured {stamp} on {os.cpu_count()} cores, Python {platform.python_version()}. "
        "MASE and sMAPE are means over series x windows; the baselines take milliseconds."
    )
    text = header + "\n\n" + table_md(rows) + "\n"
    print(text)
    OUT.mkdir(exist_ok=True)
    (OUT / "forecast.md").write_text(text)


if __name__ == "__main__":
    main()
