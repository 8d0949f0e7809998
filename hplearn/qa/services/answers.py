"""Answers, answer images, acceptance and follow-ups."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from hplearn import policy
from hplearn.accounts.models import User
from hplearn.extensions import db
from hplearn.media.models import Media
from hplearn.media.uploads import save_upload
from hplearn.notifications.services import notify
from hplearn.qa import events, safety
from hplearn.qa.models import Answer, Followup, Question
from hplearn.qa.services.asking import ANSWER_MAX, BODY_MAX
from hplearn.qa.services.errors import (
    InvalidQuestion,
    NotAllowed,
    PersonalInformationFound,
)
from hplearn.qa.services.hours import reply_target
from hplearn.qa.services.notices import question_topic
from hplearn.qa.services.reading import view_question
from hplearn.timeutil import utcnow
from hplearn.vocab import QuestionStatus

NO_LIVE_CLAIM = "请先认领这个问题再回答（认领可能已过期）。"


def _clean_text(body, limit: int, what: str) -> str:
    text = str(body or "").strip()
    if not text:
        raise InvalidQuestion(f"{what}不能为空。", "body")
    if len(text) > limit:
        raise InvalidQuestion(f"{what}不能超过 {limit} 个字。", "body")
    return text


def _answerable_question(question_id: int, teacher, now: datetime) -> Question:
    """The question if this teacher may answer it now; QuestionNotFound or NotAllowed."""
    question = view_question(question_id, teacher, now)
    if not policy.can_answer_question(teacher, question, now):
        raise NotAllowed(NO_LIVE_CLAIM)
    return question


def answer_question(question_id: int, teacher, body, now: datetime | None = None) -> Answer:
    """Store the claiming teacher's Markdown answer and tell the student.

    Idempotent: one conditional UPDATE ends the claim, so of simultaneous submissions (a
    double tap, a retried request) exactly one stores the answer; the others, and any later
    resubmission, get that same answer back when they carry the same text. Without a live
    claim otherwise: NotAllowed.
    """
    now = now or utcnow()
    question = view_question(question_id, teacher, now)
    text = _clean_text(body, ANSWER_MAX, "回答")
    if not policy.can_answer_question(teacher, question, now) or not _end_claim(
            question.id, teacher, now):
        return _same_answer(question.id, teacher, text)
    answer = Answer(question_id=question.id, teacher_id=teacher.id, body=text, created_at=now)
    db.session.add(answer)
    question.status = QuestionStatus.ANSWERED
    question.claimed_until = None
    question.reserved_for_id = None
    question.escalated_at = None
    question.answered_at = now
    if question.first_response_at is None:
        question.first_response_at = now
    notify([question.asker], "answered", f"你的问题《{question.title[:40]}》有老师回答了。",
           f"/qa/{question.id}")
    db.session.commit()
    events.question_answered.send(question, teacher=teacher, answer=answer)
    return answer


def _end_claim(question_id: int, teacher, now: datetime) -> bool:
    """Close this teacher's live claim; False when another request closed it first."""
    result = db.session.execute(
        update(Question)
        .where(Question.id == question_id, Question.claimed_by_id == teacher.id,
               Question.status == QuestionStatus.CLAIMED, Question.claimed_until > now,
               Question.hidden.is_(False))
        .values(status=QuestionStatus.ANSWERED, claimed_until=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _same_answer(question_id: int, teacher, text: str) -> Answer:
    """The teacher's last answer here if it has this text (a resubmission); else NotAllowed."""
    existing = db.session.scalars(
        select(Answer)
        .where(Answer.question_id == question_id, Answer.teacher_id == teacher.id)
        .order_by(Answer.id.desc())
        .limit(1)
    ).first()
    if existing is not None and existing.body == text:
        return existing
    raise NotAllowed(NO_LIVE_CLAIM)


def add_answer_image(
    question_id: int, teacher, stream, client_name: str | None, now: datetime | None = None
) -> Media:
    """Store an image for the answer the teacher is writing; only the question's readers see it.

    stream: the uploaded file (None when none was sent); JPEG, PNG, GIF or WebP, checked from
    its bytes, within the image size limit. Raises QuestionNotFound or NotAllowed (the teacher
    may not answer), InvalidQuestion (no file), or a hplearn.media.uploads.MediaError
    (MediaTooLarge, MediaTypeRefused, ...). Recorded in the audit log.
    """
    now = now or utcnow()
    question = _answerable_question(question_id, teacher, now)
    if stream is None:
        raise InvalidQuestion("请选择要上传的图片。", "file")
    return save_upload(teacher, stream, client_name, "image", school_id=question.school_id,
                       question=question)


def image_markdown(media: Media) -> str:
    """The Markdown line that shows an uploaded image in an answer."""
    return f"![图片](/media/{media.id})"


def with_image(body: str | None, media: Media) -> str:
    """The answer text with the image's Markdown line added at its end."""
    text = str(body or "").rstrip()
    return f"{text}\n\n{image_markdown(media)}" if text else image_markdown(media)


def accept_answer(question_id: int, asker, answer_id: int | None = None) -> Question:
    """The asker accepts an answer (the newest one unless answer_id says which); closes it."""
    question = view_question(question_id, asker)
    if not policy.can_accept_answer(asker, question):
        raise NotAllowed("只有提问的同学可以采纳已回答的问题。")
    candidates = [a for a in question.answers if not a.hidden]
    if answer_id is not None:
        candidates = [a for a in candidates if a.id == answer_id]
    if not candidates:
        raise InvalidQuestion("没有可以采纳的回答。", "answer_id")
    candidates[-1].accepted = True
    question.status = QuestionStatus.CLOSED
    db.session.commit()
    events.answer_accepted.send(question, answer=candidates[-1])
    return question


def _route_to_crisis_lanes(question: Question, text: str, now: datetime) -> None:
    # A follow-up that shows distress or danger moves the question into that lane.
    distress = safety.distress_words_in(text)
    if distress and not question.mental_health:
        safety.enter_mental_health_lane(question, distress, now)
        db.session.flush()
        safety.raise_alert(question, distress)
    danger = safety.safeguarding_words_in(text)
    if danger and not question.safeguarding:
        safety.enter_safeguarding_lane(question, danger)
        db.session.flush()
        safety.raise_safeguarding_alert(question, danger)


def add_followup(question_id: int, asker, body, now: datetime | None = None) -> Followup:
    """The asker follows up; the question reopens to the teacher who answered it."""
    now = now or utcnow()
    question = view_question(question_id, asker, now)
    if not policy.can_follow_up(asker, question):
        raise NotAllowed("只有提问的同学可以在老师回答后追问。")
    text = _clean_text(body, BODY_MAX, "追问")
    findings = safety.find_personal_information(text)
    if findings:
        raise PersonalInformationFound(findings, "body")
    followup = Followup(question_id=question.id, author_id=asker.id, body=text, created_at=now)
    db.session.add(followup)
    teacher = _last_answering_teacher(question)
    question.status = QuestionStatus.OPEN
    question.claimed_by_id = None
    question.claimed_until = None
    question.reserved_for_id = teacher.id if teacher else None
    question.escalated_at = None
    _route_to_crisis_lanes(question, text, now)
    question.due_at = reply_target(now, urgent=question.urgent, school_id=question.school_id)
    if teacher is not None:
        notify([teacher], "followup", f"学生追问了《{question.title[:40]}》。", f"/qa/{question.id}",
               question_topic(question))
    db.session.commit()
    events.question_followed_up.send(question, followup=followup)
    return followup


def _last_answering_teacher(question: Question) -> User | None:
    answers = [a for a in question.answers if not a.hidden]
    return answers[-1].teacher if answers else None
