"""Service hours: when teachers answer (weekday evenings in the 5+2 after-school model).

Service days are the configured weekdays as China's official calendar has them (no public
holidays, make-up working days included: hplearn.service_calendar) minus the closed dates.
Pure functions over aware datetimes; nothing here reads the app or the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

from hplearn.service_calendar import evening_deadline, is_working_day
from hplearn.timeutil import LOCAL_TZ


@dataclass(frozen=True)
class ServiceHours:
    """The weekly windows in which questions are answered.

    weekdays: ISO weekdays (1 Monday … 7 Sunday) with service.
    start, end: the daily window in local time (end after start).
    cutoff: questions asked before it on a service day are answered that evening.
    closed_dates: local dates without service (set by admins, besides the public holidays).
    """

    weekdays: frozenset[int] = frozenset({1, 2, 3, 4, 5})
    start: time = time(16, 0)
    end: time = time(20, 30)
    cutoff: time = time(19, 30)
    tz: tzinfo = LOCAL_TZ
    closed_dates: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self):
        if not self.weekdays or not set(self.weekdays) <= set(range(1, 8)):
            raise ValueError("weekdays must be a non-empty set of ISO weekdays 1-7")
        if self.end <= self.start:
            raise ValueError("service hours must end after they start")
        if self.cutoff > self.end:
            raise ValueError("the evening's cut-off must not be after the service end")

    def is_service_day(self, day: date) -> bool:
        """Whether this local date has a service window."""
        return day not in self.closed_dates and is_working_day(day, self.weekdays)

    def due_by(self, moment: datetime) -> datetime:
        """The promise for a question asked at moment: this evening, or the next service one."""
        return evening_deadline(moment, is_service_day=self.is_service_day, cutoff=self.cutoff,
                                end=self.end, tz=self.tz)

    def window(self, day: date) -> tuple[datetime, datetime]:
        """The aware start and end of the window on a local date."""
        return (
            datetime.combine(day, self.start, tzinfo=self.tz),
            datetime.combine(day, self.end, tzinfo=self.tz),
        )

    def describe(self) -> str:
        """A Chinese description such as 周一至周五 16:00–20:30."""
        names = "一二三四五六日"
        days = sorted(self.weekdays)
        if days == list(range(days[0], days[-1] + 1)) and len(days) > 2:
            span = f"周{names[days[0] - 1]}至周{names[days[-1] - 1]}"
        else:
            span = "、".join(f"周{names[d - 1]}" for d in days)
        return f"{span} {self.start:%H:%M}–{self.end:%H:%M}"


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("service-hour arithmetic needs aware datetimes")


def service_hours_between(start: datetime, end: datetime, schedule: ServiceHours) -> float:
    """Return how many service hours lie between two moments (0 when end <= start)."""
    _require_aware(start)
    _require_aware(end)
    if end <= start:
        return 0.0
    local_start = start.astimezone(schedule.tz)
    local_end = end.astimezone(schedule.tz)
    total = timedelta()
    day = local_start.date()
    while day <= local_end.date():
        if schedule.is_service_day(day):
            opens, closes = schedule.window(day)
            overlap = min(closes, local_end) - max(opens, local_start)
            if overlap > timedelta():
                total += overlap
        day += timedelta(days=1)
    return total.total_seconds() / 3600


def parse_schedule(
    days: str, start: str, end: str, closed: list[str] | None = None, cutoff: str = "19:30"
) -> ServiceHours:
    """Build a ServiceHours from configuration text: days "1-5" or "1,2,3", times "16:00".

    Raises ValueError with an English message naming the bad value.
    """
    return ServiceHours(
        weekdays=frozenset(_parse_days(days)),
        start=_parse_time(start),
        end=_parse_time(end),
        cutoff=_parse_time(cutoff),
        closed_dates=frozenset(date.fromisoformat(text) for text in closed or ()),
    )


def _parse_days(text: str) -> set[int]:
    days: set[int] = set()
    for part in str(text).split(","):
        part = part.strip()
        if "-" in part:
            low, high = (int(x) for x in part.split("-", 1))
            days.update(range(low, high + 1))
        elif part:
            days.add(int(part))
    if not days or not days <= set(range(1, 8)):
        raise ValueError(f"bad service days {text!r}: use ISO weekdays such as 1-5")
    return days


def _parse_time(text: str) -> time:
    try:
        return time.fromisoformat(str(text).strip())
    except ValueError:
        raise ValueError(f"bad service time {text!r}: use HH:MM") from None
