"""``UNSET``, the default of an update action's keyword arguments.

An update changes only the fields its caller names (a PATCH sends some fields, a form all
of them); ``None`` cannot mark "not given", since it is a value some fields take (no
owner, no close date). ``given`` keeps the arguments a caller passed, and ``set_given``
sets them on the record::

    def update_product(product, *, name: str | Unset = UNSET, ...) -> Product:
        set_given(product, name=name, ...)
"""

from __future__ import annotations

import enum
from typing import Any


class Unset(enum.Enum):
    """The type of :data:`UNSET` (an enum, so that a type checker narrows it away)."""

    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"


UNSET = Unset.UNSET


def given(**values: Any) -> dict[str, Any]:
    """The keyword arguments that are not :data:`UNSET`, in the order passed."""
    return {name: value for name, value in values.items() if value is not UNSET}


def set_given(record: Any, **values: Any) -> dict[str, Any]:
    """Set on ``record`` the keyword arguments that are not :data:`UNSET`; return them
    (see :func:`given`), for an action that reacts to what changed."""
    changes = given(**values)
    for field, value in changes.items():
        setattr(record, field, value)
    return changes
