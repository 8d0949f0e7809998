"""China's official calendar, and the evening a promise means, in words a student understands.

The State Council's calendar (kept in the `chinesecalendar` library) says which days are
public holidays and which weekend days are make-up working days (调休). Features decide which
weekdays they serve and which dates they close; this module answers "which day is that" and
"how do we say it". Years the library does not know yet (the next year's calendar is published
in the autumn) fall back to the plain weekdays and the holidays on fixed dates, and a warning
is logged once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache

import chinese_calendar

from hplearn.timeutil import LOCAL_TZ

log = logging.getLogger(__name__)

WEEKDAY_NAMES = "一二三四五六日"
# Public holidays on fixed dates (全国年节及纪念日放假办法, 2025): 元旦, 劳动节, 国庆节. The lunar
# ones and the make-up days of a year are known only once the State Council publishes it.
FIXED_HOLIDAYS = frozenset({(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)})
# A schedule without a single service day in this many days is a configuration error.
MAX_DAYS_AHEAD = 3660


class OfficialDay(StrEnum):
    """What the official calendar says about a date."""

    HOLIDAY = "holiday"  # a public holiday (节假日), weekend days of the holiday included
    MAKEUP_WORKDAY = "makeup_workday"  # a weekend day worked to make up for a holiday (调休)
    ORDINARY = "ordinary"  # a weekday, or a weekend day: the weekday rule decides
    UNKNOWN = "unknown"  # a year the library has no data for: the weekday rule decides


@lru_cache(maxsize=4096)
def official_day(day: date) -> OfficialDay:
    """The official calendar's word on a local date."""
    try:
        is_holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        _warn_unknown_year(day.year)
        if (day.month, day.day) in FIXED_HOLIDAYS:
            return OfficialDay.HOLIDAY
        return OfficialDay.UNKNOWN
    if is_holiday and name is not None:
        return OfficialDay.HOLIDAY
    if not is_holiday and day.isoweekday() >= 6:
        return OfficialDay.MAKEUP_WORKDAY
    return OfficialDay.ORDINARY


@lru_cache(maxsize=32)
def _warn_unknown_year(year: int) -> None:
    log.warning("chinesecalendar has no data for %s: service days follow the weekdays only "
                "(upgrade chinesecalendar once the State Council publishes the year)", year)


def is_working_day(day: date, weekdays: frozenset[int]) -> bool:
    """Whether a date is a working day: not a holiday, a 调休 day, or one of the weekdays."""
    kind = official_day(day)
    if kind is OfficialDay.HOLIDAY:
        return False
    return kind is OfficialDay.MAKEUP_WORKDAY or day.isoweekday() in weekdays


def next_day_where(first: date, accepts: Callable[[date], bool]) -> date:
    """The first date from `first` on (itself included) that `accepts`; ValueError if none."""
    day = first
    for _ in range(MAX_DAYS_AHEAD):
        if accepts(day):
            return day
        day += timedelta(days=1)
    raise ValueError("no service day within ten years: check the schedule")


def evening_deadline(moment: datetime, *, is_service_day: Callable[[date], bool], cutoff: time,
                     end: time, tz=LOCAL_TZ) -> datetime:
    """When a question asked at `moment` is promised an answer.

    Before the cut-off of a service day: that evening's end. Otherwise: the end of the next
    service day's evening.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("deadlines need aware datetimes")
    local = moment.astimezone(tz)
    today = local.date()
    if is_service_day(today) and local.time() < cutoff:
        day = today
    else:
        day = next_day_where(today + timedelta(days=1), is_service_day)
    return datetime.combine(day, end, tzinfo=tz)


def describe_deadline(due: datetime, now: datetime, tz=LOCAL_TZ) -> str:
    """Say when `due` is, seen from `now`: 今晚 20:30 前, 明天（周四）20:30 前, 节后第一天（10月8日）…"""
    local_due = due.astimezone(tz)
    today, day = now.astimezone(tz).date(), local_due.date()
    clock = f"{local_due:%H:%M}"
    weekday = f"周{WEEKDAY_NAMES[day.weekday()]}"
    month_day = f"{day.month}月{day.day}日"
    if day.year != today.year:
        month_day = f"{day.year}年{month_day}"
    makeup = "，调休上班" if official_day(day) is OfficialDay.MAKEUP_WORKDAY else ""
    if day == today:
        return f"{'今晚' if local_due.hour >= 18 else '今天'} {clock} 前"
    if day == today + timedelta(days=1):
        return f"明天（{weekday}{makeup}）{clock} 前"
    if day > today and _holiday_between(today, day):
        return f"节后第一天（{month_day}{makeup}）{clock} 前"
    if day == today + timedelta(days=2):
        return f"后天（{weekday}{makeup}）{clock} 前"
    monday = today - timedelta(days=today.weekday())
    if monday <= day < monday + timedelta(days=7):
        return f"本{weekday}（{month_day}{makeup}）{clock} 前"
    if monday + timedelta(days=7) <= day < monday + timedelta(days=14):
        return f"下{weekday}（{month_day}{makeup}）{clock} 前"
    return f"{month_day}（{weekday}{makeup}）{clock} 前"


def _holiday_between(first: date, last: date) -> bool:
    """Whether a public holiday ends the days off just before `last` (looking back to `first`)."""
    day = last - timedelta(days=1)
    while first <= day > last - timedelta(days=15):
        kind = official_day(day)
        if kind is OfficialDay.HOLIDAY:
            return True
        if kind is OfficialDay.MAKEUP_WORKDAY or day.isoweekday() <= 5:
            return False
        day -= timedelta(days=1)
    return False
