"""The exceptions of :mod:`kehu.insight`: one base class, so callers catch one thing."""

from typing import TypeVar


class InsightError(Exception):
    """Base class of every error raised by :mod:`kehu.insight`.

    ``code`` (a stable key, "" when none) and ``params`` (the numbers the message
    quotes) let a caller such as the CRM phrase the message in the user's language
    (:func:`coded`)."""

    code: str = ""
    params: dict[str, object] = {}  # noqa: RUF012 - read-only default, set per instance


E = TypeVar("E", bound=InsightError)


def coded(error: E, code: str, **params: object) -> E:
    """``error`` with a stable ``code`` and the ``params`` its message quotes."""
    error.code, error.params = code, params
    return error


class InvalidParameterError(InsightError, ValueError):
    """A parameter is out of its allowed range; the message names the value and the range."""
