"""Creating accounts: their fields, who may create which role, counsellors, deactivation."""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from hplearn import policy
from hplearn.accounts.models import ROLES, School, User
from hplearn.accounts.services.directory import user_by_username
from hplearn.accounts.services.errors import (
    AccountError,
    NewAccount,
    NotAllowed,
    UserNotFound,
)
from hplearn.accounts.services.passwords import (
    check_password_rules,
    generate_one_time_password,
)
from hplearn.audit.services import record
from hplearn.extensions import db
from hplearn.screening import find_personal_information
from hplearn.vocab import Role, canonical_subject, parse_grade

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")


@dataclass
class UserFields:
    """The checked fields of a new account."""

    username: str
    role: str
    grade: int | None = None
    class_name: str | None = None
    subjects: tuple[str, ...] = ()
    grades: tuple[int, ...] = ()
    display_name: str = ""
    is_counsellor: bool = False


def _clean_username(username) -> str:
    name = str(username or "").strip().lower()
    if not USERNAME_PATTERN.match(name):
        raise AccountError("用户名须为 3–64 位小写字母、数字、点、下划线或连字符，并以字母或数字开头。")
    return name


def _clean_text(value, label: str, limit: int) -> str:
    text = str(value or "").strip()
    if len(text) > limit or any(ord(c) < 32 for c in text):
        raise AccountError(f"{label}不能超过 {limit} 个字，也不能含控制字符。")
    return text


def without_personal_information(text: str, label: str) -> str:
    """Refuse a display name or class holding personal information (13812345678, 三年二班王小明)."""
    findings = find_personal_information(text)
    if findings:
        found = "、".join(dict.fromkeys(finding.label for finding in findings))
        raise AccountError(f"{label}里不能有个人信息（发现了{found}），请删除后再保存。")
    return text


def _clean_grade(value) -> int | None:
    if value is None or value == "":
        return None
    grade = parse_grade(value)
    if grade is None:
        raise AccountError(f"年级 {value} 无法识别，请填 1–12 或“七年级”“初二”这样的名称。")
    return grade


def _as_list(values, message: str) -> list | tuple:
    if isinstance(values, str):
        values = re.split(r"[;；,，、/\s]+", values)
    if not isinstance(values, (list, tuple)):
        raise AccountError(message)
    return values


def _clean_grades(values) -> tuple[int, ...]:
    values = _as_list(values, "任教年级必须是年级的列表。")
    return tuple(sorted({_clean_grade(g) for g in values if g not in (None, "")}))


def _clean_subjects(values) -> tuple[str, ...]:
    values = _as_list(values, "学科必须是学科名称的列表。")
    subjects = []
    for value in values:
        if not str(value).strip():
            continue
        subject = canonical_subject(str(value))
        if subject is None:
            raise AccountError(f"学科“{str(value).strip()[:20]}”无法识别。")
        if subject not in subjects:
            subjects.append(subject)
    return tuple(subjects)


def check_user_fields(
    username, role, *, grade=None, class_name=None, subjects=(), grades=(),
    display_name=None, is_counsellor=False,
) -> UserFields:
    """Check and normalise the fields of a new account; raise AccountError on the first problem."""
    fields = UserFields(username=_clean_username(username), role=str(role or "").strip())
    if fields.role not in ROLES:
        raise AccountError(f"角色必须是：{'、'.join(ROLES)}。")
    fields.grade = _clean_grade(grade)
    fields.class_name = without_personal_information(_clean_text(class_name, "班级", 32), "班级") or None
    fields.subjects = _clean_subjects(subjects or ())
    fields.grades = _clean_grades(grades or ())
    fields.display_name = without_personal_information(
        _clean_text(display_name, "显示名称", 32), "显示名称")
    fields.is_counsellor = bool(is_counsellor)
    if fields.role != Role.STUDENT and (fields.grade or fields.class_name):
        raise AccountError("只有学生账号填写年级和班级。")
    if fields.role != Role.TEACHER and (fields.subjects or fields.grades or fields.is_counsellor):
        raise AccountError("只有教师账号填写任教学科、年级和心理老师标记。")
    return fields


def _check_school(role: str, school: School | None) -> None:
    if role == Role.DISTRICT_ADMIN and school is not None:
        raise AccountError("区管理员不属于某一所学校，请不要指定学校。")
    if role == Role.PARENT:
        if school is not None:
            raise AccountError("家长账号不属于学校，而是绑定到孩子：请不要指定学校，用 --child 绑定孩子。")
        return
    if role != Role.DISTRICT_ADMIN and school is None:
        raise AccountError("除区管理员外，每个账号都要属于一所学校。")


def _add_user(fields: UserFields, password: str, school: School | None, *,
              must_change_password: bool) -> User:
    user = User(
        username=fields.username,
        role=fields.role,
        school=school,
        grade=fields.grade,
        class_name=fields.class_name,
        subjects=list(fields.subjects),
        grades=list(fields.grades),
        display_name=fields.display_name,
        is_counsellor=fields.is_counsellor,
        must_change_password=must_change_password,
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    if not user.display_name:
        user.display_name = user.alias if user.role == Role.STUDENT else user.username
    return user


def create_user(
    username: str,
    role: str,
    password: str,
    *,
    school: School | None = None,
    grade=None,
    class_name: str | None = None,
    subjects=(),
    grades=(),
    display_name: str | None = None,
    is_counsellor: bool = False,
    must_change_password: bool = False,
    actor=None,
) -> User:
    """Add a user account with a chosen password (the CLI; tests).

    username: unique sign-in name (stored in lower case).
    role: one of accounts.models.ROLES.
    password: the initial password (password rules apply).
    school: required for every role except district_admin, refused for district_admin.
    grade, class_name: a student's; subjects, grades, is_counsellor: a teacher's.
    display_name: shown to staff; students get a generated alias when none is given.
    actor: the admin doing it, or None for the CLI.
    """
    fields = check_user_fields(
        username, role, grade=grade, class_name=class_name, subjects=subjects, grades=grades,
        display_name=display_name, is_counsellor=is_counsellor,
    )
    _check_school(fields.role, school)
    check_password_rules(password, username=fields.username)
    _check_username_free(fields.username)
    with _username_race(fields.username):
        user = _add_user(fields, password, school, must_change_password=must_change_password)
        record(actor, "user.create", user, role=user.role, username=user.username)
        if user.is_counsellor:
            record_counsellor_change(actor, user, granted=True)
        db.session.commit()
    return user


def _check_username_free(username: str) -> None:
    if user_by_username(username) is not None:
        raise AccountError(f"用户名 {username} 已被使用。")


@contextmanager
def _username_race(username: str):
    """Two requests creating one name at once both pass the check above; the unique index
    refuses the second, which gets the same message as if it had come later."""
    try:
        yield
    except IntegrityError:
        db.session.rollback()
        _check_username_free(username)
        raise


def _check_may_create(actor, fields: UserFields, school: School | None) -> None:
    if not policy.can_create_user(actor, fields.role, getattr(school, "id", None)):
        raise NotAllowed(f"你不能在这所学校创建“{fields.role}”角色的账号。")


def admin_create_user(actor, school: School | None, **values) -> NewAccount:
    """An admin adds one account; it gets a one-time password to change at first sign-in.

    values: the keyword arguments of check_user_fields.
    """
    fields = check_user_fields(**values)
    school = None if fields.role == Role.DISTRICT_ADMIN else school
    _check_school(fields.role, school)
    _check_may_create(actor, fields, school)
    _check_username_free(fields.username)
    password = generate_one_time_password()
    with _username_race(fields.username):
        user = _add_user(fields, password, school, must_change_password=True)
        record(actor, "user.create", user, role=user.role, username=user.username)
        if user.is_counsellor:
            record_counsellor_change(actor, user, granted=True)
        db.session.commit()
    return NewAccount(user, password)


COUNSELLOR_ACTIONS = ("user.counsellor_grant", "user.counsellor_revoke")


def record_counsellor_change(actor, user: User, *, granted: bool) -> None:
    """Audit a change of who reads crisis questions, and tell the district's admins.

    The 心理老师 flag lets a teacher read the mental-health questions of their school, so a
    school admin cannot widen that circle without the district knowing.
    """
    from hplearn.notifications.services import notify

    action = COUNSELLOR_ACTIONS[0] if granted else COUNSELLOR_ACTIONS[1]
    record(actor, action, user, username=user.username,
           school=user.school.code if user.school else None)
    school = user.school.name if user.school else "（无学校）"
    verb = "设为" if granted else "取消了"
    who = getattr(actor, "display_name", None) or getattr(actor, "username", None) or "命令行"
    notify(district_admins(), "counsellor_change",
           f"{who}把{school}的 {user.display_name or user.username} {verb}心理老师。",
           "/admin/users/counsellors")


def district_admins() -> list[User]:
    """Every active district admin."""
    return list(db.session.scalars(select(User).where(
        User.role == Role.DISTRICT_ADMIN, User.active.is_(True)).order_by(User.id)))


@dataclass(frozen=True)
class CounsellorRow:
    """A counsellor of the district and when the flag was last set."""

    user: User
    granted_at: object
    granted_by: str


def counsellor_overview(actor) -> tuple[list[CounsellorRow], list]:
    """The district's counsellors and the recent grants and revocations (district admins only)."""
    from hplearn.audit.models import AuditEntry

    if not policy.is_district_admin(actor):
        raise NotAllowed("只有区管理员可以查看全区心理老师名单。")
    entries = list(db.session.scalars(
        select(AuditEntry).where(AuditEntry.action.in_(COUNSELLOR_ACTIONS))
        .order_by(AuditEntry.id.desc()).limit(500)
    ))
    actors = {u.id: u for u in db.session.scalars(select(User).where(
        User.id.in_({e.actor_id for e in entries if e.actor_id is not None})))}
    last_grant = {}
    for entry in entries:
        if entry.action == COUNSELLOR_ACTIONS[0]:
            last_grant.setdefault(entry.object_id, entry)
    counsellors = db.session.scalars(select(User).where(
        User.is_counsellor.is_(True), User.active.is_(True)).order_by(User.school_id, User.id))
    rows = []
    for user in counsellors:
        entry = last_grant.get(user.id)
        granted_by = actors[entry.actor_id].username if entry and entry.actor_id in actors else (
            "命令行" if entry else "未记录")
        rows.append(CounsellorRow(user, entry.created_at if entry else None, granted_by))
    history = [(entry, actors.get(entry.actor_id)) for entry in entries[:100]]
    return rows, history


def safeguarding_staff_overview(actor) -> list[User]:
    """The district's active safeguarding staff (安全保护老师), by school (district admins only)."""
    if not policy.is_district_admin(actor):
        raise NotAllowed("只有区管理员可以查看全区安全保护老师名单。")
    return list(db.session.scalars(select(User).where(
        User.is_safeguarding.is_(True), User.active.is_(True)).order_by(User.school_id, User.id)))


def set_active(actor, user: User, active: bool) -> None:
    """Deactivate (ends the user's sessions at their next request) or reactivate an account."""
    if not policy.can_manage_user(actor, user):
        raise UserNotFound("没有找到这个账号。")
    if user.id == getattr(actor, "id", None) and not active:
        raise AccountError("不能停用自己的账号。")
    user.active = active
    if active:
        user.graduated_in = None
    record(actor, "user.activate" if active else "user.deactivate", user)
    db.session.commit()
