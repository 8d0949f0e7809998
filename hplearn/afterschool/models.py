"""After-school service: each school's plan and guide per term, programmes, sign-ups, places,
attendance and the sessions held (which count as the teachers' service hours)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hplearn.accounts.models import School, User
from hplearn.extensions import db, one_of
from hplearn.timeutil import UTCDateTime, utcnow


class EnrolmentStatus(StrEnum):
    """A student's place in a programme."""

    ENROLLED = "enrolled"
    WAITLISTED = "waitlisted"
    WITHDRAWN = "withdrawn"


class AttendanceStatus(StrEnum):
    """A student's mark at one session."""

    PRESENT = "present"
    ABSENT = "absent"
    LEAVE = "leave"


class Guide(db.Model):
    """One school's 课后服务实施方案 and 指南 for one term, a draft until published."""

    __tablename__ = "afterschool_guides"
    __table_args__ = (UniqueConstraint("school_id", "term"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    term: Mapped[str] = mapped_column(String(6), index=True)  # YYYY-1 autumn, YYYY-2 spring
    plan: Mapped[str] = mapped_column(Text, default="")  # 实施方案, Markdown
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The written reasons for rules the guide breaks (原则上): {rule id: reason}.
    exceptions: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    signup_opens: Mapped[date | None] = mapped_column(Date)
    signup_closes: Mapped[date | None] = mapped_column(Date)
    signup_closed_early_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    allocated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    school: Mapped[School] = relationship()
    programmes: Mapped[list[Programme]] = relationship(
        back_populates="guide", order_by="Programme.id", cascade="all, delete-orphan"
    )
    runs: Mapped[list[AllocationRun]] = relationship(
        back_populates="guide", order_by="AllocationRun.id", cascade="all, delete-orphan"
    )


class Programme(db.Model):
    """One activity of the guide: who it is for, when, where, by whom, for how much."""

    __tablename__ = "afterschool_programmes"

    id: Mapped[int] = mapped_column(primary_key=True)
    guide_id: Mapped[int] = mapped_column(ForeignKey("afterschool_guides.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    category: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text, default="")
    grades: Mapped[list[int]] = mapped_column(JSON, default=list)
    capacity: Mapped[int] = mapped_column(Integer)
    # Seats taken; changed only by conditional UPDATEs that keep it <= capacity.
    enrolled_count: Mapped[int] = mapped_column(Integer, default=0)
    fee_cents: Mapped[int] = mapped_column(Integer, default=0)  # per student per month, in 分
    fee_waiver: Mapped[str] = mapped_column(String(200), default="")  # the 减免 rule (art. 11)
    # [{"weekday": 1-5, "start": "HH:MM", "end": "HH:MM"}], sorted
    slots: Mapped[list[dict]] = mapped_column(JSON, default=list)
    place: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    guide: Mapped[Guide] = relationship(back_populates="programmes")
    staff: Mapped[list[ProgrammeStaff]] = relationship(
        back_populates="programme", order_by="ProgrammeStaff.position",
        cascade="all, delete-orphan",
    )

    @property
    def school_id(self) -> int:
        """The school running it."""
        return self.guide.school_id

    @property
    def term(self) -> str:
        """The term it runs in."""
        return self.guide.term

    @property
    def staff_user_ids(self) -> set[int]:
        """Accounts of the school's teachers among its staff."""
        return {member.user_id for member in self.staff if member.user_id is not None}


class ProgrammeStaff(db.Model):
    """A person running a programme: a teacher of the school, or a retired teacher, volunteer or
    other outside person with a note on their qualification."""

    __tablename__ = "afterschool_programme_staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("afterschool_programmes.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # teacher, retired, volunteer, external
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    qualification: Mapped[str] = mapped_column(String(200), default="")

    programme: Mapped[Programme] = relationship(back_populates="staff")
    user: Mapped[User | None] = relationship()


class PriorityStudent(db.Model):
    """A student the school marks as needing 延时托管 this term: placed first (art. 3)."""

    __tablename__ = "afterschool_priority_students"
    __table_args__ = (UniqueConstraint("guide_id", "student_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    guide_id: Mapped[int] = mapped_column(ForeignKey("afterschool_guides.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Signup(db.Model):
    """A student's ranked choices for a term (made by the student or, later, a parent)."""

    __tablename__ = "afterschool_signups"
    __table_args__ = (UniqueConstraint("guide_id", "student_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    guide_id: Mapped[int] = mapped_column(ForeignKey("afterschool_guides.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    choices: Mapped[list[int]] = mapped_column(JSON, default=list)  # programme ids, best first
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # 自愿 is the family's choice: a bound child's own choices wait for a parent to confirm them
    # and take no part in the allocation meanwhile (issue 14).
    awaiting_parent: Mapped[bool] = mapped_column(Boolean, default=False)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    student: Mapped[User] = relationship(foreign_keys=[student_id])


class Enrolment(db.Model):
    """A student's place in a programme: enrolled, waitlisted (in order) or withdrawn."""

    __tablename__ = "afterschool_enrolments"
    __table_args__ = (
        UniqueConstraint("programme_id", "student_id"),
        Index("ix_afterschool_enrolments_waitlist", "programme_id", "status", "position"),
        one_of("status", EnrolmentStatus),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("afterschool_programmes.id"))
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(12))  # enrolled, waitlisted, withdrawn
    rank: Mapped[int | None] = mapped_column(Integer)  # the choice it met; None: placed by hand
    position: Mapped[int] = mapped_column(Integer, default=0)  # order on the waitlist
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    programme: Mapped[Programme] = relationship()
    student: Mapped[User] = relationship()


class AllocationRun(db.Model):
    """A recorded allocation: its seed and inputs' digest let anyone re-run it exactly."""

    __tablename__ = "afterschool_allocation_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    guide_id: Mapped[int] = mapped_column(ForeignKey("afterschool_guides.id"), index=True)
    seed: Mapped[int] = mapped_column(Integer)
    inputs_digest: Mapped[str] = mapped_column(String(64))
    inputs: Mapped[dict] = mapped_column(JSON, default=dict)  # applicants and offers as solved
    result_digest: Mapped[str] = mapped_column(String(64))  # of the places and waitlists given
    solver: Mapped[str] = mapped_column(String(16))
    enrolled: Mapped[int] = mapped_column(Integer)
    waitlisted: Mapped[int] = mapped_column(Integer)
    unplaced: Mapped[int] = mapped_column(Integer)
    first_choice_share: Mapped[float] = mapped_column(Float)
    run_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    run_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    guide: Mapped[Guide] = relationship(back_populates="runs")


class Attendance(db.Model):
    """Whether a student was present, absent or on leave at one session of a programme."""

    __tablename__ = "afterschool_attendance"
    __table_args__ = (
        UniqueConstraint("programme_id", "day", "student_id"),
        one_of("status", AttendanceStatus),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("afterschool_programmes.id"))
    day: Mapped[date] = mapped_column(Date, index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(8))  # present, absent, leave
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SessionHeld(db.Model):
    """A programme's session that took place (attendance was taken): the service hours of the
    school's teachers on its staff that day."""

    __tablename__ = "afterschool_sessions"
    __table_args__ = (UniqueConstraint("programme_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("afterschool_programmes.id"))
    day: Mapped[date] = mapped_column(Date, index=True)
    minutes: Mapped[int] = mapped_column(Integer)
    staff_user_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    programme: Mapped[Programme] = relationship()
