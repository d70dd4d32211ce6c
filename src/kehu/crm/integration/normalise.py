"""SQL (DuckDB) that reads text cells as ids, numbers and dates, and the detection of
date formats and decimal commas from a sample of the file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.conf import settings

from kehu.crm.integration.readers import RAW
from kehu.crm.integration.staging import Staging

#: Tried in this order; the first that reads every sampled value wins.
DATE_FORMATS = (
    None,  # ISO 8601, and what DuckDB's cast reads
    "%d/%m/%Y %H:%M",
    "%m/%d/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M:%S",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日",
)
SAMPLE_ROWS = 5000


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def text(column: str | None) -> str:
    """A cell as trimmed text, NULL when empty (or when no column is mapped). The quote
    a CSV export puts before a formula-like cell (``'-1``, ``'=x``: see
    :func:`kehu.crm.lists.neutralise`) goes, so that quarantined rows downloaded, fixed
    and imported again read as they first did."""
    if column is None:
        return "CAST(NULL AS VARCHAR)"
    unquoted = f"REGEXP_REPLACE({quote(column)}, '^''([=+\\-@\t\r])', '\\1')"
    return f"NULLIF(TRIM({unquoted}), '')"


def identifier(column: str | None) -> str:
    """An id as text; ids that went through a floating-point column ("17850.0") lose
    the ``.0`` so that they match the same id written as an integer."""
    return f"REGEXP_REPLACE({text(column)}, '^(-?[0-9]+)\\.0+$', '\\1')"


def number(column: str | None, decimal_comma: bool) -> str:
    """A cell as a number (NULL when it is not one). With ``decimal_comma``,
    ``1.234,5`` is 1234.5; otherwise ``1,234.5`` is. Spaces and currency signs go."""
    cleaned = f"REGEXP_REPLACE({text(column)}, '[\\s¥$€£]|RMB|CNY', '', 'g')"
    if decimal_comma:
        cleaned = f"REPLACE(REPLACE({cleaned}, '.', ''), ',', '.')"
    else:
        cleaned = f"REPLACE({cleaned}, ',', '')"
    return f"TRY_CAST({cleaned} AS DOUBLE)"


#: Dates outside these years are typing errors (or "infinity"), not dates.
FIRST_YEAR, LAST_YEAR = 1900, 2200


#: A cell that starts like an ISO 8601 date (``2024-03-01``, ``2024-03-01T10:00+08:00``)
ISO_DATE = "^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T]|$)"


def timestamp(column: str | None, date_format: str | None) -> str:
    """A cell as a UTC timestamp (NULL when it is not a date in a sane range): an
    offset in the cell (``+08:00``) is honoured; a time without one is local time in
    the staging database's time zone. An ISO 8601 date reads in any column, whatever format
    the column's other dates have (``2024-03-01`` beside ``03/01/2024``)."""
    iso = f"TRY_CAST({text(column)} AS TIMESTAMPTZ)"
    if date_format is None:
        local = iso
    else:
        fmt = date_format.replace("'", "''")
        local = (
            f"COALESCE(CAST(TRY_STRPTIME({text(column)}, '{fmt}') AS TIMESTAMPTZ), "
            f"CASE WHEN regexp_matches({text(column)}, '{ISO_DATE}') THEN {iso} END)"
        )
    utc = f"timezone('UTC', {local})"
    return f"(CASE WHEN year({utc}) BETWEEN {FIRST_YEAR} AND {LAST_YEAR} THEN {utc} END)"


def latest_date(now: datetime | None = None) -> str:
    """The latest order date an import takes without the user's confirmation: the
    setting ``KEHU_IMPORT_FUTURE_DAYS`` (31, as the order form) days after now, as a SQL
    timestamp in UTC (as :func:`timestamp` reads cells)."""
    latest = (now or datetime.now(UTC)).astimezone(UTC) + timedelta(days=future_days())
    return f"TIMESTAMP '{latest.replace(tzinfo=None).isoformat(sep=' ')}'"  # UTC, as cells are


def future_days() -> int:
    """How many days ahead a date may be without the user's confirmation: the setting
    ``KEHU_IMPORT_FUTURE_DAYS`` (31, as the order form)."""
    return int(getattr(settings, "KEHU_IMPORT_FUTURE_DAYS", 31))


def detect_date_format(staging: Staging, column: str) -> str | None:
    """The first of :data:`DATE_FORMATS` that reads the most of a sample of the column
    (ties: the earlier one, so ISO and day-first win); ``None`` means ISO. ISO dates
    count for every format, as they are read in any column."""
    best, best_count = None, -1
    sample = (
        f"(SELECT {text(column)} AS v FROM {RAW} WHERE {text(column)} IS NOT NULL "
        f"LIMIT {SAMPLE_ROWS})"
    )
    for fmt in DATE_FORMATS:
        iso = "TRY_CAST(v AS TIMESTAMPTZ)"
        expr = iso
        if fmt is not None:  # ISO dates read in any column (see :func:`timestamp`)
            iso = f"CASE WHEN regexp_matches(v, '{ISO_DATE}') THEN {iso} END"
            expr = f"COALESCE(TRY_STRPTIME(v, '{fmt}'), {iso})"
        count = staging.one(f"SELECT COUNT({expr}) FROM {sample}", f"dates of {column!r}")[0]
        if count > best_count:
            best, best_count = fmt, count
    return best


def detect_decimal_comma(staging: Staging, columns: list[str]) -> bool:
    """True when the numbers in ``columns`` are written 1.234,56 (or 3,5): more sampled
    values read as numbers that way than the other."""
    if not columns:
        return False
    comma = point = 0
    for column in columns:
        sample = (
            f"(SELECT {text(column)} AS v FROM {RAW} WHERE {text(column)} IS NOT NULL "
            f"LIMIT {SAMPLE_ROWS})"
        )
        row = staging.one(
            "SELECT COUNT(*) FILTER (WHERE regexp_matches(v, '^-?[0-9]{1,3}(\\.[0-9]{3})*,[0-9]+$')"
            " OR regexp_matches(v, '^-?[0-9]+,[0-9]+$')), "
            "COUNT(*) FILTER (WHERE regexp_matches(v, '^-?[0-9]{1,3}(,[0-9]{3})*\\.[0-9]+$')"
            " OR regexp_matches(v, '^-?[0-9]+\\.[0-9]+$')) "
            f"FROM {sample}",
            f"numbers of {column!r}",
        )
        comma += row[0]
        point += row[1]
    return comma > point
