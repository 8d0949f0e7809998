"""Q&A rules: asking, reading, the teachers' queue, claims, answers and follow-ups.

Plain functions with explicit arguments that raise QAError subclasses; the pages, the JSON API
and the CLI all call these. Minors' protection (screening, the mental-health lane, moderation)
lives in hplearn.qa.safety.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from flask import current_app
from sqlalchemy import and_, false, func, or_, select, true, update
from sqlalchemy.orm import selectinload

from hplearn import policy, search
from hplearn.accounts.models import User
from hplearn.audit.services import record as audit
from hplearn.catalog.models import Resource
from hplearn.errors import DomainError
from hplearn.extensions import db
from hplearn.media.models import Media
from hplearn.media.uploads import save_upload
from hplearn.notifications.services import notify
from hplearn.pagination import Page, PageRequest
from hplearn.qa import events, safety
from hplearn.qa.models import MENTAL_HEALTH_SUBJECT, Answer, Followup, Question
from hplearn.qa.service_hours import ServiceHours, add_service_hours, parse_schedule
from hplearn.timeutil import utcnow
from hplearn.vocab import SUBJECTS, QuestionStatus, Role, canonical_subject, parse_grade

TITLE_MIN, TITLE_MAX, BODY_MAX, ANSWER_MAX = 4, 200, 5000, 10000
ANONYMOUS_NAME = "匿名同学"


class QAError(DomainError):
    """A request the Q&A rules refuse; its message is shown to the user."""

    status = 400
    code = "bad_request"


class QuestionNotFound(QAError):
    """No such question, or one the user may not see (the two look the same)."""

    status = 404
    code = "not_found"


class NotAllowed(QAError):
    """The user may see the question but not do this to it."""

    status = 403
    code = "forbidden"


class AlreadyClaimed(QAError):
    """Another teacher holds the claim."""

    status = 409
    code = "already_claimed"


class InvalidQuestion(QAError):
    """Input the rules refuse; field names the form field it concerns."""

    status = 422
    code = "invalid"


class PersonalInformationFound(InvalidQuestion):
    """The text contains personal information; nothing was stored."""

    code = "personal_information"

    def __init__(self, findings, field: str):
        super().__init__(safety.describe_findings(findings), field)
        self.findings = findings


# --- settings -------------------------------------------------------------------------------


def schedule() -> ServiceHours:
    """The configured service hours."""
    config = current_app.config
    return _cached_schedule(
        str(config["QA_SERVICE_DAYS"]), str(config["QA_SERVICE_START"]),
        str(config["QA_SERVICE_END"]), tuple(config["QA_CLOSED_DATES"] or ()),
    )


@lru_cache(maxsize=8)
def _cached_schedule(days, start, end, closed) -> ServiceHours:
    return parse_schedule(days, start, end, list(closed))


def reply_target(start: datetime, *, urgent: bool) -> datetime:
    """When a question asked (or reopened) at start should have been answered."""
    config = current_app.config
    if urgent:
        return start + timedelta(minutes=float(config["QA_URGENT_TARGET_MINUTES"]))
    return add_service_hours(start, float(config["QA_TARGET_HOURS"]), schedule())


def in_service_hours(now: datetime) -> bool:
    """Whether teachers are answering at this moment."""
    hours = schedule()
    local = now.astimezone(hours.tz)
    opens, closes = hours.window(local.date())
    return hours.is_service_day(local.date()) and opens <= local < closes


# --- asking ---------------------------------------------------------------------------------


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
    if not text.isdigit() or len(text) > 12:
        raise InvalidQuestion("关联的资源编号不正确。", "resource_id")
    resource = db.session.get(Resource, int(text))
    if resource is None or resource.status != "published":
        raise InvalidQuestion("关联的资源不存在或已下架。", "resource_id")
    return resource.id


def ask_question(asker, now: datetime | None = None, **fields) -> Question:
    """Validate, screen and store a student's question, then route it.

    fields: title, body, subject, grade, anonymous, private, resource_id (see validate_question).
    A sensitive word holds it for moderation; the mental-health lane makes it private and urgent
    and alerts counsellors. Raises InvalidQuestion (PersonalInformationFound) with nothing stored.
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
    if draft.subject == MENTAL_HEALTH_SUBJECT or distress:
        safety.enter_mental_health_lane(question, distress, now)
    else:
        held = safety.sensitive_words_in(text)
        if held:
            question.status = QuestionStatus.HELD
            question.held_words = "、".join(held)[:300]
    question.due_at = reply_target(now, urgent=question.urgent)
    db.session.add(question)
    db.session.flush()
    if question.mental_health:
        safety.raise_alert(question, distress)
    elif question.status == "held":
        safety.tell_moderators_about_held(question)
    db.session.commit()
    events.question_asked.send(question)
    return question


# --- reading --------------------------------------------------------------------------------


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


def asker_name(question: Question, viewer) -> str:
    """The asker as this viewer may see them; anonymous askers stay anonymous to students."""
    if not question.anonymous:
        return policy.public_name(question.asker, viewer)
    if policy.is_question_asker(viewer, question):
        return "我（匿名）"
    if policy.can_see_asker_identity(viewer, question):
        return f"{question.asker.display_name}（匿名提问）"
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
) -> Page:
    """Questions the viewer may see, newest first.

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
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = db.session.scalars(
        _with_people(query).order_by(Question.created_at.desc(), Question.id.desc())
        .offset(page_request.offset).limit(page_request.per_page)
    )
    return Page(list(items), total, page_request.page, page_request.per_page)


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


# --- the queue ------------------------------------------------------------------------------


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


def _routed_clause(teacher, now: datetime):
    """SQL twin of policy.is_question_routed_to, for listing the queue."""
    escalated = _escalated_clause()
    subjects = [s for s in (teacher.subjects or []) if s in SUBJECTS]
    clauses = []
    if policy.is_teacher(teacher) and subjects:
        grades = teacher.grades or []
        grade_ok = or_(Question.grade.is_(None), Question.grade.in_(grades)) if grades else true()
        # A follow-up goes back to the teacher who answered, of whichever school.
        local = or_(
            and_(Question.reserved_for_id.is_(None), Question.school_id == teacher.school_id),
            Question.reserved_for_id == teacher.id,
        )
        clauses.append(and_(
            Question.mental_health.is_(False), Question.subject.in_(subjects), grade_ok,
            or_(escalated, local),
        ))
    if policy.is_staff(teacher) and teacher.is_counsellor:
        clauses.append(and_(
            Question.mental_health.is_(True),
            or_(escalated, Question.school_id == teacher.school_id),
        ))
    return or_(*clauses) if clauses else false()


def teacher_queue(teacher, now: datetime | None = None, limit: int | None = None) -> list[Question]:
    """The questions this teacher may claim: most urgent first, then oldest."""
    if not policy.is_staff(teacher):
        raise NotAllowed("只有老师可以查看待答问题。")
    now = now or utcnow()
    limit = limit or current_app.config["QA_QUEUE_LIMIT"]
    return list(db.session.scalars(
        _with_people(select(Question))
        .where(Question.hidden.is_(False), _open_clause(now), _routed_clause(teacher, now))
        .order_by(Question.urgent.desc(), Question.created_at, Question.id)
        .limit(limit)
    ))


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


# --- claims ---------------------------------------------------------------------------------


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


# --- answers and follow-ups -----------------------------------------------------------------


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
        raise NotAllowed("请先认领这个问题再回答（认领可能已过期）。")
    return question


def answer_question(question_id: int, teacher, body, now: datetime | None = None) -> Answer:
    """Store the claiming teacher's Markdown answer and tell the student."""
    now = now or utcnow()
    question = _answerable_question(question_id, teacher, now)
    answer = Answer(
        question_id=question.id, teacher_id=teacher.id,
        body=_clean_text(body, ANSWER_MAX, "回答"), created_at=now,
    )
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
    distress = safety.distress_words_in(text)
    if distress and not question.mental_health:
        safety.enter_mental_health_lane(question, distress, now)
        db.session.flush()
        safety.raise_alert(question, distress)
    question.due_at = reply_target(now, urgent=question.urgent)
    if teacher is not None:
        notify([teacher], "followup", f"学生追问了《{question.title[:40]}》。", f"/qa/{question.id}")
    db.session.commit()
    events.question_followed_up.send(question, followup=followup)
    return followup


def _last_answering_teacher(question: Question) -> User | None:
    answers = [a for a in question.answers if not a.hidden]
    return answers[-1].teacher if answers else None


# --- expiry, reminders and escalation (run by `hplearn qa tick` every few minutes) ----------


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
    _notify_escalation(question)


def _notify_escalation(question: Question) -> None:
    if question.mental_health:
        safety.alert_district_counsellors(question)
    else:
        teachers = db.session.scalars(select(User).where(
            User.role == Role.TEACHER, User.active.is_(True)
        ))
        routed = [t for t in teachers if policy.is_question_routed_to(t, question, None)]
        if question.private:
            # The title of a private question is for the one who claims it.
            message = (f"一个{question.subject}私密问题超过答复时限仍未认领，"
                       f"全区{question.subject}老师均可认领。")
            link = "/qa/queue"
        else:
            message = (f"《{question.title[:40]}》超过答复时限仍未认领，"
                       f"全区{question.subject}老师均可认领。")
            link = f"/qa/{question.id}"
        notify(routed, "escalated", message, link)
    events.question_escalated.send(question)
