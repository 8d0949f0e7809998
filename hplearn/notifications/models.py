"""Notification rows and per-user email settings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from hplearn.extensions import db
from hplearn.timeutil import UTCDateTime, utcnow

KINDS = {
    "answered": "问题已回答",
    "followup": "学生追问",
    "claim_expiring": "认领即将到期",
    "urgent_alert": "紧急求助",
    "escalated": "问题待认领",
    "unrouted": "问题待指派",
    "assigned": "问题已指派",
    "moderation": "内容审核",
    "counsellor_change": "心理老师变更",
    "contribution": "投稿审核",
    "afterschool": "课后服务",
    "feedback": "意见建议",
    "new_question": "新问题待答",
}

# How a kind of notification reaches an opted-in mailbox. Urgent alerts go at once, at any hour;
# what entered a teacher's queue waits for the Q&A evening digest (at most one per service
# evening, hplearn.qa.services.digest); a claim about to run out is for the inbox only. Every
# other kind is mailed as it happens.
URGENT_KINDS = frozenset({"urgent_alert"})
DIGEST_KINDS = frozenset({"new_question", "escalated", "followup"})
INBOX_ONLY_KINDS = frozenset({"claim_expiring"})


class Notification(db.Model):
    """One message in a user's inbox."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_inbox", "user_id", "read_at", "id"),
        Index("ix_notifications_topic", "user_id", "topic"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(String(300))
    link: Mapped[str] = mapped_column(String(300), default="")
    # What the note is about, for telling a user once only ("question:42"); empty: no such rule.
    topic: Mapped[str] = mapped_column(String(64), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def kind_label(self) -> str:
        """The Chinese name of the kind."""
        return KINDS.get(self.kind, self.kind)


class NotificationEmail(db.Model):
    """A staff member's notification address and whether they want mail (students have none:
    minors). Mail is off until they switch it on (`enabled`)."""

    __tablename__ = "notification_emails"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    enabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
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
