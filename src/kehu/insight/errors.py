"""The exceptions of :mod:`kehu.insight`: one base class, so callers catch one thing.

- :class:`InsightError` is the base of every error the library raises.
- :class:`InputError` is bad input: a table without a required column, a value outside
  its allowed range, a parameter outside its allowed values. The message names the
  offending value and what is allowed.
- :class:`NotFittedError` is a method that needs a fitted estimator called before
  ``fit``.
"""

from typing import TypeVar

__all__ = [
    "InputError",
    "InsightError",
    "InvalidDataError",
    "InvalidParameterError",
    "NotFittedError",
    "coded",
]


class InsightError(Exception):
    """Base class of every error raised by :mod:`kehu.insight`.

    ``code`` (a stable key, "" when none) and ``params`` (the numbers the message
    quotes) let a caller such as the CRM phrase the message in the user's language
    (:func:`coded`).
    """

    code: str = ""
    params: dict[str, object] = {}  # noqa: RUF012 - read-only default, set per instance


E = TypeVar("E", bound=InsightError)


def coded(error: E, code: str, **params: object) -> E:
    """Give ``error`` a stable ``code`` and the ``params`` its message quotes.

    Parameters
    ----------
    error : InsightError
        The error to label (returned, so that ``raise coded(...)`` reads naturally).
    code : str
        A stable key a caller can translate.
    **params : object
        The values the message quotes.

    Returns
    -------
    InsightError
        ``error`` itself.

    Examples
    --------
    >>> error = coded(InputError("no rows"), "no_rows", n_rows=0)
    >>> error.code, error.params
    ('no_rows', {'n_rows': 0})
    """
    error.code, error.params = code, params
    return error


class InputError(InsightError, ValueError):
    """The input cannot be used as given; the message says what to fix.

    Raised for a table without a required column (the message names it and the
    columns found), a value outside its allowed range (with its row), and a parameter
    outside its allowed values (with the value and the range).
    """


class NotFittedError(InsightError, ValueError, AttributeError):
    """A method that needs a fitted estimator was called before ``fit``.

    A ``ValueError`` and an ``AttributeError``, as scikit-learn's own.
    """


#: Former names of :class:`InputError`, kept importable.
InvalidDataError = InputError
InvalidParameterError = InputError
