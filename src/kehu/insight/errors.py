"""The exceptions of :mod:`kehu.insight`: one base class, so callers catch one thing."""


class InsightError(Exception):
    """Base class of every error raised by :mod:`kehu.insight`."""


class InvalidParameterError(InsightError, ValueError):
    """A parameter is out of its allowed range; the message names the value and the range."""
