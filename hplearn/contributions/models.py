"""Contributions (征集): what a teacher submits, every revision of it, and its review."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hplearn.extensions import db
from hplearn.timeutil import UTCDateTime, utcnow
from hplearn.vocab import GRADE_NAMES

if TYPE_CHECKING:
    from hplearn.accounts.models import User

KINDS = {"resource": "单个资源", "package": "课程包（五件套）", "exercises": "为已有资源配练习"}
# The national platform's 五件套, in its order; a part is a file or a text, 练习 an exercise set.
PART_ROLES = {
    "video": "微课视频",
    "slides": "课件",
    "design": "教学设计",
    "worksheet": "学习任务单",
    "exercises": "课后练习",
}
STATUSES = {
    "draft": "草稿",
    "submitted": "待审核",
    "returned": "已退回修改",
    "approved": "已通过",
    "featured": "区级精品",
}
AUDIENCES = {"school": "本校", "public": "全区公开"}
EVENT_ACTIONS = {"submit": "提交审核", "return": "退回修改", "approve": "审核通过",
                 "feature": "推荐为区级精品", "withdraw": "撤回"}


class Contribution(db.Model):
    """One submission by a teacher: a resource, a lesson package, or exercises for a resource.

    draft → submitted → approved (published to the school or to everyone) → featured by the
    district; a reviewer may return it with comments (returned → submitted again). Approval
    publishes ordinary catalog resources (resource_id: the package's or the single resource).
    """

    __tablename__ = "contributions"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    audience: Mapped[str | None] = mapped_column(String(16))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    stage: Mapped[str | None] = mapped_column(String(16))
    grade: Mapped[int | None] = mapped_column(Integer)
    subject: Mapped[str | None] = mapped_column(String(32))
    edition: Mapped[str | None] = mapped_column(String(64))
    volume: Mapped[str | None] = mapped_column(String(64))
    unit: Mapped[str | None] = mapped_column(String(100))
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id"))
    target_resource_id: Mapped[int | None] = mapped_column(ForeignKey("resources.id"))
    resource_id: Mapped[int | None] = mapped_column(ForeignKey("resources.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    review_comment: Mapped[str] = mapped_column(Text, default="")
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    featured_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    parts: Mapped[list[ContributionPart]] = relationship(
        back_populates="contribution", cascade="all, delete-orphan",
        order_by="ContributionPart.id")
    revisions: Mapped[list[ContributionRevision]] = relationship(
        back_populates="contribution", cascade="all, delete-orphan",
        order_by="ContributionRevision.number")
    events: Mapped[list[ContributionEvent]] = relationship(
        back_populates="contribution", cascade="all, delete-orphan",
        order_by="ContributionEvent.id")
    author: Mapped[User] = relationship(foreign_keys=[author_id])

    @property
    def status_label(self) -> str:
        """The Chinese name of the status."""
        return STATUSES.get(self.status, self.status)

    @property
    def kind_label(self) -> str:
        """The Chinese name of the kind."""
        return KINDS.get(self.kind, self.kind)

    @property
    def grade_label(self) -> str:
        """The Chinese name of the grade, or an empty string."""
        return GRADE_NAMES.get(self.grade, "") if self.grade else ""

    def part(self, role: str) -> ContributionPart | None:
        """The part playing this role, or None."""
        return next((p for p in self.parts if p.role == role), None)


class ContributionPart(db.Model):
    """One of a contribution's 五件套: a file (media), a text (Markdown) or an exercise set."""

    __tablename__ = "contribution_parts"
    __table_args__ = (UniqueConstraint("contribution_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(
        ForeignKey("contributions.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    media_id: Mapped[int | None] = mapped_column(ForeignKey("media.id"))
    exercise_set_id: Mapped[int | None] = mapped_column(ForeignKey("exercise_sets.id"))
    resource_id: Mapped[int | None] = mapped_column(ForeignKey("resources.id"), index=True)

    contribution: Mapped[Contribution] = relationship(back_populates="parts")

    @property
    def role_label(self) -> str:
        """The Chinese name of the role."""
        return PART_ROLES.get(self.role, self.role)


class ContributionRevision(db.Model):
    """The whole contribution as it was saved once: kept for ever, compared with difflib."""

    __tablename__ = "contribution_revisions"
    __table_args__ = (UniqueConstraint("contribution_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(
        ForeignKey("contributions.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    snapshot: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    contribution: Mapped[Contribution] = relationship(back_populates="revisions")


class ContributionEvent(db.Model):
    """One step of the review: submitted, returned (with comments), approved, featured…"""

    __tablename__ = "contribution_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(
        ForeignKey("contributions.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str] = mapped_column(Text, default="")
    revision: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    contribution: Mapped[Contribution] = relationship(back_populates="events")
    actor: Mapped[User] = relationship()

    @property
    def action_label(self) -> str:
        """The Chinese name of the step."""
        return EVENT_ACTIONS.get(self.action, self.action)
