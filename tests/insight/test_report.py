"""customers.parquet is written a row group at a time and reads back as the frame was."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from kehu.insight import report
from kehu.insight.report import write_customers


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
