"""Invoices made through the billing actions, for the billing tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest


@pytest.fixture
def make_invoice(db: None) -> Callable[..., Any]:
    """An open invoice of ``customer`` for ``amount``, ``days_past_due`` days past due
    on ``as_of`` (issued 30 days before it fell due), with ``payments`` as ``(amount,
    paid_on)`` pairs."""
    from kehu.crm.billing.actions import create_invoice, record_payment

    def _make(
        customer: Any,
        amount: str,
        *,
        as_of: date,
        days_past_due: int,
        payments: tuple[tuple[str, date], ...] = (),
        **fields: Any,
    ) -> Any:
        due_on = as_of - timedelta(days=days_past_due)
        invoice = create_invoice(
            customer,
            amount=Decimal(amount),
            issued_on=fields.pop("issued_on", due_on - timedelta(days=30)),
            due_on=due_on,
            **fields,
        )
        for paid, paid_on in payments:
            record_payment(invoice, amount=Decimal(paid), paid_on=paid_on)
        invoice.refresh_from_db()
        return invoice

    return _make
