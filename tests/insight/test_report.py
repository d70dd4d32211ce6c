"""customers.parquet is written a row group at a time and reads back as the frame was;
the report draws charts of the customers without carrying each customer's value."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from kehu.insight import report
from kehu.insight.analyze import AnalysisSettings, analyze
from kehu.insight.report import render_report, write_customers


def _customers(n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": range(1001, 1001 + n),
            "first_purchase": pd.Timestamp("2024-01-31") + pd.to_timedelta(range(n), unit="D"),
            # a text column missing in the first row group only: its type comes from all rows
            "status": [None] * min(n, 3) + ["lost"] * max(n - 3, 0),
            "p_alive": [i / max(n, 1) for i in range(n)],
            "tier": pd.Series(["Gold"] * n, dtype="str"),
        }
    )


def test_row_groups_read_back_as_the_frame(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report, "ROW_GROUP_ROWS", 3)
    customers = _customers(8)
    write_customers(customers, tmp_path / "customers.parquet")
    stored = pq.ParquetFile(tmp_path / "customers.parquet")
    assert stored.metadata.num_row_groups == 3
    assert stored.schema_arrow.field("first_purchase").type == pa.date32()
    back = pd.read_parquet(tmp_path / "customers.parquet")
    assert back["customer_id"].tolist() == customers["customer_id"].tolist()
    assert back["status"].isna().sum() == 3 and (back["status"].iloc[3:] == "lost").all()
    assert back["first_purchase"].astype(str).iloc[0] == "2024-01-31"
    assert back["p_alive"].tolist() == customers["p_alive"].tolist()


def test_no_customers_write_an_empty_table_with_its_columns(tmp_path) -> None:
    write_customers(_customers(0), tmp_path / "customers.parquet")
    back = pd.read_parquet(tmp_path / "customers.parquet")
    assert back.empty and list(back.columns) == list(_customers(0).columns)


def _log(customers: int) -> pd.DataFrame:
    rng = np.random.default_rng(customers)
    n = customers * 4
    days = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 400, n), unit="D")
    ids = np.concatenate([np.arange(customers), rng.integers(0, customers, n - customers)])
    return pd.DataFrame({"customer_id": ids, "date": days, "amount": rng.gamma(2.0, 20.0, n)})


def test_the_report_carries_charts_not_a_value_per_customer() -> None:
    small = render_report(analyze(_log(300), AnalysisSettings(fit_pareto_nbd=False)))
    large = render_report(analyze(_log(3_000), AnalysisSettings(fit_pareto_nbd=False)))
    assert "P(alive) at the end of calibration" in large
    # ten times the customers, the same charts: the page grows by a few labels, not 2,700 values
    assert abs(len(large) - len(small)) < 5_000


def test_the_charts_name_the_models_that_made_their_figures() -> None:
    analysis = analyze(_log(600), AnalysisSettings(calibration_end="2024-10-31"))
    page = render_report(analysis).replace("\\u002f", "/")  # Plotly's JSON escapes "/"
    names = {"bg_nbd": "BG/NBD", "mbg_nbd": "MBG/NBD", "pareto_nbd": "Pareto/NBD"}
    choice = analysis.models["purchase_model"]
    assert f"P(alive) at the end of calibration ({names[choice['p_alive_model']]})" in page
    assert f'"name":"{names[choice["chosen"]]}"' in page  # the holdout and tracking series
    assert "<h3>MBG/NBD</h3>" in page
