"""Service hours: the official calendar decides the days, the evening cut-off the promise."""

from datetime import date, datetime, time, timedelta

import pytest

from hplearn.qa.service_hours import ServiceHours, parse_schedule, service_hours_between
from hplearn.timeutil import LOCAL_TZ

EVENINGS = ServiceHours()  # Monday–Friday 16:00–20:30 Asia/Shanghai, cut-off 19:30


def local(year, month, day, hour=0, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=LOCAL_TZ)


# 2026-11-30 is a Monday.
MONDAY = (2026, 11, 30)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="aware"):
        EVENINGS.due_by(datetime(2026, 11, 30, 16))
    with pytest.raises(ValueError, match="aware"):
        service_hours_between(datetime(2026, 11, 30), local(*MONDAY, 17), EVENINGS)


def test_between_counts_only_window_time():
    assert service_hours_between(local(*MONDAY, 9), local(*MONDAY, 23), EVENINGS) == 4.5
    assert service_hours_between(local(*MONDAY, 17), local(*MONDAY, 18), EVENINGS) == 1
    assert service_hours_between(local(2026, 12, 5), local(2026, 12, 7), EVENINGS) == 0


def test_between_is_zero_when_end_is_not_after_start():
    assert service_hours_between(local(*MONDAY, 18), local(*MONDAY, 17), EVENINGS) == 0


def test_invalid_schedules_are_refused():
    with pytest.raises(ValueError, match="weekdays"):
        ServiceHours(weekdays=frozenset())
    with pytest.raises(ValueError, match="end after"):
        ServiceHours(start=time(20), end=time(16))
    with pytest.raises(ValueError, match="weekdays"):
        ServiceHours(weekdays=frozenset({0, 8}))
    with pytest.raises(ValueError, match="cut-off"):
        ServiceHours(cutoff=time(21))


def test_a_schedule_with_every_day_closed_fails_instead_of_looping():
    closed = frozenset(date(2026, 11, 30) + timedelta(days=n) for n in range(3700))
    never = ServiceHours(closed_dates=closed)
    with pytest.raises(ValueError, match="no service day"):
        never.due_by(local(*MONDAY, 9))


def test_parse_schedule_reads_configuration_text():
    parsed = parse_schedule("1-5", "16:00", "20:30", ["2026-10-01"])
    assert parsed.weekdays == frozenset({1, 2, 3, 4, 5})
    assert parsed.start == time(16) and parsed.end == time(20, 30)
    assert date(2026, 10, 1) in parsed.closed_dates
    assert parse_schedule("1,3,6-7", "08:00", "09:00", cutoff="08:30").weekdays == frozenset({1, 3, 6, 7})


@pytest.mark.parametrize(("days", "start", "end"), [
    ("0-4", "16:00", "20:30"), ("", "16:00", "20:30"), ("1-5", "4pm", "20:30"),
    ("1-5", "21:00", "20:30"),
])
def test_parse_schedule_refuses_bad_text(days, start, end):
    with pytest.raises(ValueError, match="service"):
        parse_schedule(days, start, end)


def test_describe_is_chinese():
    assert EVENINGS.describe() == "周一至周五 16:00–20:30"
    assert ServiceHours(weekdays=frozenset({6, 7})).describe() == "周六、周日 16:00–20:30"
