"""A post of a school or of the district: an announcement, a policy explanation or a story."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hplearn.accounts.models import School, User
from hplearn.extensions import db, one_of
from hplearn.timeutil import UTCDateTime, utcnow

KINDS = {"announcement": "通知公告", "policy": "政策解读", "story": "典型案例"}


class Post(db.Model):
    """One post; school_id None means the district's own. Public once published."""

    __tablename__ = "news_posts"
    __table_args__ = (
        one_of("kind", KINDS),
        Index("ix_news_posts_published", "published_at"),
        Index("ix_news_posts_school_published", "school_id", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"))
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    featured_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # by the district

    school: Mapped[School | None] = relationship()
    author: Mapped[User | None] = relationship()

    @property
    def kind_label(self) -> str:
        """The Chinese name of the kind."""
        return KINDS.get(self.kind, self.kind)

    @property
    def publisher(self) -> str:
        """Who publishes it: the school's name or the district."""
        return self.school.name if self.school else "和平区教育局"
