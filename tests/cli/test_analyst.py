"""``kehu forecast`` and ``kehu recommend`` from the command line: the summary lines, the
files written, and a plain error (exit status 2) for a column that is not there. (analyze,
churn and baskets are run from the command line by their tests in tests/insight.)"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from click.testing import CliRunner

from kehu.cli import main


def _kehu(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _monthly_sales(folder: Path, *, noise: bool) -> Path:
    """Three years of orders in two regions, a yearly season (plus noise)."""
    rng = np.random.default_rng(7)
    months = pd.date_range("2022-01-01", periods=36, freq="MS")
    sales = pd.DataFrame(
        [
            {
                "date": (month + pd.Timedelta(days=10 * i)).date().isoformat(),
                "amount": 100 + 10 * month.month + (rng.normal(0, 15) if noise else 0),
                "region": region,
            }
            for month in months
            for region in ("north", "south")
            for i in range(3)
        ]
    )
    sales.to_csv(folder / "sales.csv", index=False)
    return folder / "sales.csv"


def _forecast(path: Path, out: Path):
    return _kehu(
        "forecast", str(path), "--date-col", "date", "--amount-col", "amount",
        "--by", "region", "--horizon", "3", "--windows", "1", "--out", str(out),
    )  # fmt: skip


def test_forecast_writes_its_files_and_says_how_it_backtested(tmp_path):
    result = _forecast(_monthly_sales(tmp_path, noise=True), tmp_path / "out")

    assert result.exit_code == 0, result.output
    assert "note: the log ends on 2024-12-21, inside the month starting 2024-12-01" in result.output
    assert "series=2 periods=35 (2022-01-01 to 2024-11-01) forecast=2 horizon=3" in result.output
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    mase = metrics["backtest"]["mase"]
    assert f"MASE kehu={mase['kehu']:.3f} seasonal_naive={mase['baseline']:.3f}" in result.output
    forecast = pd.read_parquet(tmp_path / "out" / "forecast.parquet")
    assert len(forecast) == 2 * 3


def test_forecast_of_a_perfect_season_says_mase_is_undefined_not_a_traceback(tmp_path):
    # the in-sample seasonal naive forecast makes no error: MASE has nothing to scale by
    result = _forecast(_monthly_sales(tmp_path, noise=False), tmp_path / "out")

    assert result.exit_code == 0, result.output
    assert "MASE kehu=n/a seasonal_naive=n/a  sMAPE kehu=0.0 seasonal_naive=0.0" in result.output


def test_forecast_names_a_missing_column_and_what_was_found(tmp_path):
    (tmp_path / "sales.csv").write_text("day,amount\n2024-01-01,5\n")

    result = _kehu(
        "forecast", str(tmp_path / "sales.csv"), "--date-col", "date", "--amount-col",
        "amount", "--out", str(tmp_path / "out"),
    )  # fmt: skip

    assert result.exit_code == 2
    assert "error: column 'date' (given with --date-col) is not in the log" in result.output
    assert "['day', 'amount']" in result.output


def test_recommend_writes_recommendations_and_the_evaluation(tmp_path):
    items = ["A", "B", "C", "D", "E"]
    lines = pd.DataFrame(
        [
            {
                "customer": f"c{c}",
                "item": items[(c + k) % 5],
                "date": date(2021, 1 + k, 10).isoformat(),
                "description": f"item {items[(c + k) % 5]}",
            }
            for c in range(30)
            for k in range(4)
        ]
    )
    lines.to_csv(tmp_path / "lines.csv", index=False)

    result = _kehu(
        "recommend", str(tmp_path / "lines.csv"), "--customer-col", "customer",
        "--item-col", "item", "--date-col", "date", "--label-col", "description",
        "--evaluate-split", "2021-04-01", "--top", "2", "--out", str(tmp_path / "out"),
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert "rows_in=120 " in result.output and "customers=30 items=5" in result.output
    assert "split=2021-04-01 test_customers=30 hit_rate@2: kehu=" in result.output
    recommendations = pd.read_parquet(tmp_path / "out" / "recommendations.parquet")
    assert recommendations.groupby("customer_id").size().max() <= 2
    assert (tmp_path / "out" / "evaluation.json").exists()
    assert f"({len(recommendations):,} recommendations)" in result.output


def test_an_out_folder_that_cannot_be_made_is_one_plain_line(tmp_path):
    sales = _monthly_sales(tmp_path, noise=True)
    inside_a_file = str(sales / "out")
    runs = {
        "analyze": ["analyze", str(sales), "--customer-col", "region", "--no-pareto-nbd"],
        "forecast": ["forecast", str(sales), "--date-col", "date", "--amount-col", "amount"],
        "baskets": ["baskets", str(sales), "--basket-col", "date", "--item-col", "region"],
    }
    runs["baskets"] += ["--min-support", "0.5", "--min-confidence", "0.5"]
    for name, args in runs.items():
        result = CliRunner().invoke(main, [*args, "--out", inside_a_file])
        assert result.exit_code == 2, (name, result.output)
        assert result.output.strip().splitlines()[-1] == f"error: Not a directory: {inside_a_file}"
