"""Parents and the children bound to them, and the one-time codes a school prints to bind them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hplearn.accounts.models import School, User
from hplearn.extensions import db
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


# policy.is_parent_of and the after-school service ask `user.children`.
User.children = relationship(
    User,
    secondary="parent_links",
    primaryjoin=User.id == ParentLink.parent_id,
    secondaryjoin=User.id == ParentLink.student_id,
    order_by=User.id,
    viewonly=True,
)
