"""Reading and listing questions: who sees which, names shown, lists and search."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from hplearn import policy, search
from hplearn.audit.services import record as audit
from hplearn.extensions import db
from hplearn.pagination import Page, PageRequest, capped_count
from hplearn.qa.models import Answer, Question
from hplearn.qa.services.errors import (
    InvalidQuestion,
    NotAllowed,
    QuestionNotFound,
)
from hplearn.timeutil import utcnow
from hplearn.vocab import QuestionStatus, canonical_subject

ANONYMOUS_NAME = "匿名同学"


def get_question(question_id: int) -> Question:
    """The question with this id, or QuestionNotFound."""
    question = db.session.get(Question, question_id)
    if question is None:
        raise QuestionNotFound("没有找到这个问题。")
    return question


def view_question(question_id: int, viewer, now: datetime | None = None) -> Question:
    """The question if viewer may read it, else QuestionNotFound (no hint that it exists).

    Staff reading a private question (or one in the mental-health lane) is recorded in the
    audit log.
    """
    now = now or utcnow()
    question = get_question(question_id)
    if not policy.can_view_question(viewer, question, now):
        raise QuestionNotFound("没有找到这个问题，或者你没有权限查看。")
    if (question.private or question.mental_health) and not policy.is_question_asker(
        viewer, question
    ):
        audit(viewer, "question.view_private", question)
        db.session.commit()
    return question


CRISIS_ASKER_NAME = "一位学生（身份受保护）"


def asker_name(question: Question, viewer) -> str:
    """The asker as this viewer may see them; anonymous askers stay anonymous to students.

    Staff see who asked an anonymous question, but by the same name as on the student's named
    questions (policy.public_name): staff of another school see only the alias, never more
    than on a named question. The asker of a crisis question (mental-health or safeguarding
    lane) is hidden from staff too: the school's counsellor sees who it is only through
    reveal_identity, which is audited.
    """
    if (question.mental_health or question.safeguarding) and not policy.is_question_asker(
            viewer, question):
        return CRISIS_ASKER_NAME
    if not question.anonymous:
        return policy.public_name(question.asker, viewer)
    if policy.is_question_asker(viewer, question):
        return "我（匿名）"
    if policy.can_see_asker_identity(viewer, question):
        return f"{policy.public_name(question.asker, viewer)}（匿名提问）"
    return ANONYMOUS_NAME


def visible_answers(question: Question, viewer) -> list[Answer]:
    """The answers this viewer may read (moderators also see hidden ones)."""
    if policy.can_moderate_questions(viewer, question.school_id):
        return list(question.answers)
    return [answer for answer in question.answers if not answer.hidden]


def _with_people(query):
    """Load askers, claimers and answers with a query's questions (no query per row)."""
    return query.options(
        selectinload(Question.asker),
        selectinload(Question.claimed_by),
        selectinload(Question.answers).selectinload(Answer.teacher),
    )


def _public_clause():
    """SQL twin of policy.question_is_public."""
    return and_(
        Question.first_response_at.is_not(None),
        Question.status != QuestionStatus.HELD,
        Question.private.is_(False),
        Question.hidden.is_(False),
    )


def list_questions(
    viewer, page_request: PageRequest, *, status=None, subject=None, mine=False,
    exact_total=False,
) -> Page:
    """Questions the viewer may see, newest first.

    exact_total: count every question (the JSON API's contract); otherwise, for pages, the count
    stops 1,000 questions past the page (`capped_count`) and the page says "1000+".

    mine: a student's own questions (every state), a teacher's claimed and answered ones.
    Otherwise answered public questions, plus for admins every non-private question of their
    school (district admins: of the district).
    """
    if status is not None and status not in tuple(QuestionStatus):
        raise InvalidQuestion("状态必须是 open、claimed、answered、closed 或 held。", "status")
    query = select(Question)
    if mine:
        query = query.where(_mine_clause(viewer))
    elif policy.is_district_admin(viewer):
        # Private questions are reached one at a time, where staff views are audited.
        query = query.where(Question.private.is_(False))
    elif policy.is_admin(viewer):
        query = query.where(or_(
            _public_clause(),
            and_(Question.school_id == viewer.school_id, Question.private.is_(False)),
        ))
    else:
        query = query.where(_public_clause())
    if status is not None:
        query = query.where(Question.status == status)
    if subject:
        canonical = canonical_subject(subject)
        if canonical is None:
            raise InvalidQuestion("学科名称无法识别。", "subject")
        query = query.where(Question.subject == canonical)
    total, capped = capped_count(db.session, query.with_only_columns(Question.id), page_request,
                                 exact=exact_total)
    items = db.session.scalars(
        _with_people(query).order_by(Question.created_at.desc(), Question.id.desc())
        .offset(page_request.offset).limit(page_request.per_page)
    )
    return Page(list(items), total, page_request.page, page_request.per_page, total_capped=capped)


def _mine_clause(viewer):
    if policy.is_student(viewer):
        return Question.asker_id == viewer.id
    answered_ids = select(Answer.question_id).where(Answer.teacher_id == viewer.id)
    return or_(Question.claimed_by_id == viewer.id, Question.id.in_(answered_ids))


def questions_for_resource(resource_id: int, viewer, limit: int = 10) -> list[Question]:
    """Answered public questions about one resource, newest first (none for the signed-out)."""
    if not getattr(viewer, "is_authenticated", False):
        return []
    return list(db.session.scalars(
        select(Question).where(Question.resource_id == resource_id, _public_clause())
        .order_by(Question.created_at.desc()).limit(limit)
    ))


def similar_questions(title: str, viewer, limit: int = 5) -> list[Question]:
    """Answered public questions most like this title (any word may match), best first."""
    if not getattr(viewer, "is_authenticated", False):
        return []
    return search.similar(title, doc_type="question", limit=limit)


def search_questions(text: str, viewer, page_request: PageRequest, subject: str | None = None):
    """Full-text search over answered public questions (the search index's "question" type).

    Returns hplearn.search SearchResults whose hits hold the questions.
    """
    if not getattr(viewer, "is_authenticated", False):
        raise NotAllowed("请先登录。")
    filters = {}
    if subject:
        canonical = canonical_subject(subject)
        if canonical is None:
            raise InvalidQuestion("学科名称无法识别。", "subject")
        filters["subject"] = canonical
    return search.query(text, doc_type="question", filters=filters, page=page_request)
