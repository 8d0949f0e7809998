"""The teachers' queue and claims: what each teacher may take, claiming and giving back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, case, false, func, or_, select, text, true, update

from hplearn import policy
from hplearn.audit.services import record as audit
from hplearn.extensions import db
from hplearn.qa import events
from hplearn.qa.models import ESCALATED, WAITING, Answer, Question
from hplearn.qa.services.errors import (
    AlreadyClaimed,
    NotAllowed,
    QuestionNotFound,
)
from hplearn.qa.services.reading import (
    _with_people,
    get_question,
    view_question,
)
from hplearn.timeutil import utcnow
from hplearn.vocab import SUBJECTS, QuestionStatus, subject_order


def _open_clause(now: datetime):
    """SQL twin of Question.effective_status(now) == "open": open, or a claim no longer live."""
    return or_(
        Question.status == QuestionStatus.OPEN,
        and_(Question.status == QuestionStatus.CLAIMED, or_(
            Question.claimed_by_id.is_(None), Question.claimed_until.is_(None),
            Question.claimed_until < now,
        )),
    )


def _escalated_clause():
    """SQL twin of Question.is_escalated."""
    return and_(
        Question.escalated_at.is_not(None),
        Question.status.in_((QuestionStatus.OPEN, QuestionStatus.CLAIMED)),
    )


# The partial indexes' own condition, written out as SQL text: SQLite uses a partial index only
# for a query that repeats its WHERE term literally (a bound parameter does not match).
_WAITING = text(f"questions.{WAITING}")
_ESCALATED = text(f"questions.{ESCALATED.replace(' status', ' questions.status')}")


def _routed_clause(teacher, now: datetime, *, waiting: bool = False):
    """SQL twin of policy.is_question_routed_to, for listing the queue.

    waiting: only the questions still waiting (open or claimed), as the queue wants them.

    Each branch of the OR is one an index answers on its own (reserved for the teacher; the
    subject's waiting questions of the teacher's school; the subject's escalated waiting ones of
    the district), so the database reads only those rows and not every waiting question of
    the subjects (at a million questions: 14,000 rows for one maths teacher's 700).
    """
    escalated = _escalated_clause()
    not_crisis = and_(Question.mental_health.is_(False), Question.safeguarding.is_(False))
    named = Question.reserved_for_id == teacher.id
    subjects = [s for s in (teacher.subjects or []) if s in SUBJECTS]
    clauses = []
    if policy.is_teacher(teacher):
        # Reserved for this teacher: a follow-up, or an admin's assignment.
        clauses.append(and_(not_crisis, named))
    if policy.is_teacher(teacher) and subjects:
        grades = teacher.grades or []
        grade_ok = or_(Question.grade.is_(None), Question.grade.in_(grades)) if grades else true()
        taught = and_(not_crisis, Question.subject.in_(subjects), grade_ok)
        clauses.append(and_(taught, _WAITING if waiting else true(),
                            Question.reserved_for_id.is_(None),
                            Question.school_id == teacher.school_id))
        clauses.append(and_(taught, _ESCALATED))  # _escalated_clause, as the index says it
    if policy.is_staff(teacher) and teacher.is_counsellor:
        clauses.append(and_(
            Question.mental_health.is_(True),
            or_(escalated, Question.school_id == teacher.school_id, named),
        ))
    if policy.is_staff(teacher) and teacher.is_safeguarding:
        clauses.append(and_(
            Question.safeguarding.is_(True),
            or_(escalated, Question.school_id == teacher.school_id, named),
        ))
    return or_(*clauses) if clauses else false()


def claimable_clause(teacher, now: datetime):
    """SQL for "this teacher may claim it now": the queue, its count and the digest share it."""
    return and_(Question.hidden.is_(False), _open_clause(now),
                _routed_clause(teacher, now, waiting=True))


def teacher_queue(teacher, now: datetime | None = None, limit: int | None = None) -> list[Question]:
    """The questions this teacher may claim: most urgent first, then oldest."""
    if not policy.is_staff(teacher):
        raise NotAllowed("只有老师可以查看待答问题。")
    now = now or utcnow()
    limit = limit or current_app.config["QA_QUEUE_LIMIT"]
    return list(db.session.scalars(
        _with_people(select(Question))
        .where(claimable_clause(teacher, now))
        .order_by(Question.urgent.desc(), Question.created_at, Question.id)
        .limit(limit)
    ))


def queue_count(teacher, now: datetime | None = None, *, cap: int | None = None) -> int:
    """How many questions this teacher may claim now (the 待答 badge): one COUNT query; 0 for
    anyone who is not staff. cap: count no further than that many (the badge says "99+")."""
    if not policy.is_staff(teacher):
        return 0
    claimable = select(Question.id).where(claimable_clause(teacher, now or utcnow()))
    if cap is not None:
        claimable = claimable.limit(cap)
    return db.session.scalar(select(func.count()).select_from(claimable.subquery())) or 0


def my_claims(teacher, now: datetime | None = None) -> list[Question]:
    """Questions this teacher holds a live claim on."""
    now = now or utcnow()
    return list(db.session.scalars(
        select(Question).where(
            Question.claimed_by_id == teacher.id, Question.status == QuestionStatus.CLAIMED,
            Question.claimed_until >= now,
        ).order_by(Question.claimed_until)
    ))


@dataclass(frozen=True)
class AnsweredByTeacher:
    """One question a teacher answered and how long the student waited."""

    question: Question
    answered_at: datetime
    response_minutes: int


def my_answered(teacher, limit: int = 50) -> list[AnsweredByTeacher]:
    """Questions this teacher answered, newest first, with the time to their first answer."""
    rows = db.session.execute(
        select(Question, func.min(Answer.created_at))
        .join(Answer, Answer.question_id == Question.id)
        .where(Answer.teacher_id == teacher.id)
        .group_by(Question.id)
        .order_by(func.min(Answer.created_at).desc())
        .limit(limit)
    ).all()
    return [
        AnsweredByTeacher(q, answered_at, int((answered_at - q.created_at).total_seconds() // 60))
        for q, answered_at in rows
    ]


def median_response_minutes(answered: list[AnsweredByTeacher]) -> int | None:
    """The median of the response times, or None without any."""
    values = sorted(item.response_minutes for item in answered)
    if not values:
        return None
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) // 2


def claim_question(question_id: int, teacher, now: datetime | None = None) -> Question:
    """Take a question so that no other teacher answers it at the same time.

    One conditional UPDATE decides: it succeeds only while nobody holds a live claim, so of
    many simultaneous claims exactly one wins. A confidential question escalated to the
    district is claimed before it is read, and the claim is audited. Raises QuestionNotFound
    if the teacher may neither read nor claim it, NotAllowed if it is not routed to this
    teacher and AlreadyClaimed if someone else holds it.
    """
    now = now or utcnow()
    question = get_question(question_id)
    if not policy.can_view_question(teacher, question, now) and not policy.is_question_routed_to(
        teacher, question, now
    ):
        raise QuestionNotFound("没有找到这个问题，或者你没有权限查看。")
    if question.claim_is_live(now) and question.claimed_by_id == teacher.id:
        return question
    if not policy.can_claim_question(teacher, question, now):
        if question.claim_is_live(now):
            raise AlreadyClaimed("这个问题已经有老师认领了。")
        raise NotAllowed("这个问题不在你的答疑范围内，或已经回答。")
    until = now + timedelta(minutes=float(current_app.config["QA_CLAIM_MINUTES"]))
    result = db.session.execute(
        update(Question)
        .where(
            Question.id == question.id,
            Question.status.in_((QuestionStatus.OPEN, QuestionStatus.CLAIMED)),
            Question.hidden.is_(False),
            or_(Question.claimed_by_id.is_(None), Question.claimed_until < now),
        )
        .values(claimed_by_id=teacher.id, claimed_until=until, status=QuestionStatus.CLAIMED,
                claim_warned=False)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise AlreadyClaimed("这个问题刚刚被其他老师认领了。")
    if policy.question_is_confidential(question):
        audit(teacher, "question.claim_private", question, escalated=question.is_escalated,
              same_school=policy.same_school(teacher, question.school_id))
    db.session.commit()
    db.session.refresh(question)
    events.question_claimed.send(question, teacher=teacher)
    return question


def release_question(question_id: int, teacher, now: datetime | None = None) -> Question:
    """Give a claimed question back to the queue (only the claiming teacher)."""
    now = now or utcnow()
    question = view_question(question_id, teacher, now)
    if not policy.can_answer_question(teacher, question, now):
        raise NotAllowed("只有认领这个问题的老师可以放弃认领。")
    question.status = QuestionStatus.OPEN
    question.claimed_by_id = None
    question.claimed_until = None
    db.session.commit()
    return question


@dataclass(frozen=True)
class SubjectBacklog:
    """A school's questions of one subject still waiting for an answer."""

    subject: str
    unanswered: int
    overdue: int  # past their promise (the evening they were promised by has gone)


def backlog_by_subject(school_id: int, now: datetime) -> list[SubjectBacklog]:
    """The school's unanswered questions (open or claimed, not hidden) by subject, in the
    national subject order, with how many are overdue."""
    overdue = func.sum(case((Question.due_at <= now, 1), else_=0))
    rows = db.session.execute(
        select(Question.subject, func.count(), overdue)
        .where(Question.school_id == school_id, Question.hidden.is_(False),
               Question.status.in_((QuestionStatus.OPEN, QuestionStatus.CLAIMED)))
        .group_by(Question.subject)
    )
    found = [SubjectBacklog(subject, int(count), int(late or 0)) for subject, count, late in rows]
    return sorted(found, key=lambda row: subject_order(row.subject))
