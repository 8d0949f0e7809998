"""Date ranges of the statistics: reading from/to safely, and splitting ranges into months."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from hplearn.errors import DomainError
from hplearn.timeutil import local_date, utcnow

MAX_RANGE_DAYS = 366
DEFAULT_RANGE_DAYS = 30
EARLIEST = date(2020, 1, 1)


class StatsError(DomainError):
    """A statistics request refused; its message is shown to the user."""


class InvalidRange(StatsError):
    """A bad from/to date or range."""

    code = "invalid_date_range"


@dataclass(frozen=True)
class Period:
    """An inclusive range of local days."""

    first: date
    last: date

    @property
    def days(self) -> int:
        """How many days the range covers."""
        return (self.last - self.first).days + 1


def today() -> date:
    """Today in Asia/Shanghai."""
    return local_date(utcnow())


def _parse_date(text: str | None, label: str) -> date | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidRange(
            f"{label}“{text[:20]}”不是有效日期，请用 YYYY-MM-DD 格式，例如 2026-09-01。"
        ) from None


def parse_period(args, now: date | None = None) -> Period:
    """Read from/to (YYYY-MM-DD) from a query string; default the last 30 days to today.

    Raises InvalidRange for bad dates, from after to, ranges over 366 days or far dates.
    """
    now = now or today()
    last = _parse_date(args.get("to"), "结束日期") or now
    first = _parse_date(args.get("from"), "开始日期") or last - timedelta(days=DEFAULT_RANGE_DAYS - 1)
    if first > last:
        raise InvalidRange("开始日期不能晚于结束日期。")
    if first < EARLIEST or last > now + timedelta(days=1):
        raise InvalidRange(f"日期必须在 {EARLIEST} 到今天之间。")
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        raise InvalidRange(f"日期范围最长 {MAX_RANGE_DAYS} 天，请缩小范围。")
    return Period(first, last)


def split_period(period: Period, now: date | None = None) -> tuple[list[tuple[date, date]], list[date]]:
    """(day ranges, first days of whole months): whole months are read from monthly rows.

    A month counts as whole when the period covers it to its end, or to today (there are no
    rollups after today).
    """
    now = now or today()
    ranges, months = [], []
    cursor = period.first
    while cursor <= period.last:
        month_end = (cursor.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        if cursor.day == 1 and (month_end <= period.last or period.last >= now):
            months.append(cursor)
        else:
            ranges.append((cursor, min(month_end, period.last)))
        cursor = month_end + timedelta(days=1)
    return ranges, months
