"""No question reaches nobody: routing a question its school cannot answer, and admins naming
the teacher who answers.

A question whose school has nobody to take it (no active teacher of its subject and grade; no
counsellor or safeguarding staff for a crisis question) goes straight to the district pool
(escalated_at, the same rule policy.is_question_routed_to and its SQL twin already know), its
school admins are told once, and the student reads who will answer. Admins see such questions
(unrouted_questions) and assign one to a named teacher (reserved_for_id), audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from hplearn import policy
from hplearn.accounts.models import School, User
from hplearn.audit.services import record as audit
from hplearn.extensions import db
from hplearn.notifications.services import notify
from hplearn.qa.models import Question
from hplearn.qa.services.errors import AlreadyClaimed, InvalidQuestion, NotAllowed, QuestionNotFound
from hplearn.qa.services.hours import describe_reply_target, reply_target
from hplearn.qa.services.notices import question_topic, tell_queue
from hplearn.qa.services.reading import get_question
from hplearn.timeutil import utcnow
from hplearn.vocab import QuestionStatus, Role, grade_label, teacher_title

WAITING = (QuestionStatus.OPEN, QuestionStatus.CLAIMED)
UNROUTED_LIMIT = 200


@dataclass(frozen=True)
class Route:
    """Who will answer a waiting question.

    kind: "school" (its school's teachers), "named" (one teacher: a follow-up or an admin's
    assignment), "district" (nobody at its school: the district's teachers of the subject) or
    "nobody" (nobody at its school nor in the district pool: an admin must assign it).
    """

    kind: str
    teacher: User | None = None

    @property
    def unrouted(self) -> bool:
        """Nobody of the question's school takes it."""
        return self.kind in ("district", "nobody")


def _active_staff(school_id: int | None = None):
    query = select(User).where(User.active.is_(True), User.role.in_(policy.STAFF_ROLES))
    if school_id is not None:
        query = query.where(User.school_id == school_id)
    return list(db.session.scalars(query.order_by(User.id)))


def district_staff_for(question: Question) -> list[User]:
    """The active staff of the district the district pool sends this question to."""
    return [u for u in _active_staff() if policy.could_take_question(u, question)]


def route_of(question: Question, school_staff: list[User] | None = None,
             district_staff: list[User] | None = None) -> Route:
    """Who will answer this question, seen now.

    school_staff, district_staff: the active staff of its school and of the district, when the
    caller has them already (a list of many questions); read from the database otherwise.
    """
    reserved = question.reserved_for
    if reserved is not None and reserved.active and policy.is_question_routed_at_school(
            reserved, question):
        return Route("named", reserved)
    staff = school_staff if school_staff is not None else _active_staff(question.school_id)
    if any(policy.is_question_routed_at_school(u, question) for u in staff):
        return Route("school")
    district = district_staff if district_staff is not None else _active_staff()
    return Route("district" if any(policy.could_take_question(u, question) for u in district)
                 else "nobody")


def _what(question: Question) -> str:
    """The subject and grade a question needs: 八年级数学."""
    return f"{grade_label(question.grade)}{question.subject}"


def _named(question: Question) -> str:
    """How a notice names the question: its title, unless private."""
    if question.private or question.mental_health or question.safeguarding:
        return f"一个{_what(question)}私密问题"
    return f"《{question.title[:40]}》（{_what(question)}）"


def route_new_question(question: Question, now: datetime) -> None:
    """Route a question entering the queue (asked, or released by a moderator); not committed.

    When nobody of its school takes it, it goes to the district pool at once (audited as an
    escalation, reason no_school_teacher), the district's teachers of the subject are told, and
    so, once, are the school's admins (and the district admins when the district has nobody).
    Crisis questions are routed by hplearn.qa.safety and are left alone here.
    """
    if question.mental_health or question.safeguarding or question.status not in WAITING:
        return
    if not route_of(question).unrouted:
        return
    question.escalated_at = now
    audit(None, "question.escalate", question, reason="no_school_teacher")
    tell_queue(question, now, kind="escalated",
               message=f"{_named(question)}所在学校没有教这门课的老师，全区{question.subject}老师均可认领。",
               link="/qa/queue" if policy.question_is_confidential(question) else f"/qa/{question.id}")
    if district_staff_for(question):
        message = (f"{_named(question)}：本校没有教{_what(question)}的老师，已转给全区的"
                   f"{question.subject}老师。也可以指派给一位老师。")
        admins = _school_admins(question.school_id)
    else:
        message = (f"{_named(question)}：本校和全区都没有教{_what(question)}的老师，"
                   f"请指派一位老师解答。")
        admins = _school_admins(question.school_id) + _district_admins()
    notify(admins, "unrouted", message, "/qa/unrouted", question_topic(question))


def _school_admins(school_id: int | None) -> list[User]:
    return list(db.session.scalars(select(User).where(
        User.active.is_(True), User.role == Role.SCHOOL_ADMIN, User.school_id == school_id,
    ).order_by(User.id)))


def _district_admins() -> list[User]:
    return list(db.session.scalars(select(User).where(
        User.active.is_(True), User.role == Role.DISTRICT_ADMIN).order_by(User.id)))


def route_note(question: Question, route: Route, now: datetime) -> str:
    """What the question's page says about who answers it and when (waiting, not crisis)."""
    due = describe_reply_target(question, now)
    if route.kind == "named":
        if question.due_at <= now:
            return f"已请{teacher_title(route.teacher.display_name)}解答，已过预计回复时间，老师会尽快回复。"
        return f"已请{teacher_title(route.teacher.display_name)}解答，预计{due}回复。"
    if route.kind == "district":
        if question.due_at <= now:
            return (f"本校暂时没有教这门课的老师，问题已转给全区的{question.subject}老师，"
                    f"已过预计回复时间，请再耐心等一等。")
        return f"本校暂时没有教这门课的老师，问题已转给全区的{question.subject}老师，预计{due}回复。"
    if route.kind == "nobody":
        return (f"本校和全区暂时都没有教{_what(question)}的老师。学校管理员已收到提醒，"
                f"会尽快请一位老师解答，安排好后会通知你回复时间。")
    return ""


@dataclass(frozen=True)
class UnroutedQuestion:
    """A waiting question nobody of its school takes, and whom an admin may assign it to."""

    question: Question
    route: Route


def unrouted_school(admin, school_code: str | None) -> School | None:
    """The school whose unrouted questions an admin reads: a school admin their own, a district
    admin the one named (None: every school). NotAllowed for others, QuestionNotFound for a
    school that is not theirs or does not exist."""
    if not policy.is_admin(admin):
        raise NotAllowed("只有学校管理员和区管理员可以查看待指派的问题。")
    if not school_code:
        if policy.is_district_admin(admin):
            return None
        return admin.school
    school = db.session.scalar(select(School).where(School.code == str(school_code)[:32]))
    if school is None or not policy.can_manage_school(admin, school.id):
        raise QuestionNotFound("没有找到这所学校。")
    return school


def unrouted_questions(school_id: int | None, now: datetime | None = None) -> list[UnroutedQuestion]:
    """Waiting questions (open or claimed, not hidden) nobody of their school takes, oldest first.

    school_id: one school's; None for every school of the district.
    """
    query = select(Question).where(Question.status.in_(WAITING), Question.hidden.is_(False))
    if school_id is not None:
        query = query.where(Question.school_id == school_id)
    questions = list(db.session.scalars(query.order_by(Question.created_at, Question.id)))
    district = _active_staff()
    by_school: dict[int | None, list[User]] = {}
    for user in district:
        by_school.setdefault(user.school_id, []).append(user)
    found = []
    for question in questions:
        route = route_of(question, by_school.get(question.school_id, []), district)
        if route.unrouted:
            found.append(UnroutedQuestion(question, route))
    return found[:UNROUTED_LIMIT]


def assignable_teachers(admin, question: Question) -> list[User]:
    """Whom this admin may assign the question to: those who teach its subject and grade first,
    then its subject, then the question's school's, then by name."""
    school_id = None if policy.is_district_admin(admin) else admin.school_id
    candidates = [u for u in _active_staff(school_id) if policy.can_be_assigned(admin, u, question)]
    return sorted(candidates, key=lambda u: (
        not policy.could_take_question(u, question), question.subject not in (u.subjects or []),
        u.school_id != question.school_id, u.display_name, u.id))


def _parse_teacher_id(value) -> int:
    text = str(value if value is not None else "").strip()
    if isinstance(value, bool) or not text.isdecimal() or len(text) > 12:
        raise InvalidQuestion("请选择一位老师。", "teacher_id")
    return int(text)


def _refuse_assignee(admin, teacher: User | None, question: Question) -> None:
    """Say why this person may not be named (policy.can_be_assigned decides)."""
    if policy.can_be_assigned(admin, teacher, question):
        return
    if teacher is None or not (policy.is_district_admin(admin) or (
            teacher.school_id is not None and teacher.school_id == admin.school_id)):
        raise InvalidQuestion("请从本校的老师中选择。", "teacher_id")
    if not teacher.active:
        raise InvalidQuestion("这位老师的账号已停用，请选择其他老师。", "teacher_id")
    if question.mental_health:
        raise InvalidQuestion("心理求助只能指派给心理老师。", "teacher_id")
    if question.safeguarding:
        raise InvalidQuestion("安全求助只能指派给负责安全保护的老师。", "teacher_id")
    raise InvalidQuestion("问题只能指派给老师账号，不能指派给学生、家长或管理员。", "teacher_id")


def assignable_question(question_id: int, admin) -> Question:
    """The question if this admin may assign it (policy.can_assign_question); NotAllowed for
    other roles, QuestionNotFound for a question of another school."""
    question = get_question(question_id)
    if not policy.is_admin(admin):
        raise NotAllowed("只有学校管理员和区管理员可以指派问题。")
    if not policy.can_assign_question(admin, question):
        raise QuestionNotFound("没有找到这个问题，或者你没有权限查看。")
    return question


def _assignable_question(question_id: int, admin, now: datetime) -> Question:
    question = assignable_question(question_id, admin)
    if question.status == QuestionStatus.HELD:
        raise InvalidQuestion("这个问题还在等待审核，请先审核通过再指派。", "status")
    if question.status not in WAITING:
        raise InvalidQuestion("这个问题已经回答了，不需要再指派。", "status")
    if question.hidden:
        raise InvalidQuestion("这个问题已被隐藏，不能指派。", "status")
    if question.claim_is_live(now):
        raise AlreadyClaimed(f"{teacher_title(question.claimed_by.display_name)}正在解答这个问题，"
                             "不能再指派。")
    return question


def assign_question(question_id: int, admin, teacher_id, now: datetime | None = None) -> Question:
    """An admin names the teacher who answers a waiting question.

    teacher_id: the teacher's user id (a form's or JSON's value). The question leaves the
    district pool and waits in that teacher's queue alone (reserved_for_id) with a new promise
    from now; the teacher and the student are told, the assignment is audited. If it is not
    answered by the promise, the escalation run sends it to the district pool again.
    Raises QuestionNotFound, NotAllowed, InvalidQuestion (the question is held, answered or
    hidden; the person may not be named) or AlreadyClaimed (a teacher is answering it).
    """
    now = now or utcnow()
    question = _assignable_question(question_id, admin, now)
    teacher = db.session.get(User, _parse_teacher_id(teacher_id))
    _refuse_assignee(admin, teacher, question)
    previous = question.reserved_for_id
    question.reserved_for_id = teacher.id
    question.escalated_at = None
    question.status = QuestionStatus.OPEN
    question.claimed_by_id = None
    question.claimed_until = None
    question.claim_warned = False
    question.due_at = reply_target(now, urgent=question.urgent, school_id=question.school_id)
    audit(admin, "question.assign", question, teacher=teacher.id, previous_teacher=previous)
    due = describe_reply_target(question, now)
    notify([teacher], "assigned", f"管理员请你解答{_named(question)}，预计{due}回复。",
           f"/qa/{question.id}", question_topic(question))
    notify([question.asker], "assigned", f"你的问题《{question.title[:40]}》已请"
           f"{teacher_title(teacher.display_name)}解答，预计{due}回复。", f"/qa/{question.id}",
           question_topic(question))
    db.session.commit()
    return question
