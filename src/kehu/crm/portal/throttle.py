"""How often the portal's sign-in may be asked for: per address asked for (known or not,
so that the answer never tells which addresses have access) and per client address.

``wait_minutes`` reads what :func:`kehu.crm.portal.actions.record_request` wrote; a
limit is ``(count, minutes)``: at most ``count`` requests in the last ``minutes``.
"""

from __future__ import annotations

import math
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import salted_hmac

from kehu.crm.portal.models import SignInRequest

#: links or codes asked for one address, and from one client address
PER_ADDRESS = (5, 15)
PER_IP = (30, 60)
#: wrong codes for one number, and from one client address
FAILED_PER_ADDRESS = (10, 15)
FAILED_PER_IP = (20, 15)


def address_key(kind: str, address: str) -> str:
    """A keyed hash of the address asked for: the table keeps no list of addresses."""
    return salted_hmac("kehu.portal.address", f"{kind}:{address}", algorithm="sha256").hexdigest()


def _limit(name: str, default: tuple[int, int]) -> tuple[int, int]:
    return getattr(settings, f"KEHU_PORTAL_{name}", default)


def _wait(requests: object, limit: tuple[int, int]) -> int:
    count, minutes = limit
    window = timedelta(minutes=minutes)
    now = timezone.now()
    times = list(
        requests.filter(at__gte=now - window).order_by("-at").values_list("at", flat=True)[:count]  # type: ignore[attr-defined]
    )
    if len(times) < count:
        return 0
    return max(1, math.ceil((times[-1] + window - now).total_seconds() / 60))


def wait_minutes(kinds: tuple[str, ...], key: str, ip: str | None, *, failures: bool) -> int:
    """Whole minutes before another request of ``kinds`` for ``key`` from ``ip`` is
    taken (0: now)."""
    names = ("FAILED_PER_ADDRESS", "FAILED_PER_IP") if failures else ("PER_ADDRESS", "PER_IP")
    defaults = (FAILED_PER_ADDRESS, FAILED_PER_IP) if failures else (PER_ADDRESS, PER_IP)
    of_kind = SignInRequest.objects.filter(kind__in=kinds)
    return max(
        _wait(of_kind.filter(address_hash=key), _limit(names[0], defaults[0])),
        _wait(of_kind.filter(ip=ip), _limit(names[1], defaults[1])) if ip else 0,
    )
