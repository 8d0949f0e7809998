"""Exercise sets (课后练习), their self-checking items, and students' private attempts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hplearn.extensions import db
from hplearn.timeutil import UTCDateTime, utcnow

KIND_LABELS = {"single": "单选题", "multiple": "多选题", "truefalse": "判断题", "blank": "填空题"}


class ExerciseSet(db.Model):
    """A set of items written by one teacher, answerable once attached to a visible resource.

    Before publication it belongs to its author (and the school's reviewers); publishing
    attaches it to a catalog resource and locks it, so the statistics of an item never mix
    two versions of it.
    """

    __tablename__ = "exercise_sets"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200), default="课后练习")
    source: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), index=True)
    resource_id: Mapped[int | None] = mapped_column(ForeignKey("resources.id"), index=True)
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    stage: Mapped[str | None] = mapped_column(String(16))
    grade: Mapped[int | None] = mapped_column(Integer)
    subject: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    items: Mapped[list[ExerciseItem]] = relationship(
        back_populates="exercise_set", order_by="ExerciseItem.position",
        cascade="all, delete-orphan",
    )


class ExerciseItem(db.Model):
    """One question that checks itself: 单选, 多选, 判断 or 填空.

    Subject, grade and the published flag are copied from the set so that its search document
    is built from the row alone (documents are built inside the flush).
    """

    __tablename__ = "exercise_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    set_id: Mapped[int] = mapped_column(ForeignKey("exercise_sets.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    stem: Mapped[str] = mapped_column(Text)
    options: Mapped[list[str]] = mapped_column(JSON, default=list)
    answer: Mapped[dict] = mapped_column(JSON, default=dict)
    explanation: Mapped[str] = mapped_column(Text, default="")
    line: Mapped[int] = mapped_column(Integer, default=1)
    published: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    stage: Mapped[str | None] = mapped_column(String(16))
    grade: Mapped[int | None] = mapped_column(Integer)
    subject: Mapped[str | None] = mapped_column(String(32))

    exercise_set: Mapped[ExerciseSet] = relationship(back_populates="items")

    @property
    def kind_label(self) -> str:
        """The Chinese name of the kind."""
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def blank_count(self) -> int:
        """How many blanks a 填空 item has."""
        return len(self.answer.get("blanks") or [])


class ExerciseAttempt(db.Model):
    """One answer a student gave; only that student ever sees it (teachers see rates)."""

    __tablename__ = "exercise_attempts"
    __table_args__ = (Index("ix_exercise_attempts_item_school", "item_id", "school_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("exercise_items.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"))
    correct: Mapped[bool] = mapped_column(Boolean)
    response: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
