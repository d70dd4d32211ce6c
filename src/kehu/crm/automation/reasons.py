"""A rule's reason in words, in the language active when it is read: a trigger stores
its reason as an English msgid and parameters; tier, segment and ticket type names
among the parameters are shown in the reader's language too."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.utils import translation
from django.utils.translation import gettext

from kehu.crm.intelligence.labels import label
from kehu.crm.service.models import Ticket

TICKET_TYPES = dict(Ticket.Type.choices)


def _shown(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if value in TICKET_TYPES:
        return str(TICKET_TYPES[value])
    return str(label(value))


def reason_text(reason: dict[str, Any]) -> str:
    """``reason`` (``{"text": msgid, "params": {...}}``) in the active language."""
    text = reason.get("text") or ""
    if not text:
        return ""
    params = {k: _shown(v) for k, v in (reason.get("params") or {}).items()}
    try:
        return gettext(text) % params
    except (KeyError, TypeError, ValueError):
        return text


def language_of(user: AbstractBaseUser | None) -> str:
    """The language ``user`` reads kehu in (their profile's; English without one)."""
    profile = getattr(user, "profile", None) if user is not None else None
    return getattr(profile, "language", None) or "en"


def in_language_of(user: AbstractBaseUser | None) -> translation.override:
    """A context in which texts are written in ``user``'s language."""
    return translation.override(language_of(user))
