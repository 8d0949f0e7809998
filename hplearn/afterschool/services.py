"""After-school rules: guides and programmes, publishing, sign-up, allocation, waitlists.

Seats are counted in Programme.enrolled_count and only ever changed by conditional UPDATEs
(`_take_seat`, `_free_seat`), so no interleaving of sign-ups, allocation, withdrawals and
placements by hand can put more students in a programme than its capacity, on SQLite or
PostgreSQL. Records (attendance, hours) are in records.py; the district's figures in
supervision.py.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from hplearn import policy
from hplearn.accounts.models import School, User
from hplearn.accounts.services import school_by_code
from hplearn.afterschool import allocation, rules
from hplearn.afterschool.models import (
    AllocationRun,
    Enrolment,
    EnrolmentStatus,
    Guide,
    PriorityStudent,
    Programme,
    ProgrammeStaff,
    Signup,
)
from hplearn.afterschool.validation import (
    DEFAULT_FEE_WAIVER,
    AfterschoolError,
    AfterschoolForbidden,
    AfterschoolInvalid,
    AfterschoolNotFound,
    parse_id_list,
    parse_programme,
    parse_reasons,
    parse_window,
)
from hplearn.audit.services import record
from hplearn.errors import Conflict
from hplearn.extensions import db
from hplearn.notifications.services import notify
from hplearn.timeutil import local_date, utcnow
from hplearn.vocab import Role

MAX_ID = 2**31 - 1


class AfterschoolConflict(AfterschoolError, Conflict):
    """The request clashes with the guide's state (already allocated, a seat just taken)."""


def today() -> date:
    """Today in Tianjin."""
    return local_date(utcnow())


def current_term() -> str:
    """The term of today."""
    return rules.term_of(today())


def term_or_current(value) -> str:
    """The term asked for (YYYY-1 or YYYY-2), the current one when none is given."""
    if value in (None, ""):
        return current_term()
    term = rules.parse_term(value)
    if term is None:
        raise AfterschoolInvalid("term", "学期要写成 2025-1（秋季学期）或 2026-2 形式的“学年-1/2”。")
    return term


# --- schools, guides, programmes -----------------------------------------------------------


def public_school(code: str) -> School:
    """The school with this code (guides are public); AfterschoolNotFound otherwise."""
    school = school_by_code(code)
    if school is None:
        raise AfterschoolNotFound("没有找到这所学校。")
    return school


def managed_school(actor, code: str) -> School:
    """The school if the actor runs its service: 403 for other roles, 404 for other schools."""
    if not policy.is_admin(actor):
        raise AfterschoolForbidden("只有学校管理员可以管理本校的课后服务。")
    school = school_by_code(code)
    if school is None or not policy.can_manage_afterschool(actor, school.id):
        raise AfterschoolNotFound("没有找到这所学校。")
    return school


def find_guide(school: School, term: str) -> Guide | None:
    """The school's guide for the term, if one was started."""
    return db.session.scalar(select(Guide).where(Guide.school_id == school.id, Guide.term == term))


def guide_for_editing(school: School, term: str) -> Guide:
    """The school's guide for the term, started as an empty draft if need be."""
    guide = find_guide(school, term)
    if guide is None:
        guide = Guide(school_id=school.id, term=term, plan="", exceptions={})
        db.session.add(guide)
        try:
            db.session.flush()
        except IntegrityError:  # started at the same moment by another request
            db.session.rollback()
            guide = find_guide(school, term)
    return guide


def visible_guide(actor, school: School, term: str) -> Guide | None:
    """The guide the actor may read: published for everyone, drafts for its managers."""
    # With its programmes and their staff: the page lists them all (two queries, not one each).
    guide = db.session.scalar(
        select(Guide).where(Guide.school_id == school.id, Guide.term == term)
        .options(selectinload(Guide.programmes).selectinload(Programme.staff)))
    if guide is None or not policy.can_view_afterschool_guide(actor, guide):
        return None
    return guide


def published_guides(term: str) -> list[tuple[School, Guide | None]]:
    """Every school with its published guide of the term (or None), by school code."""
    guides = {
        guide.school_id: guide for guide in db.session.scalars(
            select(Guide).where(Guide.term == term, Guide.published.is_(True)))
    }
    schools = db.session.scalars(select(School).order_by(School.code))
    return [(school, guides.get(school.id)) for school in schools]


def checks_of(guide: Guide) -> list[rules.Check]:
    """The plan's rules applied to the guide as it stands."""
    return rules.check_guide(guide.programmes, guide.school.stage)


def _school_teacher_finder(school: School):
    def find(user_id: int):
        user = db.session.get(User, user_id) if user_id <= MAX_ID else None
        if user and user.school_id == school.id and user.active and user.role in (
                Role.TEACHER, Role.SCHOOL_ADMIN):
            return user
        return None
    return find


def _set_staff(programme: Programme, staff: list[dict]) -> None:
    programme.staff = [ProgrammeStaff(position=i, **member) for i, member in enumerate(staff)]


def _apply_programme(programme: Programme, values: dict) -> None:
    for key, value in values.items():
        if key == "staff":
            _set_staff(programme, value)
        elif key == "fee_per_month":
            programme.fee_cents = value
        elif key != "capacity":
            setattr(programme, key, value)
    if programme.fee_cents and not programme.fee_waiver:
        programme.fee_waiver = DEFAULT_FEE_WAIVER


def create_programme(actor, school: School, term: str, data: dict) -> Programme:
    """Add a programme to the school's guide of the term.

    actor: an admin managing the school (managed_school checked that).
    data: the JSON or form fields (validation.parse_programme); a bad one raises a 422.
    """
    values = parse_programme(data, school_grades=rules.school_grades(school.stage),
                             find_teacher=_school_teacher_finder(school), partial=False)
    guide = guide_for_editing(school, term)
    programme = Programme(guide=guide, capacity=values["capacity"], enrolled_count=0,
                          fee_waiver="")
    _apply_programme(programme, values)
    db.session.add(programme)
    db.session.flush()
    record(actor, "afterschool.programme.create", programme, school_id=school.id,
           name=programme.name, term=term)
    db.session.commit()
    return programme


def managed_programme(actor, school: School, programme_id: int) -> Programme:
    """A programme of this school (404 for other schools' and unknown ids)."""
    programme = db.session.get(Programme, programme_id) if 1 <= programme_id <= MAX_ID else None
    if programme is None or programme.guide.school_id != school.id:
        raise AfterschoolNotFound("没有找到这个课后服务项目。")
    return programme


def update_programme(actor, school: School, programme_id: int, data: dict) -> Programme:
    """Change some fields of a programme; capacity never below the seats already taken."""
    programme = managed_programme(actor, school, programme_id)
    values = parse_programme(data, school_grades=rules.school_grades(school.stage),
                             find_teacher=_school_teacher_finder(school), partial=True)
    _apply_programme(programme, values)
    if "capacity" in values:
        _set_capacity(programme, values["capacity"])
    record(actor, "afterschool.programme.update", programme, school_id=school.id,
           fields=sorted(values))
    db.session.commit()
    if "capacity" in values:
        fill_from_waitlist(programme.id)
    return programme


def _set_capacity(programme: Programme, capacity: int) -> None:
    changed = db.session.execute(
        update(Programme)
        .where(Programme.id == programme.id, Programme.enrolled_count <= capacity)
        .values(capacity=capacity)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        db.session.rollback()
        raise AfterschoolInvalid(
            "capacity", f"已有 {programme.enrolled_count} 名学生入选，容纳人数不能少于这个数。")
    db.session.refresh(programme)


def update_plan(actor, school: School, term: str, plan) -> Guide:
    """Write the school's 实施方案 (Markdown) for the term."""
    if not isinstance(plan, str) or len(plan) > 20000:
        raise AfterschoolInvalid("plan", "实施方案必须是不超过 20000 字的文字。")
    guide = guide_for_editing(school, term)
    guide.plan = plan.strip()
    record(actor, "afterschool.plan.update", guide, school_id=school.id, term=term)
    db.session.commit()
    return guide


class RulesBroken(AfterschoolInvalid):
    """Publishing refused: rules broken without a written reason (listed in the message)."""

    def __init__(self, broken: list[rules.Check]):
        listed = "；".join(f"{c.label}（{c.detail}）" for c in broken)
        super().__init__("reasons", f"以下规则未满足，需要写明理由才能发布：{listed}。")
        self.broken = broken


def publish(actor, school: School, term: str, *, signup_opens=None, signup_closes=None,
            reasons=None) -> Guide:
    """Publish the guide for families; a broken rule needs a written reason (原则上).

    signup_opens, signup_closes: the sign-up window (YYYY-MM-DD, both or neither; a guide
    published again after its allocation may open a second, first-come window).
    reasons: {rule id: text} for the rules the guide breaks; the district sees them.
    """
    opens, closes = parse_window(signup_opens, signup_closes)
    written = parse_reasons(reasons)
    guide = guide_for_editing(school, term)
    if not guide.programmes:
        raise AfterschoolInvalid("programmes", "请先添加至少一个课后服务项目再发布。")
    checks = checks_of(guide)
    broken = rules.unexplained(checks, written)
    if broken:
        db.session.rollback()
        raise RulesBroken(broken)
    guide.exceptions = {c.rule: written[c.rule] for c in checks if not c.ok}
    if opens is not None:
        guide.signup_opens, guide.signup_closes = opens, closes
        guide.signup_closed_early_at = None
    guide.published = True
    guide.published_at = guide.published_at or utcnow()
    record(actor, "afterschool.publish", guide, school_id=school.id, term=term,
           exceptions=sorted(guide.exceptions))
    db.session.commit()
    return guide


def signup_is_open(guide: Guide, day: date) -> bool:
    """Whether families may sign up on this day."""
    return bool(
        guide.published and guide.signup_opens and guide.signup_opens <= day <= guide.signup_closes
        and guide.signup_closed_early_at is None
    )


def signup_is_over(guide: Guide, day: date) -> bool:
    """Whether the window has closed (its last day passed, or closed early by the school)."""
    return bool(guide.signup_closes and (
        day > guide.signup_closes or guide.signup_closed_early_at is not None))


def close_signup(actor, school: School, term: str) -> Guide:
    """End the sign-up window now (before its last day), so the allocation can run."""
    guide = find_guide(school, term)
    if guide is None or not guide.signup_opens:
        raise AfterschoolInvalid("term", "这个学期还没有设置报名时间。")
    guide.signup_closed_early_at = utcnow()
    record(actor, "afterschool.signup.close", guide, school_id=school.id, term=term)
    db.session.commit()
    return guide


# --- sign-up ---------------------------------------------------------------------------------


def student_for(actor, student_id) -> User:
    """The student the actor acts for: themselves, or (for a parent) a bound child.

    Roles that never sign up get 403; a student id the actor may not act for, 404.
    """
    if not policy.may_sign_up_at_all(actor):
        raise AfterschoolForbidden("只有学生本人或家长可以报名课后服务。")
    if student_id in (None, ""):
        if not policy.is_student(actor):
            raise AfterschoolInvalid("student_id", "请指定为哪个孩子报名（student_id）。")
        return actor
    if isinstance(student_id, bool) or not isinstance(student_id, int) or not (
            1 <= student_id <= MAX_ID):
        raise AfterschoolInvalid("student_id", "student_id 必须是学生编号。")
    student = db.session.get(User, student_id)
    if student is None or not policy.can_sign_up_for(actor, student):
        raise AfterschoolNotFound("没有找到这个学生。")
    return student


def viewable_student(actor, student_id) -> User:
    """A student whose places the actor may see (themselves, a child, their school's pupil)."""
    student = db.session.get(User, student_id) if 1 <= student_id <= MAX_ID else None
    if student is None or not policy.can_view_student_afterschool(actor, student):
        raise AfterschoolNotFound("没有找到这个学生。")
    return student


def _published_guide_of(student: User, term: str) -> Guide:
    guide = db.session.scalar(select(Guide).where(
        Guide.school_id == student.school_id, Guide.term == term, Guide.published.is_(True)))
    if guide is None:
        raise AfterschoolInvalid("term", "学校还没有发布这个学期的课后服务指南。")
    return guide


def _window_text(guide: Guide) -> str:
    if not guide.signup_opens:
        return "学校还没有公布报名时间"
    return f"报名时间：{guide.signup_opens.isoformat()} 至 {guide.signup_closes.isoformat()}"


def _check_choices(guide: Guide, student: User, choices: list[int]) -> list[Programme]:
    by_id = {p.id: p for p in guide.programmes}
    programmes = []
    for programme_id in choices:
        programme = by_id.get(programme_id)
        if programme is None:
            raise AfterschoolInvalid("choices", f"本校这个学期没有编号为 {programme_id} 的项目。")
        if student.grade not in programme.grades:
            raise AfterschoolInvalid(
                "choices", f"“{programme.name}”不招收{_grade_name(student.grade)}学生。")
        programmes.append(programme)
    return programmes


def _grade_name(grade) -> str:
    from hplearn.vocab import grade_label

    return grade_label(grade) or "未填年级的"


@dataclass
class SignupResult:
    """What a sign-up did: the choices kept, whether they wait for a parent, and whether places
    are already decided."""

    term: str
    choices: list[int]
    confirmed: bool
    enrolments: list[Enrolment]
    awaiting_parent: bool = False


def sign_up(actor, student: User, term: str, choices, day: date | None = None) -> SignupResult:
    """Record a student's ranked choices (up to three, best first) in the sign-up window.

    Before the allocation the choices wait for it (confirmed False); in a window opened after
    it, each choice is a place at once while seats last, else a waitlist place (confirmed).
    A bound child's own choices wait for a parent's confirmation (awaiting_parent) and take no
    part meanwhile; a parent's choices need none. An empty list withdraws the sign-up. Raises
    422 outside the window, for a programme of another school or term, or one that does not
    take the student's grade.
    """
    day = day or today()
    ids = parse_id_list(choices, "choices", "志愿", limit=allocation.MAX_CHOICES)
    guide = _open_guide_of(student, term, day)
    programmes = _check_choices(guide, student, ids)
    signup = db.session.scalar(select(Signup).where(
        Signup.guide_id == guide.id, Signup.student_id == student.id))
    if signup is None:
        signup = Signup(guide_id=guide.id, student_id=student.id, choices=[])
        db.session.add(signup)
    awaiting = bool(ids) and policy.is_student(actor) and policy.has_bound_parent(student)
    signup.choices = ids
    signup.submitted_by_id = actor.id
    signup.awaiting_parent = awaiting
    signup.confirmed_by_id = actor.id if policy.is_parent(actor) else None
    signup.confirmed_at = utcnow() if policy.is_parent(actor) else None
    record(actor, "afterschool.signup", signup, school_id=student.school_id, term=term,
           choices=ids, student_id=student.id, awaiting_parent=awaiting)
    if awaiting:
        notify(list(student.parents), "afterschool",
               f"{student.display_name or student.alias}提交了课后服务报名，请确认或撤回。", "/parents/")
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise AfterschoolConflict("报名刚刚提交过，请刷新后查看。") from None
    if awaiting:
        return SignupResult(term, ids, False, [], awaiting_parent=True)
    return SignupResult(term, ids, guide.allocated_at is not None,
                        _place_after_allocation(guide, student, programmes))


def _open_guide_of(student: User, term: str, day: date) -> Guide:
    guide = _published_guide_of(student, term)
    if not signup_is_open(guide, day):
        raise AfterschoolInvalid("term", f"现在不在报名时间内（{_window_text(guide)}）。")
    return guide


def _place_after_allocation(guide: Guide, student: User, programmes) -> list[Enrolment]:
    if guide.allocated_at is None:
        return []
    placed = [_place_now(student, programme, rank)
              for rank, programme in enumerate(programmes, start=1)]
    return [e for e in placed if e]


def confirm_signup(actor, student: User, term: str, day: date | None = None) -> SignupResult:
    """A parent confirms their child's own choices: they now take part in the allocation (or,
    after it, are placed at once). 404 for anyone else; 422 with nothing to confirm or outside
    the window."""
    if not policy.can_confirm_signup(actor, student):
        raise AfterschoolNotFound("没有找到这个学生。")
    guide = _open_guide_of(student, term, day or today())
    signup = db.session.scalar(select(Signup).where(
        Signup.guide_id == guide.id, Signup.student_id == student.id))
    if signup is None or not signup.awaiting_parent:
        raise AfterschoolInvalid("student_id", "孩子没有等待确认的报名。")
    confirmed = db.session.execute(
        update(Signup).where(Signup.id == signup.id, Signup.awaiting_parent.is_(True))
        .values(awaiting_parent=False, confirmed_by_id=actor.id, confirmed_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount == 1
    if not confirmed:
        db.session.rollback()
        raise AfterschoolConflict("这个报名刚刚已被确认，请刷新后查看。")
    record(actor, "afterschool.signup.confirm", signup, school_id=student.school_id, term=term,
           student_id=student.id, choices=list(signup.choices))
    db.session.commit()
    db.session.refresh(signup)
    programmes = _check_choices(guide, student, list(signup.choices))
    return SignupResult(term, list(signup.choices), guide.allocated_at is not None,
                        _place_after_allocation(guide, student, programmes))


def hold_for_parent(student: User, day: date | None = None) -> int:
    """A parent was just bound: the child's own choices still waiting for the allocation (in an
    open window) now wait for the parent's confirmation too. Returns how many."""
    day = day or today()
    held = 0
    for signup in db.session.scalars(select(Signup).where(
            Signup.student_id == student.id, Signup.submitted_by_id == student.id,
            Signup.awaiting_parent.is_(False), Signup.confirmed_by_id.is_(None))):
        guide = db.session.get(Guide, signup.guide_id)
        if signup.choices and guide.allocated_at is None and signup_is_open(guide, day):
            signup.awaiting_parent = True
            held += 1
    return held


def _enrolment(programme_id: int, student_id: int) -> Enrolment | None:
    return db.session.scalar(select(Enrolment).where(
        Enrolment.programme_id == programme_id, Enrolment.student_id == student_id))


def _place_now(student: User, programme: Programme, rank: int) -> Enrolment | None:
    """After the allocation: a seat if one is free and the times fit, else the waitlist."""
    existing = _enrolment(programme.id, student.id)
    if existing is not None and existing.status != "withdrawn":
        return existing
    status = EnrolmentStatus.WAITLISTED
    if not _clashes(student.id, programme) and _take_seat(programme.id):
        status = EnrolmentStatus.ENROLLED
    position = _next_position(programme.id) if status == EnrolmentStatus.WAITLISTED else 0
    enrolment = existing or Enrolment(programme_id=programme.id, student_id=student.id)
    enrolment.status, enrolment.rank, enrolment.position = status, rank, position
    db.session.add(enrolment)
    try:
        db.session.commit()
    except IntegrityError:  # the same student's other request placed them first
        db.session.rollback()
        if status == "enrolled":
            _free_seat(programme.id)
            db.session.commit()
        return _enrolment(programme.id, student.id)
    return enrolment


def _next_position(programme_id: int) -> int:
    last = db.session.scalar(select(func.max(Enrolment.position)).where(
        Enrolment.programme_id == programme_id))
    return (last or 0) + 1


def _take_seat(programme_id: int) -> bool:
    """Take one seat if one is free: one conditional UPDATE, so capacity always holds."""
    return db.session.execute(
        update(Programme)
        .where(Programme.id == programme_id, Programme.enrolled_count < Programme.capacity)
        .values(enrolled_count=Programme.enrolled_count + 1)
        .execution_options(synchronize_session=False)
    ).rowcount == 1


def _free_seat(programme_id: int) -> None:
    db.session.execute(
        update(Programme)
        .where(Programme.id == programme_id, Programme.enrolled_count > 0)
        .values(enrolled_count=Programme.enrolled_count - 1)
        .execution_options(synchronize_session=False)
    )


def enrolled_programmes(student_id: int, guide_id: int, *, exclude: int | None = None):
    """The programmes of the guide the student holds a seat in."""
    query = (
        select(Programme).join(Enrolment, Enrolment.programme_id == Programme.id)
        .where(Enrolment.student_id == student_id, Enrolment.status == EnrolmentStatus.ENROLLED,
               Programme.guide_id == guide_id)
    )
    if exclude is not None:
        query = query.where(Programme.id != exclude)
    return list(db.session.scalars(query))


def _slots_of(programme: Programme):
    return [rules.slot_minutes(slot) for slot in programme.slots]


def _clashes(student_id: int, programme: Programme) -> bool:
    held = enrolled_programmes(student_id, programme.guide_id, exclude=programme.id)
    return any(allocation.slots_overlap(_slots_of(programme), _slots_of(p)) for p in held)


# --- waitlists, withdrawals, places by hand ------------------------------------------------


def withdraw(actor, student: User, programme_id: int) -> Enrolment:
    """Give up a place (or a waitlist place); the freed seat goes to the next on the waitlist.

    actor: the student, their parent, or an admin of the student's school.
    """
    enrolment = _enrolment(programme_id, student.id) if 1 <= programme_id <= MAX_ID else None
    if enrolment is None or enrolment.status == "withdrawn":
        raise AfterschoolNotFound("没有找到这个报名。")
    if not (policy.can_sign_up_for(actor, student)
            or policy.can_manage_afterschool(actor, student.school_id)):
        raise AfterschoolNotFound("没有找到这个报名。")
    was_enrolled = db.session.execute(
        update(Enrolment)
        .where(Enrolment.id == enrolment.id, Enrolment.status != EnrolmentStatus.WITHDRAWN)
        .values(status=EnrolmentStatus.WITHDRAWN, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount == 1 and enrolment.status == EnrolmentStatus.ENROLLED
    if was_enrolled:
        _free_seat(programme_id)
    record(actor, "afterschool.withdraw", enrolment, school_id=student.school_id,
           student_id=student.id, programme_id=programme_id)
    db.session.commit()
    if was_enrolled:
        fill_from_waitlist(programme_id)
    db.session.refresh(enrolment)
    return enrolment


def fill_from_waitlist(programme_id: int) -> list[int]:
    """Move students up the waitlist into free seats, in order; a student whose other places
    now clash with this one keeps waiting. Returns the students placed."""
    programme = db.session.get(Programme, programme_id)
    placed = []
    waiting = list(db.session.scalars(
        select(Enrolment).where(Enrolment.programme_id == programme_id,
                                Enrolment.status == EnrolmentStatus.WAITLISTED)
        .order_by(Enrolment.position, Enrolment.id)))
    for candidate in waiting:
        if _clashes(candidate.student_id, programme):
            continue
        if not _take_seat(programme_id):
            break
        moved = db.session.execute(
            update(Enrolment)
            .where(Enrolment.id == candidate.id, Enrolment.status == EnrolmentStatus.WAITLISTED)
            .values(status=EnrolmentStatus.ENROLLED, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount == 1
        if not moved:  # withdrawn or moved up by another request meanwhile
            _free_seat(programme_id)
        else:
            placed.append(candidate.student_id)
            tell_family(db.session.get(User, candidate.student_id),
                        f"候补转正：{programme.name}有了空位，你已被录取。")
        db.session.commit()
    db.session.expire_all()
    return placed


MINE_LINK = "/afterschool/mine"


def tell_family(student: User | None, message: str) -> None:
    """Put an after-school notice in the student's inbox (a family reads it there)."""
    notify([student], "afterschool", message, MINE_LINK)


def place_by_hand(actor, school: School, programme_id: int, student_id) -> Enrolment:
    """An admin places a student (for instance one left unplaced) in a programme with a seat."""
    programme = managed_programme(actor, school, programme_id)
    if isinstance(student_id, bool) or not isinstance(student_id, int):
        raise AfterschoolInvalid("student_id", "请选择学生。")
    student = db.session.get(User, student_id) if 1 <= student_id <= MAX_ID else None
    if student is None or student.role != Role.STUDENT or student.school_id != school.id:
        raise AfterschoolNotFound("没有找到这个学生。")
    if student.grade not in programme.grades:
        raise AfterschoolInvalid(
            "student_id", f"“{programme.name}”不招收{_grade_name(student.grade)}学生。")
    existing = _enrolment(programme.id, student.id)
    if existing is not None and existing.status == "enrolled":
        raise AfterschoolConflict("这名学生已经在这个项目里了。")
    if _clashes(student.id, programme):
        raise AfterschoolInvalid("student_id", "这个项目的时间与这名学生已参加的项目冲突。")
    if not _take_seat(programme.id):
        db.session.rollback()
        raise AfterschoolInvalid("programme_id", f"“{programme.name}”已满，可先调大容纳人数。")
    enrolment = existing or Enrolment(programme_id=programme.id, student_id=student.id)
    enrolment.status, enrolment.rank, enrolment.position = EnrolmentStatus.ENROLLED, None, 0
    db.session.add(enrolment)
    record(actor, "afterschool.place", enrolment, school_id=school.id, student_id=student.id,
           programme_id=programme.id)
    tell_family(student, f"学校已为你安排课后服务项目：{programme.name}。")
    db.session.commit()
    return enrolment


def set_priority(actor, school: School, term: str, student_ids, needed: bool) -> int:
    """Mark (or unmark) students of the school as needing 延时托管: placed first.

    Returns how many marks changed.
    """
    ids = parse_id_list(student_ids, "student_ids", "学生", limit=5000)
    guide = guide_for_editing(school, term)
    students = set(db.session.scalars(select(User.id).where(
        User.id.in_(ids), User.school_id == school.id, User.role == Role.STUDENT)))
    missing = [i for i in ids if i not in students]
    if missing:
        raise AfterschoolNotFound(f"没有找到这些学生：{', '.join(map(str, missing[:10]))}。")
    marked = set(db.session.scalars(select(PriorityStudent.student_id).where(
        PriorityStudent.guide_id == guide.id)))
    changed = 0
    for student_id in ids:
        if needed and student_id not in marked:
            db.session.add(PriorityStudent(guide_id=guide.id, student_id=student_id,
                                           marked_by_id=actor.id))
            changed += 1
        elif not needed and student_id in marked:
            db.session.execute(PriorityStudent.__table__.delete().where(
                PriorityStudent.guide_id == guide.id, PriorityStudent.student_id == student_id))
            changed += 1
    record(actor, "afterschool.priority", guide, school_id=school.id, term=term,
           needed=needed, count=changed)
    db.session.commit()
    return changed


def priority_ids(guide: Guide) -> set[int]:
    """Students marked as needing 延时托管 for the guide's term."""
    return set(db.session.scalars(select(PriorityStudent.student_id).where(
        PriorityStudent.guide_id == guide.id)))


# --- allocation ------------------------------------------------------------------------------


@dataclass
class AllocationSummary:
    """The answer of POST …/allocate."""

    enrolled: int
    waitlisted: int
    unplaced: int
    first_choice_share: float
    seed: int


def allocation_inputs(guide: Guide) -> tuple[list[allocation.Applicant], list[allocation.Offer]]:
    """The solver's input from the database: sign-ups and programmes with their free seats."""
    priority = priority_ids(guide)
    held: dict[int, list] = {}
    for enrolment in db.session.scalars(
            select(Enrolment).join(Programme).where(
                Programme.guide_id == guide.id, Enrolment.status == EnrolmentStatus.ENROLLED)):
        held.setdefault(enrolment.student_id, []).extend(_slots_of(enrolment.programme))
    rows = db.session.execute(
        select(Signup.student_id, Signup.choices, User.grade)
        .join(User, User.id == Signup.student_id)
        .where(Signup.guide_id == guide.id, User.active.is_(True),
               Signup.awaiting_parent.is_(False))
        .order_by(Signup.student_id)).all()
    applicants = [
        allocation.Applicant(id=student_id, grade=grade, choices=tuple(choices or ()),
                             priority=student_id in priority, busy=tuple(held.get(student_id, ())))
        for student_id, choices, grade in rows if choices
    ]
    offers = [
        allocation.Offer(id=p.id, seats=max(0, p.capacity - p.enrolled_count),
                         grades=frozenset(p.grades), slots=tuple(_slots_of(p)))
        for p in guide.programmes
    ]
    return applicants, offers


def inputs_record(applicants, offers) -> dict:
    """The solver's input as JSON, so that a run can be repeated from the record alone."""
    return {
        "applicants": [[a.id, a.grade, list(a.choices), a.priority, [list(s) for s in a.busy]]
                       for a in applicants],
        "offers": [[o.id, o.seats, sorted(o.grades), [list(s) for s in o.slots]] for o in offers],
    }


def inputs_from_record(data: dict):
    """The inverse of inputs_record."""
    applicants = [allocation.Applicant(id=i, grade=g, choices=tuple(c), priority=p,
                                       busy=tuple(tuple(s) for s in b))
                  for i, g, c, p, b in data["applicants"]]
    offers = [allocation.Offer(id=i, seats=s, grades=frozenset(g), slots=tuple(tuple(x) for x in sl))
              for i, s, g, sl in data["offers"]]
    return applicants, offers


def result_digest(result: allocation.Allocation) -> str:
    """A SHA-256 of the places and waitlists an allocation gave."""
    return digest({"enrolled": sorted([s, p] for s, ps in result.enrolled.items() for p in ps),
                   "waitlists": sorted([p, i, s] for p, rows in result.waitlists.items()
                                       for i, (s, _) in enumerate(rows))})


def digest(data: dict) -> str:
    """A SHA-256 of the canonical JSON of the inputs."""
    return hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def allocate(actor, school: School, term: str, seed=None, day: date | None = None):
    """Place the signed-up students once the window has closed (see allocation.py).

    seed: the lottery seed (a new random one when None); it is recorded with the inputs, so
    `hplearn afterschool replay` gets the same places. Raises 422 while the window is open or
    none was set, 409 when this term was already allocated.
    """
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)
                             or not 0 <= seed <= MAX_ID):
        raise AfterschoolInvalid("seed", f"seed 必须是 0 到 {MAX_ID} 之间的整数。")
    day = day or today()
    guide = find_guide(school, term)
    if guide is None or not guide.published:
        raise AfterschoolInvalid("term", "请先发布这个学期的课后服务指南。")
    if not signup_is_over(guide, day):
        raise AfterschoolInvalid("term", f"报名还没有截止，截止后才能分配（{_window_text(guide)}）。")
    claimed = db.session.execute(
        update(Guide).where(Guide.id == guide.id, Guide.allocated_at.is_(None))
        .values(allocated_at=utcnow()).execution_options(synchronize_session=False)
    ).rowcount == 1
    if not claimed:
        db.session.rollback()
        raise AfterschoolConflict("这个学期已经分配过了；剩余名额可由学校手动安排或开放补报。")
    seed = secrets.randbelow(MAX_ID) if seed is None else seed
    applicants, offers = allocation_inputs(guide)
    result = allocation.allocate_optimal(applicants, offers, seed)
    _write_allocation(guide, result)
    _tell_results(guide, result)
    data = inputs_record(applicants, offers)
    summary = AllocationSummary(
        enrolled=result.enrolment_count, waitlisted=result.waitlist_count,
        unplaced=len(result.unplaced), first_choice_share=result.first_choice_share(applicants),
        seed=seed)
    db.session.add(AllocationRun(
        guide_id=guide.id, seed=seed, inputs=data, inputs_digest=digest(data), solver=result.solver,
        result_digest=result_digest(result),
        enrolled=summary.enrolled, waitlisted=summary.waitlisted, unplaced=summary.unplaced,
        first_choice_share=summary.first_choice_share, run_by_id=getattr(actor, "id", None)))
    record(actor, "afterschool.allocate", guide, school_id=school.id, term=term, seed=seed,
           enrolled=summary.enrolled, unplaced=summary.unplaced)
    db.session.commit()
    return summary


def _write_allocation(guide: Guide, result: allocation.Allocation) -> None:
    rank_of = {}
    for student_id, choices in db.session.execute(
            select(Signup.student_id, Signup.choices).where(Signup.guide_id == guide.id)):
        for rank, programme_id in enumerate(choices or (), start=1):
            rank_of[(student_id, programme_id)] = rank
    rows, seats = [], {}
    for student_id, programme_ids in result.enrolled.items():
        for programme_id in programme_ids:
            rows.append({"programme_id": programme_id, "student_id": student_id,
                         "status": EnrolmentStatus.ENROLLED, "rank": rank_of.get((student_id, programme_id)),
                         "position": 0})
            seats[programme_id] = seats.get(programme_id, 0) + 1
    for programme_id, entries in result.waitlists.items():
        for position, (student_id, rank) in enumerate(entries, start=1):
            rows.append({"programme_id": programme_id, "student_id": student_id,
                         "status": EnrolmentStatus.WAITLISTED, "rank": rank, "position": position})
    for programme_id, count in seats.items():
        if not _take_seats(programme_id, count):
            db.session.rollback()
            raise AfterschoolConflict("分配期间名额有变动，请重新分配。")
    now = utcnow()
    if rows:
        db.session.execute(insert(Enrolment), [{**row, "created_at": now, "updated_at": now}
                                               for row in rows])


def result_messages(guide: Guide, result: allocation.Allocation) -> dict[int, str]:
    """What each student who signed up is told of the allocation (student id -> sentence)."""
    names = {programme.id: programme.name for programme in guide.programmes}
    waiting: dict[int, list[str]] = {}
    for programme_id, entries in result.waitlists.items():
        for position, (student_id, _rank) in enumerate(entries, start=1):
            waiting.setdefault(student_id, []).append(f"{names[programme_id]}（候补第{position}位）")
    messages = {}
    for student_id in {*result.enrolled, *waiting, *result.unplaced}:
        parts = []
        if result.enrolled.get(student_id):
            parts.append("已录取：" + "、".join(names[p] for p in result.enrolled[student_id]))
        if waiting.get(student_id):
            parts.append("候补：" + "、".join(waiting[student_id]))
        if not parts:
            parts.append("这次没有分到所报的项目，学校会为你另行安排，不会让你没有课后服务")
        messages[student_id] = "课后服务分配结果 — " + "；".join(parts) + "。"
    return messages


def _tell_results(guide: Guide, result: allocation.Allocation) -> None:
    messages = result_messages(guide, result)
    students = db.session.scalars(select(User).where(User.id.in_(messages))) if messages else ()
    for student in students:
        tell_family(student, messages[student.id])


def _take_seats(programme_id: int, count: int) -> bool:
    return db.session.execute(
        update(Programme)
        .where(Programme.id == programme_id, Programme.enrolled_count + count <= Programme.capacity)
        .values(enrolled_count=Programme.enrolled_count + count)
        .execution_options(synchronize_session=False)
    ).rowcount == 1


def replay(run: AllocationRun) -> allocation.Allocation:
    """Solve a recorded run again from its recorded inputs and seed."""
    applicants, offers = inputs_from_record(run.inputs)
    return allocation.allocate_optimal(applicants, offers, run.seed)


def unplaced_students(guide: Guide) -> list[User]:
    """Signed-up students without any seat this term: the school places them by hand."""
    seated = select(Enrolment.student_id).join(Programme).where(
        Programme.guide_id == guide.id, Enrolment.status == EnrolmentStatus.ENROLLED)
    return list(db.session.scalars(
        select(User).join(Signup, Signup.student_id == User.id)
        .where(Signup.guide_id == guide.id, User.id.not_in(seated), User.active.is_(True),
               Signup.awaiting_parent.is_(False))
        .order_by(User.grade, User.username)))


def signups_of(guide: Guide) -> list[Signup]:
    """Every sign-up of the guide, by student grade and name."""
    return list(db.session.scalars(
        select(Signup).join(User, User.id == Signup.student_id)
        .where(Signup.guide_id == guide.id).order_by(User.grade, User.username)))


# --- what families and staff read ----------------------------------------------------------


def student_signup(student: User, term: str) -> Signup | None:
    """The student's sign-up of the term, if any."""
    return db.session.scalar(
        select(Signup).join(Guide).where(Guide.school_id == student.school_id, Guide.term == term,
                                         Signup.student_id == student.id))


def student_enrolments(student: User, term: str) -> list[Enrolment]:
    """The student's places and waitlist places of the term."""
    return list(db.session.scalars(
        select(Enrolment).join(Programme).join(Guide)
        .where(Enrolment.student_id == student.id, Guide.term == term)
        .order_by(Enrolment.rank, Enrolment.id)))


def school_enrolments(school: School, term: str, programme_id: int | None = None):
    """Every place of the school's term (a school's staff), optionally of one programme."""
    query = (
        select(Enrolment).join(Programme).join(Guide)
        .where(Guide.school_id == school.id, Guide.term == term)
        .order_by(Enrolment.programme_id, Enrolment.status, Enrolment.position, Enrolment.id)
    )
    if programme_id is not None:
        query = query.where(Enrolment.programme_id == programme_id)
    return list(db.session.scalars(query))


def waitlisted_count(programme_ids) -> dict[int, int]:
    """Students waiting per programme."""
    return dict(db.session.execute(
        select(Enrolment.programme_id, func.count())
        .where(Enrolment.programme_id.in_(list(programme_ids)),
               Enrolment.status == EnrolmentStatus.WAITLISTED)
        .group_by(Enrolment.programme_id)).all())


def staffed_programmes(user, term: str) -> list[Programme]:
    """The programmes of the term on whose staff this teacher is."""
    # IN, not DISTINCT: PostgreSQL cannot compare the JSON columns that DISTINCT would.
    staffed = select(ProgrammeStaff.programme_id).where(ProgrammeStaff.user_id == user.id)
    return list(db.session.scalars(
        select(Programme).join(Guide)
        .where(Programme.id.in_(staffed), Guide.term == term, Guide.school_id == user.school_id)
        .order_by(Programme.id)))


def programme_by_id(programme_id: int) -> Programme:
    """A programme by id (404 when unknown)."""
    programme = db.session.get(Programme, programme_id) if 1 <= programme_id <= MAX_ID else None
    if programme is None:
        raise AfterschoolNotFound("没有找到这个课后服务项目。")
    return programme
