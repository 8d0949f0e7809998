"""Answered public questions as search documents (the "question" document type).

Imported by hplearn.qa.init_app, so the type is registered whenever the app exists. A document
holds the question's title and text and its visible answers' text (never who asked or answered).
Documents are built inside the session's flush, so answers are read with a plain SELECT on the
session's connection (it sees rows this flush wrote) instead of loading the relationship.
"""

from __future__ import annotations

from sqlalchemy import select

from hplearn import policy
from hplearn.extensions import db
from hplearn.markup import plain_text
from hplearn.qa.models import Answer, Question
from hplearn.search import SearchDocument, register_document_type
from hplearn.vocab import GRADE_NAMES, QuestionStatus

QUESTION_FACETS = ("subject", "grade")


def question_document(question: Question) -> SearchDocument:
    """A question as plain search data."""
    grade = GRADE_NAMES.get(question.grade, "") if question.grade else ""
    return SearchDocument(
        id=question.id,
        title=question.title,
        body="\n".join([plain_text(question.body), *map(plain_text, visible_answers(question))]),
        keywords=" ".join(word for word in (question.subject, grade) if word),
        fields={"subject": question.subject,
                "grade": str(question.grade) if question.grade else None},
        published_at=question.first_response_at,
    )


def visible_answers(question: Question) -> list[str]:
    """The Markdown of the question's answers that moderators have not hidden, oldest first."""
    if question.id is None:
        return []
    statement = (select(Answer.body)
                 .where(Answer.question_id == question.id, Answer.hidden.is_(False))
                 .order_by(Answer.id))
    return list(db.session.connection().scalars(statement))


def searchable_questions_query():
    """The rows a full reindex reads: answered, not private, not hidden."""
    return (
        select(Question)
        .where(Question.first_response_at.is_not(None), Question.status != QuestionStatus.HELD,
               Question.private.is_(False), Question.hidden.is_(False))
        .order_by(Question.id)
    )


register_document_type(
    "question",
    Question,
    question_document,
    policy.question_is_public,
    rebuild_query=searchable_questions_query,
    facets=QUESTION_FACETS,
    related={Answer: lambda answer: [answer.question] if answer.question else []},
    ignored_attributes=(
        "claimed_by_id", "claimed_until", "claim_warned", "reserved_for_id", "due_at",
        "escalated_at", "urgent",
    ),
)
