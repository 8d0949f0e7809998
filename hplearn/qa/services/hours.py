"""The service hours (答疑时间) read from the settings, and the reply targets they set."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache

from flask import current_app

from hplearn.qa.service_hours import ServiceHours, add_service_hours, parse_schedule


def schedule() -> ServiceHours:
    """The configured service hours."""
    config = current_app.config
    return _cached_schedule(
        str(config["QA_SERVICE_DAYS"]), str(config["QA_SERVICE_START"]),
        str(config["QA_SERVICE_END"]), tuple(config["QA_CLOSED_DATES"] or ()),
    )


@lru_cache(maxsize=8)
def _cached_schedule(days, start, end, closed) -> ServiceHours:
    return parse_schedule(days, start, end, list(closed))


def reply_target(start: datetime, *, urgent: bool) -> datetime:
    """When a question asked (or reopened) at start should have been answered."""
    config = current_app.config
    if urgent:
        return start + timedelta(minutes=float(config["QA_URGENT_TARGET_MINUTES"]))
    return add_service_hours(start, float(config["QA_TARGET_HOURS"]), schedule())


def in_service_hours(now: datetime) -> bool:
    """Whether teachers are answering at this moment."""
    hours = schedule()
    local = now.astimezone(hours.tz)
    opens, closes = hours.window(local.date())
    return hours.is_service_day(local.date()) and opens <= local < closes
