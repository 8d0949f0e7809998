"""The evening promise (issue 12): asked before 19:30 on a service day, answered by 20:30 that
evening; otherwise by the end of the next service evening, in words a student understands."""

from datetime import date, datetime

import pytest

from hplearn.qa.service_hours import ServiceHours
from hplearn.service_calendar import OfficialDay, describe_deadline, official_day
from hplearn.timeutil import LOCAL_TZ

EVENINGS = ServiceHours()


def local(month, day, hour=0, minute=0, year=2026):
    return datetime(year, month, day, hour, minute, tzinfo=LOCAL_TZ)


def promise(asked, schedule=EVENINGS):
    due = schedule.due_by(asked)
    return due, describe_deadline(due, asked)


def test_wednesday_morning_is_answered_this_evening():
    assert promise(local(12, 9, 11, 22)) == (local(12, 9, 20, 30), "今晚 20:30 前")


def test_wednesday_after_the_cut_off_is_answered_tomorrow():
    assert promise(local(12, 9, 19, 30)) == (local(12, 10, 20, 30), "明天（周四）20:30 前")
    assert promise(local(12, 9, 19, 29))[0] == local(12, 9, 20, 30)


def test_wednesday_late_at_night_is_answered_thursday():
    assert promise(local(12, 9, 23, 50)) == (local(12, 10, 20, 30), "明天（周四）20:30 前")


def test_thursday_after_the_cut_off_seen_on_friday_says_tonight():
    due = EVENINGS.due_by(local(12, 10, 21))
    assert describe_deadline(due, local(12, 11, 8)) == "今晚 20:30 前"


def test_friday_evening_is_answered_monday():
    assert promise(local(12, 11, 20)) == (local(12, 14, 20, 30), "下周一（12月14日）20:30 前")


def test_saturday_is_answered_monday():
    assert promise(local(12, 12, 10)) == (local(12, 14, 20, 30), "后天（周一）20:30 前")


def test_national_day_is_answered_the_first_day_after_it():
    for asked in (local(9, 30, 19, 45), local(10, 1, 9), local(10, 5, 20)):
        assert promise(asked) == (local(10, 8, 20, 30), "节后第一天（10月8日）20:30 前")


def test_the_last_day_of_the_holiday_says_tomorrow():
    assert promise(local(10, 7, 12))[1] == "明天（周四）20:30 前"


def test_a_make_up_saturday_is_a_service_day():
    assert official_day(date(2026, 10, 10)) is OfficialDay.MAKEUP_WORKDAY
    assert EVENINGS.is_service_day(date(2026, 10, 10))
    assert promise(local(10, 10, 15)) == (local(10, 10, 20, 30), "今晚 20:30 前")
    assert promise(local(10, 9, 20)) == (local(10, 10, 20, 30), "明天（周六，调休上班）20:30 前")


def test_an_ordinary_saturday_is_not():
    assert official_day(date(2026, 12, 12)) is OfficialDay.ORDINARY
    assert not EVENINGS.is_service_day(date(2026, 12, 12))


def test_a_closed_date_set_by_an_admin_is_skipped():
    sports_day = ServiceHours(closed_dates=frozenset({date(2026, 12, 10)}))
    assert promise(local(12, 9, 20), sports_day) == (local(12, 11, 20, 30),
                                                     "后天（周五）20:30 前")
    assert promise(local(12, 10, 10), sports_day)[0] == local(12, 11, 20, 30)


def test_a_later_week_names_the_date():
    winter = ServiceHours(closed_dates=frozenset(
        date(2026, 12, day) for day in range(14, 26)))
    assert promise(local(12, 11, 20), winter)[1] == "12月28日（周一）20:30 前"


def test_a_year_the_calendar_does_not_know_keeps_weekdays_and_fixed_holidays():
    assert official_day(date(2027, 1, 1)) is OfficialDay.HOLIDAY
    assert official_day(date(2027, 1, 5)) is OfficialDay.UNKNOWN
    assert promise(local(12, 31, 21)) == (local(1, 4, 20, 30, year=2027),
                                          "节后第一天（2027年1月4日）20:30 前")


def test_the_cut_off_is_configurable():
    early = ServiceHours(cutoff=datetime.strptime("18:00", "%H:%M").time())
    assert early.due_by(local(12, 9, 18, 30)) == local(12, 10, 20, 30)


@pytest.mark.parametrize("asked", [local(12, 9, 11), local(12, 11, 20), local(10, 1, 9)])
def test_the_promise_is_always_the_end_of_a_service_evening(asked):
    due = EVENINGS.due_by(asked)
    assert due > asked and due.time().strftime("%H:%M") == "20:30"
    assert EVENINGS.is_service_day(due.date())
