"""A student's learning record: favourites (收藏) and recently studied resources (最近学习)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hplearn.extensions import db
from hplearn.timeutil import UTCDateTime, utcnow

if TYPE_CHECKING:
    from hplearn.catalog.models import Resource


class Favourite(db.Model):
    """A resource a student keeps (收藏)."""

    __tablename__ = "learning_favourites"
    __table_args__ = (UniqueConstraint("user_id", "resource_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    resource: Mapped[Resource] = relationship()


class StudyVisit(db.Model):
    """A resource a student opened, when last, and the PDF page they stopped at."""

    __tablename__ = "learning_visits"
    __table_args__ = (
        UniqueConstraint("user_id", "resource_id"),
        Index("ix_learning_visits_recent", "user_id", "last_seen_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"))
    visits: Mapped[int] = mapped_column(Integer, default=1)
    pdf_page: Mapped[int | None] = mapped_column(Integer)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    resource: Mapped[Resource] = relationship()
