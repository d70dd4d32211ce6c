from __future__ import annotations

from collections.abc import Callable

import pytest


@pytest.fixture
def make_ticket(make_customer: Callable[..., object]) -> Callable[..., object]:
    """Open a ticket through the action, for a given customer or a fresh one."""
    from kehu.crm.service.actions import open_ticket

    def _make(customer: object = None, subject: str = "Printer jams", **fields: object) -> object:
        return open_ticket(customer or make_customer(), subject=subject, **fields)

    return _make
