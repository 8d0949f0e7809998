"""Asking a question: checking its fields, screening it, routing it (the mental-health lane)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hplearn import policy
from hplearn.catalog.models import Resource
from hplearn.extensions import db
from hplearn.qa import events, safety
from hplearn.qa.models import MENTAL_HEALTH_SUBJECT, Question
from hplearn.qa.services.errors import (
    InvalidQuestion,
    NotAllowed,
    PersonalInformationFound,
)
from hplearn.qa.services.hours import reply_target
from hplearn.qa.services.notices import tell_queue
from hplearn.qa.services.routing import route_new_question
from hplearn.timeutil import utcnow
from hplearn.vocab import QuestionStatus, ResourceStatus, canonical_subject, parse_grade

TITLE_MIN, TITLE_MAX, BODY_MAX, ANSWER_MAX = 4, 200, 5000, 10000


@dataclass(frozen=True)
class QuestionDraft:
    """A question as the student wrote it, validated but not yet stored."""

    title: str
    body: str
    subject: str
    grade: int | None
    anonymous: bool
    private: bool
    resource_id: int | None


def validate_question(
    asker, *, title, body, subject, grade=None, anonymous=False, private=False, resource_id=None
) -> QuestionDraft:
    """Check a question's fields and screen it for personal information; raise InvalidQuestion.

    Nothing is stored. grade defaults to the student's own grade.
    """
    if not policy.can_ask_question(asker):
        raise NotAllowed("只有学生账号可以提问。")
    title = " ".join(str(title or "").split())
    body = str(body or "").strip()
    if not TITLE_MIN <= len(title) <= TITLE_MAX:
        raise InvalidQuestion(f"标题需要 {TITLE_MIN}–{TITLE_MAX} 个字，请把问题说清楚。", "title")
    if len(body) > BODY_MAX:
        raise InvalidQuestion(f"问题描述不能超过 {BODY_MAX} 个字。", "body")
    canonical = canonical_subject(str(subject or ""))
    if canonical is None:
        raise InvalidQuestion("请选择学科。", "subject")
    parsed_grade = _parse_question_grade(grade, asker)
    for field, text in (("title", title), ("body", body)):
        findings = safety.find_personal_information(text)
        if findings:
            raise PersonalInformationFound(findings, field)
    return QuestionDraft(
        title=title, body=body, subject=canonical, grade=parsed_grade,
        anonymous=_as_bool(anonymous), private=_as_bool(private),
        resource_id=_existing_resource_id(resource_id),
    )


def _parse_question_grade(grade, asker) -> int | None:
    if grade is None or grade == "":
        return asker.grade
    parsed = parse_grade(grade)
    if parsed is None:
        raise InvalidQuestion("年级必须是 1–12 年级之一。", "grade")
    return parsed


def _as_bool(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "on", "yes", "y")
    return bool(value)


def _existing_resource_id(resource_id) -> int | None:
    if resource_id is None or resource_id == "":
        return None
    text = str(resource_id).strip()
    if not text.isdecimal() or len(text) > 12:
        raise InvalidQuestion("关联的资源编号不正确。", "resource_id")
    resource = db.session.get(Resource, int(text))
    if resource is None or resource.status != ResourceStatus.PUBLISHED:
        raise InvalidQuestion("关联的资源不存在或已下架。", "resource_id")
    return resource.id


def ask_question(asker, now: datetime | None = None, **fields) -> Question:
    """Validate, screen and store a student's question, then route it.

    fields: title, body, subject, grade, anonymous, private, resource_id (see validate_question).
    A sensitive word holds it for moderation; the mental-health lane makes it private and urgent
    and alerts counsellors, the safeguarding lane (bullying, violence, abuse) the same for the
    school's safeguarding staff. A question nobody of the school teaches goes straight to the
    district pool (routing.route_new_question). Raises InvalidQuestion (PersonalInformationFound)
    with nothing stored.
    """
    now = now or utcnow()
    draft = validate_question(asker, **fields)
    question = Question(
        asker_id=asker.id, school_id=asker.school_id, title=draft.title, body=draft.body,
        subject=draft.subject, grade=draft.grade, anonymous=draft.anonymous,
        private=draft.private, resource_id=draft.resource_id, status=QuestionStatus.OPEN, created_at=now,
    )
    text = f"{draft.title}\n{draft.body}"
    distress = safety.distress_words_in(text)
    danger = safety.safeguarding_words_in(text)
    if draft.subject == MENTAL_HEALTH_SUBJECT or distress:
        safety.enter_mental_health_lane(question, distress, now)
    if danger:
        safety.enter_safeguarding_lane(question, danger)
    if not (question.mental_health or question.safeguarding):
        held = safety.sensitive_words_in(text)
        if held:
            question.status = QuestionStatus.HELD
            question.held_words = "、".join(held)[:300]
    question.due_at = reply_target(now, urgent=question.urgent, school_id=question.school_id)
    db.session.add(question)
    db.session.flush()
    if question.mental_health:
        safety.raise_alert(question, distress)
    if question.safeguarding:
        safety.raise_safeguarding_alert(question, danger)
    if question.status == QuestionStatus.HELD:
        safety.tell_moderators_about_held(question)
    else:
        route_new_question(question, now)
        tell_queue(question, now)
    db.session.commit()
    events.question_asked.send(question)
    return question
