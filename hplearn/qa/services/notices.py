"""Telling teachers: each one whose queue a question enters gets one inbox notification for it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select

from hplearn import policy
from hplearn.accounts.models import User
from hplearn.extensions import db
from hplearn.notifications.services import notify, told_about
from hplearn.qa.models import Question
from hplearn.vocab import QuestionStatus

# The kinds that tell a teacher "this question is in your queue": one of them per question.
QUEUE_KINDS = ("new_question", "escalated")


def question_topic(question: Question) -> str:
    """The notifications' topic for a question ("question:42")."""
    return f"question:{question.id}"


def routed_staff(question: Question, now: datetime) -> list[User]:
    """The active staff whose queue the question is in now (none while hidden, held or taken)."""
    if question.hidden or question.effective_status(now) != QuestionStatus.OPEN:
        return []
    query = select(User).where(User.active.is_(True), User.role.in_(policy.STAFF_ROLES))
    if not question.is_escalated:
        query = query.where(or_(User.school_id == question.school_id,
                                User.id == question.reserved_for_id))
    return [user for user in db.session.scalars(query.order_by(User.id))
            if policy.is_question_routed_to(user, question, now)]


def tell_queue(question: Question, now: datetime, *, kind: str = "new_question",
               message: str | None = None, link: str | None = None) -> int:
    """Notify (in the caller's transaction) each routed teacher not yet told about the question.

    Crisis questions are told by their urgent alerts (hplearn.qa.safety) instead. message and
    link default to the new-question wording; a private question's title is for the one who
    claims it. Returns how many were told.
    """
    if question.mental_health or question.safeguarding:
        return 0
    staff = routed_staff(question, now)
    if not staff:
        return 0
    topic = question_topic(question)
    told = told_about(topic, QUEUE_KINDS, [user.id for user in staff])
    if message is None:
        message, link = new_question_message(question)
    return len(notify([u for u in staff if u.id not in told], kind, message, link or "", topic))


def new_question_message(question: Question) -> tuple[str, str]:
    """The inbox line and link for a question entering a queue."""
    if question.private:
        return f"一个{question.subject}私密问题进入了你的待答列表。", "/qa/queue"
    return f"新问题《{question.title[:40]}》进入了你的待答列表。", f"/qa/{question.id}"
