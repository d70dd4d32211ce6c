"""Working-hours arithmetic (kehu.crm.service.sla_calendar): weekends, holidays, starts
outside working hours, a day ending at midnight, a time zone with daylight saving, and
round trips between adding and counting hours."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kehu.crm.service.sla_calendar import (
    CalendarError,
    WorkingCalendar,
    add_working_hours,
    calendar_from,
    subtract_working_hours,
    working_hours_between,
)

CAL = WorkingCalendar()  # Monday to Friday, 9 to 17, UTC
# Thursday 3 December 2026; Friday the 4th; Monday the 7th


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC)


def test_hours_within_one_working_day():
    assert add_working_hours(CAL, utc(3, 10), 4) == utc(3, 14)


def test_hours_run_over_the_weekend_into_monday():
    assert add_working_hours(CAL, utc(4, 16), 2) == utc(7, 10)


def test_a_target_ending_at_closing_time_ends_there():
    assert add_working_hours(CAL, utc(3, 9), 8) == utc(3, 17)


def test_a_start_before_opening_counts_from_opening():
    assert add_working_hours(CAL, utc(3, 6, 30), 1) == utc(3, 10)


def test_a_start_after_closing_counts_from_the_next_morning():
    assert add_working_hours(CAL, utc(3, 20), 1) == utc(4, 10)


def test_a_start_on_saturday_counts_from_monday_morning():
    assert add_working_hours(CAL, utc(5, 11), 0.5) == utc(7, 9, 30)


def test_zero_hours_is_the_next_working_moment():
    assert add_working_hours(CAL, utc(5, 11), 0) == utc(7, 9)
    assert add_working_hours(CAL, utc(3, 11), 0) == utc(3, 11)


def test_holidays_are_skipped():
    cal = WorkingCalendar(holidays=frozenset({date(2026, 12, 7)}))
    assert add_working_hours(cal, utc(4, 16), 2) == utc(8, 10)
    assert working_hours_between(cal, utc(4, 9), utc(8, 17)) == 16


def test_a_long_target_spans_weeks():
    # 120 working hours of 8 a day are 15 working days: three weeks
    assert add_working_hours(CAL, utc(7, 9), 120) == utc(25, 17)


def test_hours_between_skip_nights_and_weekends():
    assert working_hours_between(CAL, utc(4, 16), utc(7, 10)) == 2
    assert working_hours_between(CAL, utc(5, 0), utc(6, 23)) == 0
    assert working_hours_between(CAL, utc(7, 10), utc(4, 16)) == -2


def test_working_weekdays_and_hours_are_the_calendars():
    cal = WorkingCalendar(weekdays=frozenset({5, 6}), start_hour=0, end_hour=24)
    assert add_working_hours(cal, utc(4, 12), 30) == utc(6, 6)


def test_subtracting_goes_back_over_nights_and_weekends():
    assert subtract_working_hours(CAL, utc(7, 10), 2) == utc(4, 16)
    assert subtract_working_hours(CAL, utc(7, 9), 0) == utc(7, 9)
    assert subtract_working_hours(CAL, utc(3, 17), 8) == utc(3, 9)


def test_daylight_saving_changes_keep_working_hours_local():
    berlin = ZoneInfo("Europe/Berlin")
    cal = WorkingCalendar(tz=berlin)
    # Friday 27 March 2026 16:00 CET; summer time starts Sunday the 29th
    start = datetime(2026, 3, 27, 16, tzinfo=berlin)
    due = add_working_hours(cal, start, 2)
    assert due == datetime(2026, 3, 30, 10, tzinfo=berlin)
    assert due.utcoffset() == timedelta(hours=2)
    assert working_hours_between(cal, start, due) == 2


def test_a_utc_time_is_counted_in_the_calendars_zone():
    cal = calendar_from({0, 1, 2, 3, 4}, 9, 18, "Asia/Shanghai")
    # 02:00 UTC is 10:00 in Shanghai: 8 working hours later is closing time there,
    # 9 are 10:00 the next day
    assert add_working_hours(cal, utc(3, 2), 8) == utc(3, 10)
    assert add_working_hours(cal, utc(3, 2), 9) == utc(4, 2)


def test_adding_and_counting_agree_on_random_moments():
    rng = random.Random(13)
    cal = WorkingCalendar(holidays=frozenset({date(2026, 12, 25)}))
    for _ in range(200):
        start = utc(1, 0) + timedelta(minutes=rng.randrange(0, 40 * 24 * 60))
        hours = rng.choice([0.25, 1, 2, 7.5, 8, 13, 40, 120])
        due = add_working_hours(cal, start, hours)
        assert working_hours_between(cal, start, due) == pytest.approx(hours)
        assert subtract_working_hours(cal, due, hours) >= start


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"weekdays": frozenset()}, "weekdays must be"),
        ({"weekdays": frozenset({7})}, "weekdays must be"),
        ({"start_hour": 17, "end_hour": 9}, "working hours must satisfy"),
        ({"end_hour": 25}, "working hours must satisfy"),
    ],
)
def test_a_calendar_without_working_time_is_refused(kwargs, message):
    with pytest.raises(CalendarError, match=message):
        WorkingCalendar(**kwargs)


def test_bad_values_are_named():
    with pytest.raises(CalendarError, match="IANA name"):
        calendar_from({0}, 9, 17, "Mars/Olympus")
    with pytest.raises(CalendarError, match="hours must be 0 or more, got -1"):
        add_working_hours(CAL, utc(3, 9), -1)
    with pytest.raises(CalendarError, match="naive"):
        add_working_hours(CAL, datetime(2026, 12, 3, 9), 1)
