"""A real SMTP server on loopback (aiosmtpd) that keeps every message it accepts, and
customers who consented to email, SMS or phone calls."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.test import override_settings


@dataclass
class Inbox:
    messages: list[Message] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    refuse: set[str] = field(default_factory=set)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        with self.lock:
            self.messages.append(
                message_from_bytes(envelope.original_content, policy=policy.default)
            )
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["To"] == address]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, Controller]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=controller.port,
            EMAIL_USE_TLS=False,
            EMAIL_HOST_USER="",
            EMAIL_HOST_PASSWORD="",
            EMAIL_TIMEOUT=10,
        ):
            yield inbox, controller
    finally:
        controller.stop()


@pytest.fixture
def smtp(smtp_server: tuple[Inbox, Controller]) -> Inbox:
    return smtp_server[0]


@pytest.fixture
def sms_outbox(tmp_path: Any) -> Iterator[Any]:
    path = tmp_path / "sms.jsonl"
    with override_settings(KEHU_SMS_GATEWAY="tests.crm.marketing.conftest.TmpGateway"):
        TmpGateway.path = path
        yield path


class TmpGateway:
    path: Any = None

    def __init__(self) -> None:
        from kehu.crm.marketing.sms import FileGateway

        self.inner = FileGateway(self.path)

    def send(self, phone: str, text: str) -> str:
        return self.inner.send(phone, text)


@pytest.fixture
def make_reachable(make_customer: Callable[..., Any]) -> Callable[..., list[Any]]:
    """``n`` customers who may be emailed (``reach="email"``), texted or phoned."""

    def _make(n: int, reach: str = "email", prefix: str = "Client", **fields: Any) -> list[Any]:
        out = []
        for i in range(n):
            contact: dict[str, Any] = {}
            if reach == "email":
                contact = {"email": f"{prefix.lower()}{i}@example.com", "consent_email": True}
            elif reach == "sms":
                contact = {"phone": f"+86 138 0000 {i:04d}", "consent_sms": True}
            elif reach == "phone":
                contact = {"phone": f"+86 139 0000 {i:04d}", "consent_phone": True}
            out.append(make_customer(f"{prefix} {i}", **contact, **fields))
        return out

    return _make
