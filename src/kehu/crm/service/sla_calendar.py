"""Working-hours arithmetic on a business calendar: working weekdays, a daily window of
hours and holidays, in the calendar's time zone. Pure Python (no database): the service
level code (``kehu.crm.service.sla``) loads the calendar once and calls these.

>>> from datetime import UTC, datetime
>>> cal = WorkingCalendar()  # Monday to Friday, 9:00 to 17:00, UTC
>>> add_working_hours(cal, datetime(2026, 12, 4, 16, tzinfo=UTC), 2)
datetime.datetime(2026, 12, 7, 10, 0, tzinfo=datetime.timezone.utc)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

MAX_DAYS = 3660  # ten years: no target runs longer, and a bad calendar cannot loop forever


class CalendarError(ValueError):
    """A calendar that has no working time, or a value it cannot count with."""


@dataclass(frozen=True)
class WorkingCalendar:
    """When work happens: ``weekdays`` (0 is Monday), from ``start_hour`` to
    ``end_hour`` (24 is midnight at the end of the day) in ``tz``, except ``holidays``."""

    weekdays: frozenset[int] = frozenset(range(5))
    start_hour: int = 9
    end_hour: int = 17
    tz: tzinfo = UTC
    holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not self.weekdays or not self.weekdays <= set(range(7)):
            raise CalendarError(f"weekdays must be some of 0 (Monday) to 6, got {self.weekdays}")
        if not 0 <= self.start_hour < self.end_hour <= 24:
            raise CalendarError(
                "working hours must satisfy 0 <= start < end <= 24, "
                f"got {self.start_hour} to {self.end_hour}"
            )

    @property
    def hours_per_day(self) -> int:
        return self.end_hour - self.start_hour

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.weekdays and day not in self.holidays

    def window(self, day: date) -> tuple[datetime, datetime]:
        """The working window of ``day`` as aware datetimes (DST-correct in ``tz``)."""
        start = datetime.combine(day, time(self.start_hour), self.tz)
        if self.end_hour == 24:
            end = datetime.combine(day + timedelta(days=1), time(0), self.tz)
        else:
            end = datetime.combine(day, time(self.end_hour), self.tz)
        return start, end


def calendar_from(
    weekdays: set[int] | frozenset[int],
    start_hour: int,
    end_hour: int,
    time_zone: str,
    holidays: set[date] | frozenset[date] = frozenset(),
) -> WorkingCalendar:
    """A calendar from plain values, the time zone by its IANA name."""
    try:
        tz = ZoneInfo(time_zone)
    except (ValueError, KeyError) as e:  # ZoneInfoNotFoundError is a KeyError
        raise CalendarError(
            f"time zone must be an IANA name like 'Asia/Shanghai', got {time_zone!r}"
        ) from e
    return WorkingCalendar(frozenset(weekdays), start_hour, end_hour, tz, frozenset(holidays))


def _windows_from(cal: WorkingCalendar, moment: datetime) -> Iterator[tuple[datetime, datetime]]:
    """The working windows that end after ``moment``, in order, the first clipped to
    start no earlier than ``moment``."""
    day = moment.astimezone(cal.tz).date() - timedelta(days=1)  # a window may cross midnight
    for _ in range(MAX_DAYS):
        if cal.is_working_day(day):
            start, end = cal.window(day)
            if end > moment:
                yield max(start, moment), end
        day += timedelta(days=1)
    raise CalendarError(f"no working time within {MAX_DAYS} days of {moment:%Y-%m-%d}")


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise CalendarError(f"a time zone is needed to count working hours, got naive {moment}")
    return moment


def add_working_hours(cal: WorkingCalendar, start: datetime, hours: float) -> datetime:
    """The moment ``hours`` working hours after ``start`` (the next working moment when
    ``hours`` is 0). A target that ends exactly at a day's close ends there, not the next
    morning."""
    if hours < 0:
        raise CalendarError(f"hours must be 0 or more, got {hours}")
    left = timedelta(hours=hours)
    for window_start, window_end in _windows_from(cal, _aware(start)):
        available = window_end - window_start
        if left <= available:
            return (window_start + left).astimezone(start.tzinfo)
        left -= available
    raise AssertionError("unreachable: _windows_from raises when it runs out")


def working_hours_between(cal: WorkingCalendar, start: datetime, end: datetime) -> float:
    """Working hours from ``start`` to ``end``, negative when ``end`` comes first."""
    start, end = _aware(start), _aware(end)
    if end < start:
        return -working_hours_between(cal, end, start)
    total = timedelta()
    for window_start, window_end in _windows_from(cal, start):
        if window_start >= end:
            break
        total += min(window_end, end) - window_start
    return total.total_seconds() / 3600


def subtract_working_hours(cal: WorkingCalendar, end: datetime, hours: float) -> datetime:
    """The moment ``hours`` working hours before ``end`` (never before the calendar's
    working time: the start of the window it falls in)."""
    if hours < 0:
        raise CalendarError(f"hours must be 0 or more, got {hours}")
    end = _aware(end)
    left = timedelta(hours=hours)
    if not left:
        return end
    day = end.astimezone(cal.tz).date() + timedelta(days=1)
    for _ in range(MAX_DAYS):
        if cal.is_working_day(day):
            window_start, window_end = cal.window(day)
            if window_start < end:
                available = min(window_end, end) - window_start
                if left <= available:
                    return (min(window_end, end) - left).astimezone(end.tzinfo)
                left -= available
        day -= timedelta(days=1)
    raise CalendarError(f"no working time within {MAX_DAYS} days before {end:%Y-%m-%d}")
