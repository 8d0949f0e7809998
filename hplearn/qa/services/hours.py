"""The service hours (答疑时间) read from the settings and the closed dates, and the promises
they make: a question asked before the evening's cut-off is answered that evening."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from functools import lru_cache

from flask import current_app

from hplearn.qa.service_hours import ServiceHours, parse_schedule
from hplearn.qa.services.closed_dates import closed_days
from hplearn.service_calendar import describe_deadline
from hplearn.timeutil import local_date

# Closed dates are looked up this far ahead of the moment a promise is made.
LOOKAHEAD_DAYS = 400


def schedule(school_id: int | None = None, now: datetime | None = None) -> ServiceHours:
    """The configured service hours, with the closed dates of the district and the school.

    now: where the closed dates that matter begin (default: the settings' dates only).
    """
    config = current_app.config
    hours = _cached_schedule(
        str(config["QA_SERVICE_DAYS"]), str(config["QA_SERVICE_START"]),
        str(config["QA_SERVICE_END"]), str(config["QA_EVENING_CUTOFF"]),
        tuple(config["QA_CLOSED_DATES"] or ()),
    )
    if now is None:
        return hours
    first = local_date(now) - timedelta(days=1)
    return replace(hours, closed_dates=closed_days(school_id, first,
                                                   first + timedelta(days=LOOKAHEAD_DAYS)))


@lru_cache(maxsize=8)
def _cached_schedule(days, start, end, cutoff, closed) -> ServiceHours:
    return parse_schedule(days, start, end, list(closed), cutoff)


def reply_target(start: datetime, *, urgent: bool, school_id: int | None = None) -> datetime:
    """When a question asked (or reopened) at start should have been answered: that evening
    before the cut-off of a service day, else the end of the next service evening."""
    if urgent:
        return start + timedelta(minutes=float(current_app.config["QA_URGENT_TARGET_MINUTES"]))
    return schedule(school_id, start).due_by(start)


def describe_reply_target(question, now: datetime) -> str:
    """The promise in words, seen from now: 今晚 20:30 前, 明天（周四）20:30 前, …"""
    return describe_deadline(question.due_at, now)


def in_service_hours(now: datetime, school_id: int | None = None) -> bool:
    """Whether teachers are answering at this moment."""
    hours = schedule(school_id, now)
    local = now.astimezone(hours.tz)
    opens, closes = hours.window(local.date())
    return hours.is_service_day(local.date()) and opens <= local < closes
