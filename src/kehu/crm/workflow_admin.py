"""Admin actions that move records along their workflow through the app's own action.

A status with a workflow (an order's, a ticket's) is read-only on the admin's change
form; the change list offers one "Move to <status>" action per status instead, and each
selected record goes through the action that owns the transition (its rules, its
timestamps, its event log). A record that may not move is left as it is and named in
the message with the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

#: ``move(record, status, request)``: the app's action for one record.
Move = Callable[[Any, str, HttpRequest], object]
AdminAction = Callable[[admin.ModelAdmin, HttpRequest, QuerySet[Any]], None]


def _description(label: Any) -> str:
    return _("Move to %(status)s") % {"status": label}


description = lazy(_description, str)


def _reason(error: ValidationError) -> str:
    return "; ".join(message for messages_ in error.message_dict.values() for message in messages_)


def status_action(status: str, label: Any, move: Move) -> AdminAction:
    """The admin action that moves each selected record to ``status`` with ``move``."""

    def action(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
        moved, refused = 0, []
        for record in queryset.order_by("pk"):
            try:
                move(record, status, request)
            except ValidationError as e:
                refused.append(f"{record}: {_reason(e)}")
            else:
                moved += 1
        if moved:
            modeladmin.message_user(
                request,
                ngettext(
                    "%(n)s record moved to %(status)s.", "%(n)s records moved to %(status)s.", moved
                )
                % {"n": moved, "status": label},
                messages.SUCCESS,
            )
        if refused:
            modeladmin.message_user(
                request,
                _("Not moved: %(records)s") % {"records": " · ".join(refused)},
                messages.ERROR,
            )

    action.__name__ = f"move_to_{status}"
    return admin.action(description=description(label))(action)


def status_actions(choices: Iterable[tuple[str, Any]], move: Move) -> list[AdminAction]:
    """One :func:`status_action` per ``(status, label)`` of a model's status choices."""
    return [status_action(status, label, move) for status, label in choices]
