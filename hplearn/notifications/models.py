"""Notification rows and per-user email settings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hplearn.extensions import db
from hplearn.timeutil import UTCDateTime, utcnow

KINDS = {
    "answered": "问题已回答",
    "followup": "学生追问",
    "claim_expiring": "认领即将到期",
    "urgent_alert": "紧急求助",
    "escalated": "问题待认领",
    "moderation": "内容审核",
    "counsellor_change": "心理老师变更",
    "contribution": "投稿审核",
    "afterschool": "课后服务",
    "feedback": "意见建议",
}


class Notification(db.Model):
    """One message in a user's inbox."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_inbox", "user_id", "read_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(String(300))
    link: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def kind_label(self) -> str:
        """The Chinese name of the kind."""
        return KINDS.get(self.kind, self.kind)


class NotificationEmail(db.Model):
    """The address a staff member wants notifications mailed to (students have none: minors)."""

    __tablename__ = "notification_emails"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class OutboxMail(db.Model):
    """One email waiting in the outbox, written in the transaction of the change it tells of.

    The worker sends it (`notifications.outbox` job): pending while next_attempt_at is set, sent
    once sent_at is, given up when neither is (after MAIL_MAX_ATTEMPTS failures).
    """

    __tablename__ = "mail_outbox"
    __table_args__ = (Index("ix_mail_outbox_next_attempt_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(String(500), default="")
