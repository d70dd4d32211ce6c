"""The check every action runs before it saves a record (and how its errors reach the
form that sent the values), and the check of every query parameter a page or an export
reads."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from django.core.exceptions import NON_FIELD_ERRORS, BadRequest, ValidationError
from django.db.models import Model
from django.forms import BaseForm
from django.utils.translation import gettext as _


def validate(instance: Model, exclude: Iterable[str] | None = None) -> None:
    """``full_clean`` plus what it lets through: ``None`` in a column that cannot be NULL.

    Django skips validation of empty values in ``blank=True`` text fields, so a ``None``
    there would reach the database and fail as an IntegrityError (a 500 for a user).
    """
    skipped = set(exclude or ())
    nulls = {
        field.name: ValidationError("this field cannot be null", code="null")
        for field in instance._meta.concrete_fields
        if not field.null
        and not field.primary_key
        and field.name not in skipped
        and getattr(instance, field.attname) is None
        and not getattr(field, "auto_now", False)
        and not getattr(field, "auto_now_add", False)
    }
    if nulls:
        raise ValidationError(nulls)
    instance.full_clean(exclude=list(skipped) or None)


def attach_errors(form: BaseForm, error: ValidationError, *, keep_rest: bool = False) -> list[str]:
    """Put the ``ValidationError`` an action raised on the form that sent the values: each
    field-keyed error on its field, the others on the form as a whole, or, with
    ``keep_rest``, returned as messages for the page to show where it likes."""
    rest: list[str] = []
    if hasattr(error, "error_dict"):
        errors_by_field = error.error_dict
    else:
        errors_by_field = {NON_FIELD_ERRORS: error.error_list}
    for name, errors in errors_by_field.items():
        if name in form.fields:
            form.add_error(name, errors)
        elif keep_rest:
            rest.extend(ValidationError(errors).messages)
        else:
            form.add_error(None, errors)
    return rest


# --- query parameters -----------------------------------------------------------------

DB_INT_MAX = 2**63 - 1
TEXT_MAX = 200


class InvalidParameter(BadRequest):
    """A query parameter the page cannot use: a 400 that says which one, what it got and
    what is allowed (rendered by ``kehu.crm.errors``)."""

    def __init__(self, name: str, value: str, allowed: str) -> None:
        self.name = name
        self.value = value if len(value) <= 60 else value[:57] + "..."
        self.allowed = allowed
        super().__init__(f"{name} must be {allowed}, got {self.value!r}")


class Param:
    """How one query parameter is read: ``clean`` returns the value as a canonical string
    (what the queries expect) or raises ``InvalidParameter``."""

    def clean(self, name: str, value: str) -> str:
        raise NotImplementedError

    def allowed(self) -> str:
        raise NotImplementedError

    def fail(self, name: str, value: str) -> InvalidParameter:
        return InvalidParameter(name, value, self.allowed())


class Text(Param):
    def __init__(self, max_length: int = TEXT_MAX) -> None:
        self.max_length = max_length

    def allowed(self) -> str:
        return _("text of at most %(n)s characters") % {"n": self.max_length}

    def clean(self, name: str, value: str) -> str:
        if len(value) > self.max_length or "\x00" in value:
            raise self.fail(name, value)
        return value


class Id(Param):
    """A record id: ASCII digits only (``"²".isdigit()`` is true, ``int("²")`` fails)
    and small enough for a database integer; ``words`` are other accepted values."""

    def __init__(self, *words: str) -> None:
        self.words = words

    def allowed(self) -> str:
        if self.words:
            return _("a record id (a whole number from 1 to %(max)s) or one of: %(words)s") % {
                "max": DB_INT_MAX,
                "words": ", ".join(self.words),
            }
        return _("a record id (a whole number from 1 to %(max)s)") % {"max": DB_INT_MAX}

    def clean(self, name: str, value: str) -> str:
        if value in self.words:
            return value
        if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= DB_INT_MAX:
            raise self.fail(name, value)
        return str(int(value))


class Day(Param):
    """A real calendar date written ``YYYY-MM-DD`` (a filter may ask for any date; what
    is stored is range-checked where it is written)."""

    def allowed(self) -> str:
        return _("a date written YYYY-MM-DD")

    def clean(self, name: str, value: str) -> str:
        try:
            day = date.fromisoformat(value) if value.isascii() and len(value) == 10 else None
        except ValueError:
            day = None
        if day is None:
            raise self.fail(name, value)
        return day.isoformat()


class Choice(Param):
    def __init__(self, values: Iterable[str]) -> None:
        self.values = tuple(values)

    def allowed(self) -> str:
        return _("one of: %(values)s") % {"values": ", ".join(self.values)}

    def clean(self, name: str, value: str) -> str:
        if value not in self.values:
            raise self.fail(name, value)
        return value


class Flag(Param):
    """A checkbox: on (``1``, ``true``, ``on``, ``yes``) or off (``0``, ``false``, ...);
    the cleaned value is ``"1"`` or ``""``."""

    ON = ("1", "true", "on", "yes")
    OFF = ("0", "false", "off", "no")

    def allowed(self) -> str:
        return _("one of: %(values)s") % {"values": ", ".join(self.ON + self.OFF)}

    def clean(self, name: str, value: str) -> str:
        if value.lower() in self.ON:
            return "1"
        if value.lower() in self.OFF:
            return ""
        raise self.fail(name, value)


class Share(Param):
    """A number from 0 to 1 (a probability)."""

    def allowed(self) -> str:
        return _("a number from 0 to 1")

    def clean(self, name: str, value: str) -> str:
        try:
            share = float(value) if value.isascii() else -1.0
        except ValueError:
            share = -1.0
        if not 0 <= share <= 1:  # NaN fails too
            raise self.fail(name, value)
        return value


class Amount(Param):
    """A number of zero or more (a money amount, a CLV), written with ASCII digits."""

    def allowed(self) -> str:
        return _("a number of 0 or more")

    def clean(self, name: str, value: str) -> str:
        try:
            amount = float(value) if value.isascii() else -1.0
        except ValueError:
            amount = -1.0
        if not 0 <= amount < float("inf"):  # NaN fails too
            raise self.fail(name, value)
        return value


def clean_params(params: Mapping[str, str], spec: Mapping[str, Param]) -> dict[str, str]:
    """The parameters named in ``spec`` that are present and not blank, each cleaned by
    its ``Param`` (a 400 naming the first bad one); unknown parameters are ignored."""
    cleaned: dict[str, str] = {}
    for name, param in spec.items():
        value = params.get(name, "").strip()
        if value:
            cleaned[name] = param.clean(name, value)
    return cleaned


def query_id(params: Mapping[str, str], name: str) -> int | None:
    """One optional record-id parameter (``?customer=12``) as an int, or a 400."""
    value = params.get(name, "").strip()
    return int(Id().clean(name, value)) if value else None
