"""What a customer owed past its due dates, as of a moment, as churn features
(kehu.insight.receivables): checked against a hand-computed case, and the churn model
learned from history reads them."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from kehu.insight.behaviour import customer_behaviour
from kehu.insight.churn.history import churn_from_history
from kehu.insight.data import InputError

CUT = datetime(2026, 6, 30)
T = pd.Timestamp


def _orders(customers):
    return pd.DataFrame(
        {
            "customer_id": customers,
            "order_id": range(len(customers)),
            "ordered_at": [T("2026-01-10")] * len(customers),
            "amount": 10.0,
        }
    )


INVOICES = pd.DataFrame(
    {
        "customer_id": [1, 1, 1, 2],
        "invoice_id": [10, 11, 12, 20],
        "issued_on": [T("2026-04-01"), T("2026-05-31"), T("2026-07-02"), T("2026-05-02")],
        "due_on": [T("2026-05-01"), T("2026-06-30"), T("2026-08-01"), T("2026-06-01")],
        "amount": [100.0, 50.0, 999.0, 80.0],
    }
)
PAYMENTS = pd.DataFrame(
    {
        "invoice_id": [10, 20],
        "paid_on": [T("2026-05-10"), T("2026-07-05")],
        "amount": [30.0, 80.0],
    }
)


def _overdue(as_of):
    found = customer_behaviour(
        _orders([1, 2, 3]), as_of, invoices=INVOICES, payments=PAYMENTS
    ).features.set_index("customer_id")
    return found[["overdue_amount", "days_overdue"]].to_dict("index")


def test_overdue_amount_and_days_as_of_a_moment():
    # 1: 70 left of the invoice due 2026-05-01 (60 days); the one due that day is not
    #    late yet and the one issued later does not count; 2: all 80, paid only later
    assert _overdue(CUT) == {
        1: {"overdue_amount": 70.0, "days_overdue": 60.0},
        2: {"overdue_amount": 80.0, "days_overdue": 29.0},
        3: {"overdue_amount": 0.0, "days_overdue": 0.0},
    }
    later = _overdue(datetime(2026, 7, 10))
    assert later[1] == {"overdue_amount": 120.0, "days_overdue": 70.0}
    assert later[2] == {"overdue_amount": 0.0, "days_overdue": 0.0}


def test_without_invoices_the_features_are_unchanged():
    features = customer_behaviour(_orders([1, 2]), CUT).features
    assert "overdue_amount" not in features.columns


def test_invoices_missing_a_column_are_refused():
    with pytest.raises(InputError, match="missing \\['due_on'\\]"):
        customer_behaviour(_orders([1]), CUT, invoices=INVOICES.drop(columns="due_on"))


def test_the_churn_model_learns_from_unpaid_invoices():
    """Customers who stop paying leave: with the overdue features the model tells them
    apart better than from their orders alone."""
    rng = np.random.default_rng(4)
    as_of, horizon = datetime(2026, 6, 30), 60
    cutoff = as_of - pd.Timedelta(days=horizon)
    rows, invoices = [], []
    for customer in range(240):
        leaves = customer % 2 == 0
        day = rng.uniform(0, 30)
        end = (cutoff - pd.Timedelta(days=1)) if leaves else as_of
        while (at := T("2025-01-01") + pd.Timedelta(days=day)) < end:
            rows.append((customer, at))
            day += rng.exponential(20)
        if leaves and rng.random() < 0.8:  # most leavers stopped paying before leaving
            issued = cutoff - pd.Timedelta(days=int(rng.integers(40, 90)))
            invoices.append((customer, customer, issued, issued + pd.Timedelta(days=30), 90.0))
    orders = pd.DataFrame(rows, columns=["customer_id", "ordered_at"])
    orders = orders.assign(order_id=np.arange(len(orders)), amount=50.0)
    invoices = pd.DataFrame(
        invoices, columns=["customer_id", "invoice_id", "issued_on", "due_on", "amount"]
    )
    payments = pd.DataFrame({"invoice_id": [], "paid_on": [], "amount": []})
    plain = churn_from_history(orders, as_of, horizon_days=horizon)
    informed = churn_from_history(
        orders, as_of, horizon_days=horizon, invoices=invoices, payments=payments
    )
    assert informed.metrics["cv_roc_auc"] > plain.metrics["cv_roc_auc"] + 0.1
