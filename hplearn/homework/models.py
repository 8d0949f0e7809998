"""One student's written-homework minutes on one evening."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hplearn.accounts.models import User
from hplearn.extensions import db
from hplearn.timeutil import UTCDateTime, utcnow


class HomeworkReport(db.Model):
    """Tonight's minutes for one student; a second report the same evening replaces the first.

    school_id, grade and class_name are copied when reported, so last term's figures stay those
    of the grade the student was in then.
    """

    __tablename__ = "homework_reports"
    __table_args__ = (
        UniqueConstraint("student_id", "day"),
        CheckConstraint("minutes >= 0 AND minutes <= 600", name="minutes"),
        Index("ix_homework_reports_school_day", "school_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    grade: Mapped[int] = mapped_column(Integer)
    class_name: Mapped[str | None] = mapped_column(String(32))
    day: Mapped[date] = mapped_column(Date)
    minutes: Mapped[int] = mapped_column(Integer)
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    student: Mapped[User] = relationship(foreign_keys=[student_id])
