"""The service-hours calculator: only weekday evening windows count towards reply targets."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from hplearn.qa.service_hours import (
    ServiceHours,
    add_service_hours,
    parse_schedule,
    service_hours_between,
)
from hplearn.timeutil import LOCAL_TZ

EVENINGS = ServiceHours()  # Monday–Friday 16:00–20:30 Asia/Shanghai, 4.5 h a day


def local(year, month, day, hour=0, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=LOCAL_TZ)


# 2026-11-30 is a Monday.
MONDAY = (2026, 11, 30)


def test_zero_hours_is_the_start_itself():
    start = local(*MONDAY, 10)
    assert add_service_hours(start, 0, EVENINGS) == start


def test_inside_a_window_hours_simply_add():
    assert add_service_hours(local(*MONDAY, 17), 2, EVENINGS) == local(*MONDAY, 19)


def test_before_the_window_counting_starts_at_opening():
    assert add_service_hours(local(*MONDAY, 9), 1, EVENINGS) == local(*MONDAY, 17)


def test_ending_exactly_at_closing_stays_that_day():
    assert add_service_hours(local(*MONDAY, 16), 4.5, EVENINGS) == local(*MONDAY, 20, 30)


def test_what_does_not_fit_carries_to_the_next_service_day():
    assert add_service_hours(local(*MONDAY, 20), 1, EVENINGS) == local(2026, 12, 1, 16, 30)


def test_after_closing_counting_starts_next_day():
    assert add_service_hours(local(*MONDAY, 22), 0.5, EVENINGS) == local(2026, 12, 1, 16, 30)


def test_weekends_are_skipped():
    friday_evening = local(2026, 12, 4, 20)
    assert add_service_hours(friday_evening, 1, EVENINGS) == local(2026, 12, 7, 16, 30)


def test_asked_on_saturday_counts_from_monday():
    assert add_service_hours(local(2026, 12, 5, 12), 1, EVENINGS) == local(2026, 12, 7, 17)


def test_default_target_of_24_hours_spans_more_than_five_evenings():
    # 24 h = five full evenings (22.5 h) and 1.5 h of the sixth.
    due = add_service_hours(local(*MONDAY, 9), 24, EVENINGS)
    assert due == local(2026, 12, 7, 17, 30)


def test_closed_dates_are_skipped():
    holidays = ServiceHours(closed_dates=frozenset({date(2026, 12, 1)}))
    assert add_service_hours(local(*MONDAY, 20), 1, holidays) == local(2026, 12, 2, 16, 30)


def test_utc_input_is_handled_and_result_is_local():
    start = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # 16:00 in Shanghai
    due = add_service_hours(start, 1, EVENINGS)
    assert due == local(*MONDAY, 17)
    assert due.utcoffset() == timedelta(hours=8)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="aware"):
        add_service_hours(datetime(2026, 11, 30, 16), 1, EVENINGS)
    with pytest.raises(ValueError, match="aware"):
        service_hours_between(datetime(2026, 11, 30), local(*MONDAY, 17), EVENINGS)


def test_negative_hours_are_refused():
    with pytest.raises(ValueError, match="negative"):
        add_service_hours(local(*MONDAY, 17), -1, EVENINGS)


def test_between_counts_only_window_time():
    assert service_hours_between(local(*MONDAY, 9), local(*MONDAY, 23), EVENINGS) == 4.5
    assert service_hours_between(local(*MONDAY, 17), local(*MONDAY, 18), EVENINGS) == 1
    assert service_hours_between(local(2026, 12, 5), local(2026, 12, 7), EVENINGS) == 0


def test_between_is_zero_when_end_is_not_after_start():
    assert service_hours_between(local(*MONDAY, 18), local(*MONDAY, 17), EVENINGS) == 0


@pytest.mark.parametrize("hours", [0.25, 1, 4.5, 7, 24, 50])
@pytest.mark.parametrize("start_hour", [0, 16, 18, 20, 21])
def test_adding_then_measuring_gives_the_hours_back(hours, start_hour):
    start = local(2026, 12, 3, start_hour)
    due = add_service_hours(start, hours, EVENINGS)
    assert service_hours_between(start, due, EVENINGS) == pytest.approx(hours)


def test_a_weekend_schedule_works_too():
    weekend = ServiceHours(weekdays=frozenset({6, 7}), start=time(9), end=time(11))
    assert add_service_hours(local(*MONDAY, 12), 3, weekend) == local(2026, 12, 6, 10)


def test_invalid_schedules_are_refused():
    with pytest.raises(ValueError, match="weekdays"):
        ServiceHours(weekdays=frozenset())
    with pytest.raises(ValueError, match="end after"):
        ServiceHours(start=time(20), end=time(16))
    with pytest.raises(ValueError, match="weekdays"):
        ServiceHours(weekdays=frozenset({0, 8}))


def test_a_schedule_with_every_day_closed_fails_instead_of_looping():
    only_monday = ServiceHours(weekdays=frozenset({1}))
    closed = frozenset(
        d for d in (date(2026, 11, 30) + timedelta(days=7 * n) for n in range(600))
    )
    never = ServiceHours(weekdays=only_monday.weekdays, closed_dates=closed)
    with pytest.raises(ValueError, match="no service day"):
        add_service_hours(local(*MONDAY, 9), 1, never)


def test_parse_schedule_reads_configuration_text():
    parsed = parse_schedule("1-5", "16:00", "20:30", ["2026-10-01"])
    assert parsed.weekdays == frozenset({1, 2, 3, 4, 5})
    assert parsed.start == time(16) and parsed.end == time(20, 30)
    assert date(2026, 10, 1) in parsed.closed_dates
    assert parse_schedule("1,3,6-7", "08:00", "09:00").weekdays == frozenset({1, 3, 6, 7})


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
