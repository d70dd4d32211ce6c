"""Two companies, each with a contact who may use the portal, an order, an invoice and a
ticket; mail goes to a real SMTP server on loopback and text messages to a file (the
marketing tests' fixtures)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

# the marketing tests' SMTP server on loopback and SMS outbox, as fixtures here too
from tests.crm.marketing.conftest import TmpGateway, sms_outbox, smtp, smtp_server  # noqa: F401

LINK = re.compile(r"https?://\S+/portal/sign-in/link/(\S+)/")


@pytest.fixture
def world(smtp: Any, sms_outbox: Any, product: Any) -> dict[str, dict[str, Any]]:  # noqa: F811
    """``acme`` and ``bolt``: customer, contact (with access), order, invoice, ticket."""
    from kehu.crm.billing.actions import invoice_order
    from kehu.crm.customers.actions import add_contact, create_customer
    from kehu.crm.portal.actions import grant_access
    from kehu.crm.sales.actions import create_order
    from kehu.crm.service.actions import open_ticket

    out: dict[str, dict[str, Any]] = {}
    for i, name in enumerate(("acme", "bolt")):
        customer = create_customer(name=f"{name.title()} Ltd", email=f"office@{name}.example")
        contact = add_contact(
            customer,
            name=f"{name.title()} Buyer",
            email=f"buyer@{name}.example",
            phone=f"+86 138 0000 {i:04d}",
        )
        order = create_order(customer, [{"product": product, "quantity": Decimal(2)}])
        out[name] = {
            "customer": customer,
            "contact": contact,
            "access": grant_access(contact),
            "order": order,
            "invoice": invoice_order(order),
            "ticket": open_ticket(customer, subject=f"{name} printer jams", contact=contact),
        }
    smtp.messages.clear()
    return out


def link_in(message: Any) -> str:
    """The token of the sign-in link in an email."""
    match = LINK.search(message.get_content())
    assert match, message.get_content()
    return match.group(1)


def wait_for_mail(inbox: Any, n: int = 1, timeout: float = 10.0) -> list[Any]:
    """The messages the SMTP server got, once there are ``n`` (the portal sends sign-in
    messages from a thread of their own)."""
    deadline = time.monotonic() + timeout
    while len(inbox.messages) < n and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(inbox.messages) >= n, f"{len(inbox.messages)} messages, expected {n}"
    return inbox.messages


def texts(outbox: Any, n: int = 1, timeout: float = 10.0) -> list[dict[str, str]]:
    """The text messages written to the outbox, once there are ``n``."""
    deadline = time.monotonic() + timeout
    lines: list[str] = []
    while time.monotonic() < deadline:
        lines = outbox.read_text(encoding="utf-8").splitlines() if outbox.exists() else []
        if len(lines) >= n:
            break
        time.sleep(0.02)
    assert len(lines) >= n, f"{len(lines)} text messages, expected {n}"
    return [json.loads(line) for line in lines]


def last_code(outbox: Any, n: int = 1) -> str:
    """The code of the ``n``-th text message (waiting for it)."""
    return re.search(r"\b(\d{6})\b", texts(outbox, n)[n - 1]["text"]).group(1)


@pytest.fixture
def portal_client() -> Callable[[Any], Client]:
    """A browser-like client signed in to the portal as ``contact`` (the session the
    sign-in views write; the sign-in itself is tested in test_sign_in.py)."""
    from kehu.crm.portal import session

    def _make(contact: Any) -> Client:
        client = Client()
        s = client.session
        s[session.SESSION_KEY] = contact.pk
        s[session.SINCE_KEY] = timezone.now().timestamp()
        s.save()
        return client

    return _make
