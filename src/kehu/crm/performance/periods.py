"""The periods the performance pages report on: this or the last month, quarter or
year, or a range of days the user picks. A period is a range of whole days, both
included; its bounds in time are the CRM's time zone's midnights."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

KINDS = {
    "month": _("This month"),
    "quarter": _("This quarter"),
    "year": _("This year"),
    "last_month": _("Last month"),
    "last_quarter": _("Last quarter"),
    "last_year": _("Last year"),
    "custom": _("Custom range"),
}
DEFAULT = "month"


@dataclass(frozen=True)
class Period:
    kind: str
    start: date
    end: date  # included

    @property
    def since(self) -> datetime:
        """The first moment of the period (aware, in the CRM's time zone)."""
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def until(self) -> datetime:
        """The first moment after the period."""
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))


def month_start(day: date, months_back: int = 0) -> date:
    """The first day of ``day``'s month, or of the month ``months_back`` before it."""
    index = day.year * 12 + day.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


def month_end(first: date) -> date:
    """The last day of the month that starts on ``first``."""
    return month_start(first, -1) - timedelta(days=1)


def period_of(kind: str, today: date, start: date | None = None, end: date | None = None) -> Period:
    """The period ``kind`` (one of :data:`KINDS`) as seen on ``today``; ``custom`` takes
    ``start`` and ``end``."""
    if kind == "custom":
        if start is None or end is None:
            raise ValueError("a custom period needs a start and an end")
        return Period(kind, start, end)
    quarter = month_start(today, (today.month - 1) % 3)
    first, months = {
        "month": (month_start(today), 1),
        "last_month": (month_start(today, 1), 1),
        "quarter": (quarter, 3),
        "last_quarter": (month_start(quarter, 3), 3),
        "year": (date(today.year, 1, 1), 12),
        "last_year": (date(today.year - 1, 1, 1), 12),
    }[kind]
    return Period(kind, first, month_start(first, -months) - timedelta(days=1))


def months_of(start: date, end: date) -> list[date]:
    """The first days of the months from ``start``'s to ``end``'s, in order."""
    months = []
    month = month_start(start)
    while month <= end:
        months.append(month)
        month = month_start(month, -1)
    return months
