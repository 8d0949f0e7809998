"""Q&A models: questions, answers, follow-ups, reports and mental-health alerts."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hplearn.accounts.models import School, User
from hplearn.extensions import db, one_of
from hplearn.timeutil import UTCDateTime, utcnow
from hplearn.vocab import QuestionStatus

STATUSES = tuple(QuestionStatus)
STATUS_LABELS = {
    QuestionStatus.OPEN: "等待老师认领",
    QuestionStatus.CLAIMED: "老师正在解答",
    QuestionStatus.ANSWERED: "已回答",
    QuestionStatus.CLOSED: "已采纳",
    QuestionStatus.HELD: "等待审核",
}
MENTAL_HEALTH_SUBJECT = "心理健康"


WAITING = "status IN ('open', 'claimed')"
RESERVED = "reserved_for_id IS NOT NULL"
ESCALATED = "escalated_at IS NOT NULL AND status IN ('open', 'claimed')"


class Question(db.Model):
    """A student's question and its place in the teachers' queue.

    The claim lives on the row (claimed_by_id, claimed_until) so that taking it is one
    conditional UPDATE. reserved_for_id sends a follow-up back to the teacher who answered.
    """

    __tablename__ = "questions"
    __table_args__ = (
        Index("ix_questions_queue", "status", "subject", "school_id", "urgent", "created_at"),
        Index(
            "ix_questions_public", "private", "hidden", "created_at", "first_response_at", "status"
        ),
        Index("ix_questions_asker", "asker_id", "created_at"),
        # The queue at district scale: a teacher's subject among the waiting questions only
        # (ix_questions_queue finds every open row first: 140,000 heap rows at a million
        # questions), and the follow-ups reserved for one teacher.
        Index("ix_questions_waiting_subject", "subject", "school_id",
              postgresql_where=text(WAITING), sqlite_where=text(WAITING)),
        Index("ix_questions_reserved", "reserved_for_id",
              postgresql_where=text(RESERVED), sqlite_where=text(RESERVED)),
        # The district pool: escalated questions still waiting, by subject (a few of them;
        # status first, or SQLite prefers ix_questions_queue, which has it first).
        Index("ix_questions_escalated", "status", "subject",
              postgresql_where=text(ESCALATED), sqlite_where=text(ESCALATED)),
        one_of("status", QuestionStatus),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    asker_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"))
    resource_id: Mapped[int | None] = mapped_column(ForeignKey("resources.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    subject: Mapped[str] = mapped_column(String(32))
    grade: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=QuestionStatus.OPEN)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    mental_health: Mapped[bool] = mapped_column(Boolean, default=False)
    # Bullying, violence at home or abuse: private, urgent, for the school's safeguarding staff.
    safeguarding: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden_reason: Mapped[str] = mapped_column(String(300), default="")
    held_words: Mapped[str] = mapped_column(String(300), default="")
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim_warned: Mapped[bool] = mapped_column(Boolean, default=False)
    reserved_for_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # Set by the escalation run (never computed from the clock): the moment the question,
    # still unanswered past its target, was opened to the district's teachers of the subject.
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    asker: Mapped[User] = relationship(foreign_keys=[asker_id])
    claimed_by: Mapped[User | None] = relationship(foreign_keys=[claimed_by_id])
    reserved_for: Mapped[User | None] = relationship(foreign_keys=[reserved_for_id])
    answers: Mapped[list[Answer]] = relationship(
        back_populates="question", order_by="Answer.id", cascade="all, delete-orphan"
    )
    followups: Mapped[list[Followup]] = relationship(
        back_populates="question", order_by="Followup.id", cascade="all, delete-orphan"
    )

    @property
    def status_label(self) -> str:
        """The Chinese name of the status."""
        return STATUS_LABELS.get(self.status, self.status)

    def claim_is_live(self, now: datetime) -> bool:
        """Whether a teacher holds the claim at this moment."""
        return (
            self.status == QuestionStatus.CLAIMED
            and self.claimed_by_id is not None
            and self.claimed_until is not None
            and self.claimed_until >= now
        )

    def effective_status(self, now: datetime) -> str:
        """The status with an expired claim counted as open again."""
        if self.status == QuestionStatus.CLAIMED and not self.claim_is_live(now):
            return QuestionStatus.OPEN
        return self.status

    @property
    def is_escalated(self) -> bool:
        """Escalated and still waiting for an answer: any matching teacher of the district may claim.

        Escalation is a recorded event (escalated_at); an answer ends it.
        """
        return self.escalated_at is not None and self.status in (QuestionStatus.OPEN, QuestionStatus.CLAIMED)

    def __repr__(self) -> str:
        return f"<Question {self.id} {self.status}>"


class Answer(db.Model):
    """A teacher's answer in Markdown."""

    __tablename__ = "answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    accepted: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden_reason: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    question: Mapped[Question] = relationship(back_populates="answers")
    teacher: Mapped[User] = relationship()


class Followup(db.Model):
    """The asker's follow-up question after an answer."""

    __tablename__ = "question_followups"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    question: Mapped[Question] = relationship(back_populates="followups")


class Report(db.Model):
    """Someone's report that a question or answer is inappropriate."""

    __tablename__ = "question_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    answer_id: Mapped[int | None] = mapped_column(ForeignKey("answers.id"))
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(String(300))
    resolved: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    question: Mapped[Question] = relationship()
    answer: Mapped[Answer | None] = relationship()
    reporter: Mapped[User] = relationship()


class Alert(db.Model):
    """A mental-health alert that a person must acknowledge."""

    __tablename__ = "question_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), index=True)
    reason: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    note: Mapped[str] = mapped_column(String(500), default="")

    question: Mapped[Question] = relationship()
    acknowledged_by: Mapped[User | None] = relationship()


WORD_LISTS = {"sensitive": "敏感词（问题先审核再公开）", "distress": "求助词（转入心理支持通道）",
              "safeguarding": "保护词（转给学校安全保护老师）"}


class ModerationWord(db.Model):
    """A word a district admin added in the web UI to a moderation list (beside the files' words)."""

    __tablename__ = "moderation_words"
    __table_args__ = (
        UniqueConstraint("list_name", "word"),
        one_of("list_name", WORD_LISTS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    list_name: Mapped[str] = mapped_column(String(16))
    word: Mapped[str] = mapped_column(String(40))
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    added_by: Mapped[User | None] = relationship()


class ClosedDate(db.Model):
    """Days without Q&A service besides the public holidays: a school's (school_id) or, with no
    school, the whole district's. Set by admins; first_day..last_day inclusive."""

    __tablename__ = "qa_closed_dates"
    __table_args__ = (Index("ix_qa_closed_dates_scope", "school_id", "last_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"))
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(100), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    school: Mapped[School | None] = relationship()


class QueueDigest(db.Model):
    """One evening's e-mail to a teacher listing what entered their queue (at most one per
    teacher per service evening: the unique key decides between two senders)."""

    __tablename__ = "qa_queue_digests"
    __table_args__ = (UniqueConstraint("user_id", "evening"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    evening: Mapped[date] = mapped_column(Date)  # the local service day
    questions: Mapped[int] = mapped_column(Integer)
    # The newest notification it covered: the next digest lists only newer ones.
    last_notification_id: Mapped[int] = mapped_column(Integer)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
