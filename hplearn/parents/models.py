"""Parents and the children bound to them, and the one-time codes a school prints to bind them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hplearn.accounts.models import School, User
from hplearn.extensions import db, one_of
from hplearn.timeutil import UTCDateTime, utcnow


class ParentLink(db.Model):
    """A parent bound to one child (a student account)."""

    __tablename__ = "parent_links"
    __table_args__ = (UniqueConstraint("parent_id", "student_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BindingCode(db.Model):
    """A one-use code a school prints for one student; only its digest is stored."""

    __tablename__ = "parent_binding_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    student: Mapped[User] = relationship(foreign_keys=[student_id])
    school: Mapped[School] = relationship()


class FeedbackCategory(StrEnum):
    """What a parent's 意见建议 is about."""

    AFTERSCHOOL = "课后服务"
    HOMEWORK = "作业负担"
    ONLINE = "线上学习"
    SAFETY = "安全"
    OTHER = "其他"


class Feedback(db.Model):
    """A parent's 意见建议 to a school, and the school's one answer."""

    __tablename__ = "parent_feedback"
    __table_args__ = (one_of("category", FeedbackCategory),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    parent_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    category: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)  # name hidden from the school
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)  # the school's target
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # sent to the district
    reply: Mapped[str | None] = mapped_column(Text)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replied_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    school: Mapped[School] = relationship()
    parent: Mapped[User] = relationship(foreign_keys=[parent_id])

    def status(self, now: datetime) -> str:
        """answered, escalated (past its target, sent to the district) or open."""
        if self.replied_at is not None:
            return "answered"
        if self.escalated_at is not None or self.due_at <= now:
            return "escalated"
        return "open"


class CommitteeMember(db.Model):
    """A parent on a school's 家委会 (set by the school's admins): reads its feedback in aggregate."""

    __tablename__ = "parent_committee_members"
    __table_args__ = (UniqueConstraint("school_id", "parent_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    parent_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    appointed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# policy.is_parent_of and the after-school service ask `user.children`.
User.children = relationship(
    User,
    secondary="parent_links",
    primaryjoin=User.id == ParentLink.parent_id,
    secondaryjoin=User.id == ParentLink.student_id,
    order_by=User.id,
    viewonly=True,
)

# policy.is_committee_member asks `parent.committee_memberships`.
User.committee_memberships = relationship(
    CommitteeMember, primaryjoin=User.id == CommitteeMember.parent_id, viewonly=True)

# policy.has_bound_parent asks `student.parents`.
User.parents = relationship(
    User,
    secondary="parent_links",
    primaryjoin=User.id == ParentLink.student_id,
    secondaryjoin=User.id == ParentLink.parent_id,
    order_by=User.id,
    viewonly=True,
)
