"""Collections: an admin's ordered list of resources for an audience, maybe featured for a while."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hplearn.accounts.models import School
from hplearn.catalog.models import Resource
from hplearn.extensions import db
from hplearn.timeutil import UTCDateTime, utcnow


class Collection(db.Model):
    """A curated list such as a 国家安全教育日 pack."""

    __tablename__ = "collections"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), index=True)
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    stages: Mapped[list[str]] = mapped_column(JSON, default=list)
    grades: Mapped[list[int]] = mapped_column(JSON, default=list)
    featured_from: Mapped[date | None] = mapped_column(Date, index=True)
    featured_to: Mapped[date | None] = mapped_column(Date, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    school: Mapped[School | None] = relationship()
    items: Mapped[list[CollectionItem]] = relationship(
        back_populates="collection",
        order_by="CollectionItem.position",
        cascade="all, delete-orphan",
    )

    @property
    def resources(self) -> list[Resource]:
        """Every resource in order (published or not; callers filter by policy)."""
        return [item.resource for item in self.items]

    @property
    def has_featured_window(self) -> bool:
        """Whether a featured window is set."""
        return self.featured_from is not None or self.featured_to is not None

    def is_featured_on(self, day: date) -> bool:
        """Whether day (an Asia/Shanghai calendar date) falls in the featured window."""
        if not self.has_featured_window:
            return False
        starts = self.featured_from or date.min
        ends = self.featured_to or date.max
        return starts <= day <= ends

    def __repr__(self) -> str:
        return f"<Collection {self.id} {self.title!r}>"


class CollectionItem(db.Model):
    """One resource at one position in a collection."""

    __tablename__ = "collection_items"
    __table_args__ = (UniqueConstraint("collection_id", "resource_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    collection_id: Mapped[int] = mapped_column(
        ForeignKey("collections.id", ondelete="CASCADE"), index=True
    )
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)

    collection: Mapped[Collection] = relationship(back_populates="items")
    resource: Mapped[Resource] = relationship()
