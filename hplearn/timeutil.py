"""Timezone-aware UTC timestamps and the local (Asia/Shanghai) calendar."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


def local_date(moment: datetime):
    """Return the calendar date of an aware datetime in Asia/Shanghai."""
    return moment.astimezone(LOCAL_TZ).date()


class UTCDateTime(TypeDecorator):
    """A DateTime column that always stores and returns aware UTC datetimes.

    SQLite keeps no time zone, so values are normalised on the way in and marked
    UTC on the way out; PostgreSQL stores them as timestamptz.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
