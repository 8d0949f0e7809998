"""Catalog models: resources, topics, platforms and link checks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hplearn.extensions import db, one_of
from hplearn.timeutil import UTCDateTime, utcnow
from hplearn.vocab import GRADE_NAMES, PLATFORM_LEVELS, RESOURCE_KINDS, ResourceStatus

DEFAULT_SOURCE = "hplearn"


class Topic(db.Model):
    """A theme (专题) such as 爱国主义教育 that groups resources across subjects."""

    __tablename__ = "topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    summary: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    resources: Mapped[list[Resource]] = relationship(back_populates="topic")

    def __repr__(self) -> str:
        return f"<Topic {self.slug}>"


class Resource(db.Model):
    """One learning resource: a video, document, article, link or textbook."""

    __tablename__ = "resources"
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        # Lists of published resources, newest first, walk this index instead of sorting.
        Index("ix_resources_status_published_at", "status", "published_at", "id"),
        one_of("status", ResourceStatus),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(100), default=DEFAULT_SOURCE)
    external_id: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(16), index=True)
    stage: Mapped[str | None] = mapped_column(String(16), index=True)
    grade: Mapped[int | None] = mapped_column(Integer, index=True)
    subject: Mapped[str | None] = mapped_column(String(32), index=True)
    edition: Mapped[str | None] = mapped_column(String(64), index=True)
    volume: Mapped[str | None] = mapped_column(String(64))
    school_type: Mapped[str | None] = mapped_column(String(32))
    resource_type: Mapped[str | None] = mapped_column(String(64))
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id"), index=True)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    url: Mapped[str | None] = mapped_column(String(1000))
    cover_url: Mapped[str | None] = mapped_column(String(1000))
    media_url: Mapped[str | None] = mapped_column(String(1000))
    status: Mapped[str] = mapped_column(String(16), default=ResourceStatus.PUBLISHED, index=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    view_count: Mapped[int] = mapped_column(Integer, default=0)
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # Managed resources (issue 4): the owning school (None: district or imported) and hosted media.
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), index=True)
    media_id: Mapped[int | None] = mapped_column(ForeignKey("media.id"), index=True)
    caption_ids: Mapped[list[int]] = mapped_column(JSON, default=list, server_default="[]")

    topic: Mapped[Topic | None] = relationship(back_populates="resources")

    @property
    def kind_label(self) -> str:
        """The Chinese name of the kind."""
        return RESOURCE_KINDS.get(self.kind, self.kind)

    @property
    def grade_label(self) -> str:
        """The Chinese name of the grade, or an empty string."""
        return GRADE_NAMES.get(self.grade, "") if self.grade else ""

    @property
    def is_published(self) -> bool:
        """Whether students may see it."""
        return self.status == ResourceStatus.PUBLISHED

    def __repr__(self) -> str:
        return f"<Resource {self.id} {self.title!r}>"


class Platform(db.Model):
    """An online learning platform students are pointed to (national, municipal, district)."""

    __tablename__ = "platforms"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    url: Mapped[str | None] = mapped_column(String(500))
    level: Mapped[str] = mapped_column(String(16))
    needs_login: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str] = mapped_column(Text, default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    # Set when a district admin edits the platform on the site: `init --demo` then leaves it as
    # it is instead of loading platforms.yaml over the edit. A hidden one is not listed.
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    @property
    def level_label(self) -> str:
        """The Chinese name of the level."""
        return PLATFORM_LEVELS.get(self.level, self.level)


class LinkCheck(db.Model):
    """The latest result of visiting one external URL."""

    __tablename__ = "link_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(1000), unique=True)
    status_code: Mapped[int | None] = mapped_column(Integer)
    ok: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str] = mapped_column(String(300), default="")
    elapsed_ms: Mapped[int | None] = mapped_column(Integer)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
