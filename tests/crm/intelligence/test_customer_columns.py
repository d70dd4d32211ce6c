"""analyze(customer_columns=...): the CRM's per-customer facts reach the loyalty ladder."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kehu.insight.analyze import analyze
from kehu.insight.data import InputError


def _log() -> pd.DataFrame:
    """40 customers buying every week for ten weeks (loyal), 40 buying once."""
    rng = np.random.default_rng(1)
    rows = [
        (i, pd.Timestamp("2025-01-06") + pd.Timedelta(weeks=w), float(rng.uniform(10, 50)))
        for i in range(40)
        for w in range(10)
    ]
    rows += [(100 + i, pd.Timestamp("2025-02-03"), 20.0) for i in range(40)]
    return pd.DataFrame(rows, columns=["customer_id", "date", "amount"])


def test_satisfied_loyal_customers_are_advocates_and_the_column_is_kept():
    facts = pd.DataFrame({"customer_id": [0, 1, 100], "satisfaction": [5.0, 2.0, 5.0]})
    customers = analyze(_log(), customer_columns=facts).customers
    result = customers.set_index(customers["customer_id"].astype(str))
    assert result.loc["0", "loyalty_stage"] == "advocate"
    assert result.loc["1", "loyalty_stage"] == "loyal"
    assert result.loc["100", "loyalty_stage"] == "first-time"
    assert result.loc["0", "satisfaction"] == 5.0 and np.isnan(result.loc["2", "satisfaction"])


def test_customer_columns_may_not_replace_computed_columns():
    with pytest.raises(InputError, match="may not replace computed columns"):
        analyze(_log(), customer_columns=pd.DataFrame({"customer_id": [0], "p_alive": [1.0]}))
