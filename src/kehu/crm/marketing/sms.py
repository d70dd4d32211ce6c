"""Text messages go out through a gateway, chosen by ``settings.KEHU_SMS_GATEWAY``: a
class with ``send(phone, text) -> message id``. The file gateway, the default, writes
each message as a JSON line to ``var/sms/outbox.jsonl`` (development and demos); a
provider's gateway (Twilio, Aliyun SMS, ...) is a small class of the same shape."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


class SmsError(Exception):
    """The gateway refused a message; the text says why."""


class SmsGateway(Protocol):
    def send(self, phone: str, text: str) -> str: ...


class FileGateway:
    """Appends ``{"id", "to", "text", "at"}`` lines to ``var/sms/outbox.jsonl``."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or Path(settings.VAR_DIR) / "sms" / "outbox.jsonl"
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def send(self, phone: str, text: str) -> str:
        if not any(ch.isdigit() for ch in phone):
            raise SmsError(f"not a phone number: {phone!r}")
        message_id = uuid.uuid4().hex
        line = {"id": message_id, "to": phone, "text": text, "at": timezone.now().isoformat()}
        with self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
        return message_id


def gateway() -> SmsGateway:
    gateway_class: type[SmsGateway] = import_string(settings.KEHU_SMS_GATEWAY)
    return gateway_class()
