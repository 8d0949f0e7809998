"""Expiry, reminders and escalation, run by `hplearn qa tick` every few minutes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from hplearn.audit.services import record as audit
from hplearn.extensions import db
from hplearn.notifications.services import notify
from hplearn.qa import events, safety
from hplearn.qa.models import Question
from hplearn.qa.services.notices import tell_queue
from hplearn.qa.services.queue import _open_clause
from hplearn.timeutil import utcnow
from hplearn.vocab import QuestionStatus


@dataclass
class TickReport:
    """What one maintenance run did."""

    expired: int = 0
    warned: int = 0
    escalated: int = 0


def run_maintenance(now: datetime | None = None) -> TickReport:
    """Return run-out claims to the queue, remind claimers, notify on escalation."""
    now = now or utcnow()
    report = TickReport()
    report.expired = db.session.execute(
        update(Question)
        .where(Question.status == QuestionStatus.CLAIMED, Question.claimed_until < now)
        .values(status=QuestionStatus.OPEN, claimed_by_id=None, claimed_until=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    warn_before = now + timedelta(minutes=float(current_app.config["QA_CLAIM_WARN_MINUTES"]))
    for question in db.session.scalars(select(Question).where(
        Question.status == QuestionStatus.CLAIMED, Question.claim_warned.is_(False),
        Question.claimed_until <= warn_before,
    )):
        question.claim_warned = True
        notify([question.claimed_by], "claim_expiring",
               f"你认领的《{question.title[:40]}》即将到期，请尽快回答或放弃认领。",
               f"/qa/{question.id}")
        report.warned += 1
    for question in db.session.scalars(select(Question).where(
        _open_clause(now), Question.hidden.is_(False), Question.due_at <= now,
        Question.escalated_at.is_(None),
    )):
        escalate(question, now)
        report.escalated += 1
    db.session.commit()
    return report


def escalate(question: Question, now: datetime) -> None:
    """Record that an unanswered question goes to the district's teachers, and tell them."""
    question.escalated_at = now
    audit(None, "question.escalate", question, due_at=question.due_at.isoformat())
    _notify_escalation(question, now)


def _notify_escalation(question: Question, now: datetime) -> None:
    if question.safeguarding:
        notify(safety.district_safeguarding_staff(), "urgent_alert",
               "一位学生的安全求助超过时限仍无人认领，请尽快认领。", "/qa/queue")
    if question.mental_health:
        safety.alert_district_counsellors(question)
    elif not question.safeguarding:
        # Teachers told when it was asked are not told again (one notice per question).
        if question.private:
            # The title of a private question is for the one who claims it.
            message = (f"一个{question.subject}私密问题超过答复时限仍未认领，"
                       f"全区{question.subject}老师均可认领。")
            link = "/qa/queue"
        else:
            message = (f"《{question.title[:40]}》超过答复时限仍未认领，"
                       f"全区{question.subject}老师均可认领。")
            link = f"/qa/{question.id}"
        tell_queue(question, now, kind="escalated", message=message, link=link)
    events.question_escalated.send(question)
