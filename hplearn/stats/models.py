"""Statistics tables: raw events (kept for the retention period) and daily rollups (kept).

Raw events never hold an IP address or a search's author: a viewer or searcher is a keyed hash
(`person`), and `student_id` is only set on a student's own views, watch time, questions and
sign-ins so that active students can be counted.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from hplearn.extensions import db
from hplearn.timeutil import UTCDateTime, utcnow

# SQLite only auto-increments INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")

EVENT_KINDS = (
    "view", "watch", "search", "sign_in",
    "question_asked", "question_claimed", "question_answered", "question_accepted",
)


class StatEvent(db.Model):
    """One raw usage event, written in batches by the recorder."""

    __tablename__ = "stat_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(20))
    school_id: Mapped[int | None] = mapped_column(Integer)
    student_id: Mapped[int | None] = mapped_column(Integer)
    person: Mapped[str | None] = mapped_column(String(16))
    teacher_id: Mapped[int | None] = mapped_column(Integer)
    resource_id: Mapped[int | None] = mapped_column(Integer)
    question_id: Mapped[int | None] = mapped_column(Integer, index=True)
    stage: Mapped[str | None] = mapped_column(String(16))
    grade: Mapped[int | None] = mapped_column(Integer)
    subject: Mapped[str | None] = mapped_column(String(32))
    topic_id: Mapped[int | None] = mapped_column(Integer)
    resource_kind: Mapped[str | None] = mapped_column(String(16))
    query: Mapped[str | None] = mapped_column(String(100))
    # Seconds watched, a search's result count, first-response minutes; 1 on a view by a
    # visitor who is not signed in.
    value: Mapped[int | None] = mapped_column(Integer)
    dedupe_key: Mapped[str | None] = mapped_column(String(40), unique=True)


class SchoolFigures:
    """A school's totals over a day or a month (school_id NULL: visitors with no school)."""

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    school_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # Which student ids were active, as a bitmap starting at active_offset: the only way to
    # count distinct students over any date range exactly. Never shown.
    active_offset: Mapped[int] = mapped_column(Integer, default=0)
    active_bits: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    sign_ins: Mapped[int] = mapped_column(Integer, default=0)
    views: Mapped[int] = mapped_column(Integer, default=0)
    anonymous_views: Mapped[int] = mapped_column(Integer, default=0)
    watch_seconds: Mapped[int] = mapped_column(Integer, default=0)
    searches: Mapped[int] = mapped_column(Integer, default=0)
    zero_result_searches: Mapped[int] = mapped_column(Integer, default=0)
    view_sample: Mapped[str] = mapped_column(String(90), default="")
    watch_sample: Mapped[str] = mapped_column(String(90), default="")
    search_sample: Mapped[str] = mapped_column(String(90), default="")
    asked: Mapped[int] = mapped_column(Integer, default=0)
    answered: Mapped[int] = mapped_column(Integer, default=0)
    # First-response minutes of the questions answered, {"minutes": count}.
    response_minutes: Mapped[dict] = mapped_column(JSON, default=dict)
    asker_sample: Mapped[str] = mapped_column(String(90), default="")
    built_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SchoolDaily(SchoolFigures, db.Model):
    """One school's totals for one local day."""

    __tablename__ = "stat_school_daily"
    __table_args__ = (UniqueConstraint("day", "school_id"),)

    active_students: Mapped[int] = mapped_column(Integer, default=0)
    weekly_active_students: Mapped[int] = mapped_column(Integer, default=0)


class MonthlyAskers:
    """A monthly Q&A row's askers kept apart: the samples of the days with questions asked and
    of the days with questions answered (a day's `asker_sample` covers both, and a report
    counts the askers behind "answered" only from days with answers, so a month must too)."""

    asked_sample: Mapped[str] = mapped_column(String(90), default="")
    answered_sample: Mapped[str] = mapped_column(String(90), default="")


class SchoolMonthly(MonthlyAskers, SchoolFigures, db.Model):
    """One school's totals for one calendar month (`day` is its first day), merged from days."""

    __tablename__ = "stat_school_monthly"
    __table_args__ = (UniqueConstraint("day", "school_id"),)


class SubjectFigures:
    """Q&A of the whole district for one subject (which subjects' questions wait longest)."""

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    subject: Mapped[str | None] = mapped_column(String(32))
    asked: Mapped[int] = mapped_column(Integer, default=0)
    answered: Mapped[int] = mapped_column(Integer, default=0)
    response_minutes: Mapped[dict] = mapped_column(JSON, default=dict)
    asker_sample: Mapped[str] = mapped_column(String(90), default="")


class SubjectDaily(SubjectFigures, db.Model):
    """District Q&A per day × subject."""

    __tablename__ = "stat_subject_daily"


class SubjectMonthly(MonthlyAskers, SubjectFigures, db.Model):
    """District Q&A per month × subject (`day` is the month's first day)."""

    __tablename__ = "stat_subject_monthly"


# The per-school tables below are indexed by (school_id, day) only: a separate day index tempts
# PostgreSQL into scanning every school's rows of the range (rows are stored in day order).


class UsageFigures:
    """Views and watch time per school × (stage, grade, subject, topic, kind)."""

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    school_id: Mapped[int | None] = mapped_column(Integer)
    stage: Mapped[str | None] = mapped_column(String(16))
    grade: Mapped[int | None] = mapped_column(Integer)
    subject: Mapped[str | None] = mapped_column(String(32))
    topic_id: Mapped[int | None] = mapped_column(Integer)
    resource_kind: Mapped[str | None] = mapped_column(String(16))
    views: Mapped[int] = mapped_column(Integer, default=0)
    watch_seconds: Mapped[int] = mapped_column(Integer, default=0)
    people_sample: Mapped[str] = mapped_column(String(90), default="")


class UsageDaily(UsageFigures, db.Model):
    """Usage per day."""

    __tablename__ = "stat_usage_daily"
    __table_args__ = (Index("ix_stat_usage_daily_school_day", "school_id", "day"),)


class UsageMonthly(UsageFigures, db.Model):
    """Usage per calendar month (`day` is its first day), merged from days."""

    __tablename__ = "stat_usage_monthly"
    __table_args__ = (Index("ix_stat_usage_monthly_school_day", "school_id", "day"),)


class ResourceFigures:
    """Views and watch time of one resource by one school's users."""

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    school_id: Mapped[int | None] = mapped_column(Integer)
    resource_id: Mapped[int] = mapped_column(Integer)
    views: Mapped[int] = mapped_column(Integer, default=0)
    watch_seconds: Mapped[int] = mapped_column(Integer, default=0)
    people_sample: Mapped[str] = mapped_column(String(90), default="")


class ResourceDaily(ResourceFigures, db.Model):
    """One resource × school on one day."""

    __tablename__ = "stat_resource_daily"
    __table_args__ = (Index("ix_stat_resource_daily_school_day", "school_id", "day"),)


class ResourceMonthly(ResourceFigures, db.Model):
    """One resource × school in one calendar month (`day` is its first day), merged from days."""

    __tablename__ = "stat_resource_monthly"
    __table_args__ = (Index("ix_stat_resource_monthly_school_day", "school_id", "day"),)


class SearchFigures:
    """How often one normalized query was searched from one school."""

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    school_id: Mapped[int | None] = mapped_column(Integer)
    query: Mapped[str] = mapped_column(String(100))
    searches: Mapped[int] = mapped_column(Integer, default=0)
    zero_results: Mapped[int] = mapped_column(Integer, default=0)
    people_sample: Mapped[str] = mapped_column(String(90), default="")


class SearchDaily(SearchFigures, db.Model):
    """One query × school on one day."""

    __tablename__ = "stat_search_daily"
    __table_args__ = (Index("ix_stat_search_daily_school_day", "school_id", "day"),)


class SearchMonthly(SearchFigures, db.Model):
    """One query × school in one calendar month (`day` is its first day), merged from days."""

    __tablename__ = "stat_search_monthly"
    __table_args__ = (Index("ix_stat_search_monthly_school_day", "school_id", "day"),)


class QuestionFigures:
    """Q&A activity per school × subject × grade × answering teacher."""

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    school_id: Mapped[int | None] = mapped_column(Integer)
    subject: Mapped[str | None] = mapped_column(String(32))
    grade: Mapped[int | None] = mapped_column(Integer)
    teacher_id: Mapped[int | None] = mapped_column(Integer, index=True)
    asked: Mapped[int] = mapped_column(Integer, default=0)
    claimed: Mapped[int] = mapped_column(Integer, default=0)
    answered: Mapped[int] = mapped_column(Integer, default=0)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    # First-response minutes of the questions answered, {"minutes": count}; the share within
    # the target is computed when read, so changing the target needs no rebuild. Histograms
    # merge by adding counts, so a month's medians and p90s are exact.
    response_minutes: Mapped[dict] = mapped_column(JSON, default=dict)
    asker_sample: Mapped[str] = mapped_column(String(90), default="")


class QuestionDaily(QuestionFigures, db.Model):
    """Q&A per day × school × subject × grade × answering teacher."""

    __tablename__ = "stat_question_daily"
    __table_args__ = (Index("ix_stat_question_daily_school_day", "school_id", "day"),)


class QuestionMonthly(MonthlyAskers, QuestionFigures, db.Model):
    """Q&A per calendar month (`day` is its first day) × school × subject × grade × teacher."""

    __tablename__ = "stat_question_monthly"
    __table_args__ = (Index("ix_stat_question_monthly_school_day", "school_id", "day"),)


class MonthBuilt(db.Model):
    """A month whose monthly rows were merged from its daily rows by this version of the merge.

    Reports read a whole month from the monthly tables only when it is listed here with the
    current version; any other month is read from its days (right, only slower), and the
    rollup job merges unlisted months a few at a time.
    """

    __tablename__ = "stat_months_built"

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    built_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
