"""Login throttling: after ``KEHU_LOGIN_MAX_FAILURES`` failed sign-ins for one username
from one address within ``KEHU_LOGIN_LOCK_MINUTES``, that pair waits until the oldest of
those failures is that many minutes old. A success clears the pair's failures."""

from __future__ import annotations

import math
from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from kehu.crm.accounts.models import LoginFailure

MAX_FAILURES = 5
LOCK_MINUTES = 15


def _limits() -> tuple[int, timedelta]:
    n = getattr(settings, "KEHU_LOGIN_MAX_FAILURES", MAX_FAILURES)
    minutes = getattr(settings, "KEHU_LOGIN_LOCK_MINUTES", LOCK_MINUTES)
    return n, timedelta(minutes=minutes)


def _who(request: HttpRequest, username: str) -> dict[str, object]:
    return {"username": username.strip().casefold()[:150], "ip": request.META.get("REMOTE_ADDR")}


def wait_minutes(request: HttpRequest, username: str) -> int:
    """Whole minutes this username must wait at this address (0: may try now)."""
    n, window = _limits()
    now = timezone.now()
    recent = LoginFailure.objects.filter(**_who(request, username), at__gte=now - window)
    times = list(recent.order_by("-at").values_list("at", flat=True)[:n])
    if len(times) < n:
        return 0
    free_at = times[-1] + window  # when the oldest of the last n failures leaves the window
    return max(1, math.ceil((free_at - now).total_seconds() / 60))


def record_failure(request: HttpRequest, username: str) -> None:
    LoginFailure.objects.create(**_who(request, username))
    _, window = _limits()
    LoginFailure.objects.filter(at__lt=timezone.now() - 4 * window).delete()  # stays small


def clear(request: HttpRequest, username: str) -> None:
    LoginFailure.objects.filter(**_who(request, username)).delete()
