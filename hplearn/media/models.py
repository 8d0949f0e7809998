"""Media files stored under the instance folder, and students' playback positions."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hplearn.extensions import db
from hplearn.timeutil import UTCDateTime, utcnow

if TYPE_CHECKING:
    from hplearn.qa.models import Question

MEDIA_KINDS = {"video": "视频", "document": "PDF 文档", "image": "图片", "captions": "字幕"}


class Media(db.Model):
    """One uploaded file; its bytes live at <instance>/media/<storage_name>.

    An image added to a Q&A answer, and a photo a student attaches to a question or follow-up,
    names its question: only the question's readers see it. A follow-up's photo also names it.
    """

    __tablename__ = "media"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_name: Mapped[str] = mapped_column(String(80), unique=True)
    original_name: Mapped[str] = mapped_column(String(160), default="")
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # use_alter: media, resources and questions refer to each other in a cycle.
    question_id: Mapped[int | None] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE", use_alter=True), index=True
    )
    followup_id: Mapped[int | None] = mapped_column(
        ForeignKey("question_followups.id", ondelete="CASCADE", use_alter=True), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    question: Mapped[Question | None] = relationship()

    @property
    def kind_label(self) -> str:
        """The Chinese name of the kind."""
        return MEDIA_KINDS.get(self.kind, self.kind)

    def __repr__(self) -> str:
        return f"<Media {self.id} {self.kind}>"


class PlaybackPosition(db.Model):
    """Where a student stopped watching a video, so the next visit resumes there."""

    __tablename__ = "playback_positions"
    __table_args__ = (UniqueConstraint("user_id", "media_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    media_id: Mapped[int] = mapped_column(ForeignKey("media.id", ondelete="CASCADE"))
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
