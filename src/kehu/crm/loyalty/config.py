"""The programme's settings, read from ``django.conf.settings`` with their defaults:

- ``KEHU_LOYALTY_EXPIRY_MONTHS`` (24): points expire this many months after they were
  earned, unless spent before (first in, first out).
- ``KEHU_LOYALTY_JOIN_KEYWORDS`` (``JOIN``, ``加入``) and ``KEHU_LOYALTY_LEAVE_KEYWORDS``
  (``STOP``, ``退订``): the inbound SMS keywords, compared without case.
- ``KEHU_LOYALTY_SMS_SECRET``: the shared secret the SMS gateway sends with each
  inbound message (header ``X-Kehu-Secret`` or field ``secret``); the webhook refuses
  every message while it is empty.
"""

from __future__ import annotations

from django.conf import settings


def expiry_months() -> int:
    return int(getattr(settings, "KEHU_LOYALTY_EXPIRY_MONTHS", 24))


def join_keywords() -> set[str]:
    return {k.casefold() for k in getattr(settings, "KEHU_LOYALTY_JOIN_KEYWORDS", ("JOIN", "加入"))}


def leave_keywords() -> set[str]:
    return {
        k.casefold() for k in getattr(settings, "KEHU_LOYALTY_LEAVE_KEYWORDS", ("STOP", "退订"))
    }


def sms_secret() -> str:
    return str(getattr(settings, "KEHU_LOYALTY_SMS_SECRET", ""))
