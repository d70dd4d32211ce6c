"""What every REST router shares: bounded paging, permission checks, input types that fit
the database columns, and field-keyed errors with stable machine codes.

The routers live in each app's ``api.py``; this module imports no router (the API root
imports them all), so any of them can import it first.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet, TextChoices
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination
from pydantic import AfterValidator, ConfigDict, StringConstraints, create_model
from pydantic_core import PydanticCustomError

PAGE_DEFAULT = 50
PAGE_MAX = 200
OFFSET_MAX = 1_000_000_000
DB_INT_MAX = 2**63 - 1
TEXT_MAX = 20_000
EARLIEST_YEAR = 1900
LATEST_YEAR = 2200


# --- paging -------------------------------------------------------------------------


class Pagination(LimitOffsetPagination):
    """``limit`` (1-200, default 50) and ``offset``; the body is ``{"items", "count"}``."""

    class Input(Schema):
        limit: int = Field(PAGE_DEFAULT, ge=1, le=PAGE_MAX)
        offset: int = Field(0, ge=0, le=OFFSET_MAX)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_limit=PAGE_MAX, **kwargs)


# --- input types --------------------------------------------------------------------


def _clean_text(value: str) -> str:
    """Reject what a database column cannot hold: NUL (PostgreSQL refuses it) and lone
    surrogates (not encodable as UTF-8)."""
    if "\x00" in value:
        raise PydanticCustomError("null_character", "text must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as e:
        raise PydanticCustomError(
            "invalid_unicode", "text must be valid Unicode (no lone surrogates)"
        ) from e
    return value


def text(max_length: int = TEXT_MAX, min_length: int = 0) -> Any:
    """A string type no longer than its model column."""
    return Annotated[
        str,
        StringConstraints(max_length=max_length, min_length=min_length),
        AfterValidator(_clean_text),
    ]


def choice(choices: type[TextChoices]) -> Any:
    """A string type limited to a model's ``TextChoices`` values."""
    return Literal[tuple(choices.values)]


def decimal(max_digits: int, places: int, ge: str | None = None, le: str | None = None) -> Any:
    """A decimal that fits a ``DecimalField(max_digits, decimal_places)``."""
    return Annotated[
        Decimal,
        Field(
            max_digits=max_digits,
            decimal_places=places,
            ge=Decimal(ge) if ge is not None else None,
            le=Decimal(le) if le is not None else None,
            allow_inf_nan=False,
        ),
    ]


def _aware_in_range(value: datetime) -> datetime:
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise PydanticCustomError(
            "datetime_out_of_range",
            "datetime must be between years {earliest} and {latest}",
            {"earliest": EARLIEST_YEAR, "latest": LATEST_YEAR},
        )
    return value


def _date_in_range(value: date) -> date:
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise PydanticCustomError(
            "date_out_of_range",
            "date must be between years {earliest} and {latest}",
            {"earliest": EARLIEST_YEAR, "latest": LATEST_YEAR},
        )
    return value


DbId = Annotated[int, Field(ge=1, le=DB_INT_MAX)]
When = Annotated[datetime, AfterValidator(_aware_in_range)]
Day = Annotated[date, AfterValidator(_date_in_range)]
Username = text(150, min_length=1)


CONFIRM_DATES = (
    "True keeps a date far ahead (an order over a month, an activity over two years, a "
    "close date over three years, an interaction after tomorrow), which is otherwise "
    "refused as a likely typo"
)


class InSchema(Schema):
    """A request body: unknown fields are an error (they are usually typos)."""

    model_config = ConfigDict(extra="forbid")


def patch_schema(schema: type[InSchema], name: str, exclude: Sequence[str] = ()) -> Any:
    """``schema`` with every field optional but not nullable unless it was: a PATCH body
    sets only the fields it names (read them with ``model_dump(exclude_unset=True)``)."""
    fields: dict[str, Any] = {}
    for field_name, info in schema.model_fields.items():
        if field_name in exclude:
            continue
        optional = copy.copy(info)
        optional.default = None
        optional.default_factory = None
        optional.validate_default = False
        fields[field_name] = (info.annotation, optional)
    return create_model(name, __base__=InSchema, __doc__=f"Patch of {schema.__name__}.", **fields)


# --- errors and permissions ---------------------------------------------------------


class FieldError(Schema):
    field: str
    code: str
    message: str


class ErrorOut(Schema):
    detail: str
    errors: list[FieldError]


ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def invalid(field: str, message: str, code: str = "invalid") -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def require_perm(request: HttpRequest, *perms: str) -> None:
    """403 unless the user holds every permission."""
    missing = [p for p in perms if not request.user.has_perm(p)]
    if missing:
        raise PermissionDenied(f"You need the permission {missing[0]!r} to do this.")


@contextmanager
def fields_renamed(names: Mapping[str, str]) -> Iterator[None]:
    """Re-raise an action's ``ValidationError`` with model field names turned into the
    API's (``customer`` -> ``customer_id``)."""
    try:
        yield
    except ValidationError as e:
        if not hasattr(e, "error_dict"):
            raise
        raise ValidationError(
            {names.get(field, field): errors for field, errors in e.error_dict.items()}
        ) from e


def filter_given(queryset: QuerySet[Any], filters: Schema, *names: str) -> QuerySet[Any]:
    """``queryset`` narrowed to the rows equal to each filter of ``names`` the request
    gave (a filter left out is ``None``; ``False`` and ``0`` are values)."""
    given = filters.model_dump(include=set(names))
    return queryset.filter(**{name: value for name, value in given.items() if value is not None})


def filter_period(
    queryset: QuerySet[Any], field: str, since: datetime | None, until: datetime | None
) -> QuerySet[Any]:
    """Rows whose ``field`` is from ``since`` (included) to ``until`` (excluded), each
    bound only when given."""
    if since is not None:
        queryset = queryset.filter(**{f"{field}__gte": since})
    if until is not None:
        queryset = queryset.filter(**{f"{field}__lt": until})
    return queryset


def get_or_invalid(queryset: QuerySet[Any], pk: int | None, field: str, what: str) -> Any:
    """The row ``pk`` of ``queryset``, or a 422 naming the field."""
    if pk is None:
        return None
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise invalid(field, f"no {what} with id {pk} that you may use", "does_not_exist")
    return obj


def user_by_username(username: str | None, field: str) -> AbstractBaseUser | None:
    if username is None:
        return None
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise invalid(field, f"no active user {username!r}", "does_not_exist")
    return user


def username_of(user: AbstractBaseUser | None) -> str | None:
    return user.get_username() if user is not None else None
