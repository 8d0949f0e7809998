"""Account rules: schools, users, one-time passwords, sign-in and password changes.

Plain functions that take plain values and raise AccountError subclasses; the pages, the
JSON API and the CLI all call them. Admin actions are written to the audit log.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
from copy import copy
from dataclasses import dataclass, field
from datetime import date
from functools import cache

from sqlalchemy import func, or_, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from hplearn import policy
from hplearn.accounts.models import ROLE_LABELS, ROLES, School, User
from hplearn.audit.services import record
from hplearn.errors import DomainError
from hplearn.extensions import db
from hplearn.pagination import MAX_ID, InvalidParameter, Page, PageRequest
from hplearn.screening import find_personal_information
from hplearn.timeutil import local_date, utcnow
from hplearn.vocab import SCHOOL_STAGES, Role, canonical_subject, final_grade, grade_label, parse_grade

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 128
# No 0/o, 1/l/i: one-time passwords are read off paper by children.
ONE_TIME_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
MAX_IMPORT_ROWS = 200  # each one-time password costs one scrypt hash (~60 ms)
MAX_IMPORT_BYTES = 1024 * 1024
IMPORT_COLUMNS = ("username", "role", "grade", "class", "subjects", "display_name")


class AccountError(DomainError):
    """A request the account rules refuse; its message is shown to the user."""

    status = 422
    code = "invalid_account"


class InvalidCredentials(AccountError):
    """Wrong username or password, or a deactivated account."""

    status = 401
    code = "invalid_credentials"


class WrongCurrentPassword(InvalidCredentials):
    """The current password given to change it is wrong: the user is signed in, so 403."""

    status = 403


class NotAllowed(AccountError):
    """The acting user may not do this (shown as 403)."""

    status = 403
    code = "forbidden"


class UserNotFound(AccountError):
    """No such user, or one the acting user may not see (shown as 404)."""

    status = 404
    code = "not_found"


class SchoolNotFound(AccountError):
    """No such school, or one the acting user may not manage (shown as 404)."""

    status = 404
    code = "not_found"


class PasswordRejected(AccountError):
    """A new password breaks the password rules."""

    code = "password_rejected"


class ImportRejected(AccountError):
    """A CSV import with bad rows; nothing was written."""

    def __init__(self, problems: list[tuple[int, str]]):
        super().__init__(f"{len(problems)} 行有错误，没有导入任何账号。")
        self.problems = problems


@dataclass
class NewAccount:
    """An account just created or reset, with its one-time password (shown once, never stored)."""

    user: User
    one_time_password: str


# --- Loading -------------------------------------------------------------------------------


def load_user(session_id: str) -> User | None:
    """Flask-Login's loader: the active user of this session id (User.get_id), or None.

    Deactivating an account or changing its password ends its existing sessions.
    """
    user_id, _, fingerprint = str(session_id).partition(".")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active:
        return None
    return user if secrets.compare_digest(fingerprint, user.password_fingerprint) else None


def school_by_code(code: str) -> School | None:
    """The school with this code, or None."""
    return db.session.scalar(select(School).where(School.code == (code or "").strip()))


def user_by_username(username: str) -> User | None:
    """The user with this username (case-insensitive), or None."""
    name = (username or "").strip().lower()
    return db.session.scalar(select(User).where(func.lower(User.username) == name))


def all_schools() -> list[School]:
    """Every school, by code."""
    return list(db.session.scalars(select(School).order_by(School.code)))


def managed_school(actor, code: str) -> School:
    """The school with this code if the actor may manage its users.

    Raises NotAllowed for roles that never manage users, SchoolNotFound for unknown codes
    and for other schools (so their existence does not leak).
    """
    if not policy.can_manage_users(actor):
        raise NotAllowed("只有学校管理员和区管理员可以管理账号。")
    school = school_by_code(code)
    if school is None or not policy.can_manage_school(actor, school.id):
        raise SchoolNotFound("没有找到这所学校。")
    return school


def managed_user(actor, user_id: int) -> User:
    """The user with this id if the actor may manage it; otherwise raise as managed_school."""
    if not policy.can_manage_users(actor):
        raise NotAllowed("只有学校管理员和区管理员可以管理账号。")
    user = db.session.get(User, user_id) if 1 <= user_id <= MAX_ID else None
    if user is None or not policy.can_manage_user(actor, user):
        raise UserNotFound("没有找到这个账号。")
    return user


def list_users(
    *, school_id: int | None = None, role: str | None = None, query: str | None = None,
    page_request: PageRequest,
) -> Page:
    """Users filtered by school, role and a username/display-name fragment, by username.

    school_id: None lists every school (district admins only; the caller checks).
    """
    if role is not None and role not in ROLES:
        raise InvalidParameter("role", f"角色必须是：{'、'.join(ROLES)}。")
    conditions = []
    if school_id is not None:
        conditions.append(User.school_id == school_id)
    if role:
        conditions.append(User.role == role)
    if query:
        pattern = f"%{query.strip()[:64]}%"
        conditions.append(or_(User.username.ilike(pattern), User.display_name.ilike(pattern)))
    total = db.session.scalar(select(func.count(User.id)).where(*conditions))
    rows = db.session.scalars(
        select(User).where(*conditions).order_by(User.username)
        .offset(page_request.offset).limit(page_request.per_page)
    )
    return Page(list(rows), total or 0, page_request.page, page_request.per_page)


# --- Schools -------------------------------------------------------------------------------


def create_school(code: str, name: str, stage: str = "小学", *, actor=None) -> School:
    """Add a school.

    code: short unique code used in URLs and CLI (letters, digits, - and _).
    name: the school's name.
    stage: one of vocab.SCHOOL_STAGES.
    actor: the admin doing it, or None for the CLI.
    """
    code = (code or "").strip()
    name = (name or "").strip()
    if not code or len(code) > 32 or not all(c.isascii() and (c.isalnum() or c in "-_")
                                             for c in code):
        raise AccountError("学校代码只能包含字母、数字、- 和 _，长度 1–32。")
    if not name or len(name) > 100:
        raise AccountError("学校名称不能为空，且不超过 100 个字。")
    if stage not in SCHOOL_STAGES:
        raise AccountError(f"学段必须是：{'、'.join(SCHOOL_STAGES)}。")
    if school_by_code(code) is not None:
        raise AccountError(f"学校代码 {code} 已存在。")
    school = School(code=code, name=name, stage=stage)
    db.session.add(school)
    db.session.flush()
    record(actor, "school.create", school, school_id=school.id, code=code)
    db.session.commit()
    return school


# --- Passwords -----------------------------------------------------------------------------


def check_password_rules(password: str, *, username: str = "") -> None:
    """Raise PasswordRejected unless the password is 8–128 characters with letters and digits."""
    password = password or ""
    if len(password) < PASSWORD_MIN_LENGTH:
        raise PasswordRejected(f"密码至少 {PASSWORD_MIN_LENGTH} 位。")
    if len(password) > PASSWORD_MAX_LENGTH:
        raise PasswordRejected(f"密码不能超过 {PASSWORD_MAX_LENGTH} 位。")
    if not re.search(r"[A-Za-z]", password) or not re.search(r"\d", password):
        raise PasswordRejected("密码要同时包含字母和数字。")
    if username and username.lower() in password.lower():
        raise PasswordRejected("密码不能包含用户名。")


def generate_one_time_password() -> str:
    """A random password like "k7m2-p9xq": easy to copy from paper, letters and digits."""
    while True:
        raw = "".join(secrets.choice(ONE_TIME_ALPHABET) for _ in range(8))
        if re.search(r"[a-z]", raw) and re.search(r"\d", raw):
            return f"{raw[:4]}-{raw[4:]}"


def change_password(user: User, current: str, new: str, confirm: str) -> None:
    """Replace the user's password after checking the current one and the rules.

    Clears must_change_password. Raises WrongCurrentPassword or PasswordRejected.
    """
    if not user.check_password(current or ""):
        raise WrongCurrentPassword("当前密码不正确。")
    if (new or "") != (confirm or ""):
        raise PasswordRejected("两次输入的新密码不一致。")
    check_password_rules(new, username=user.username)
    if user.check_password(new):
        raise PasswordRejected("新密码不能和当前密码相同。")
    user.set_password(new)
    user.must_change_password = False
    record(user, "user.password_change", user)
    db.session.commit()


def reset_password(actor, user: User) -> NewAccount:
    """Give the user a new one-time password that must be changed at the next sign-in."""
    if not policy.can_manage_user(actor, user):
        raise UserNotFound("没有找到这个账号。")
    password = generate_one_time_password()
    user.set_password(password)
    user.must_change_password = True
    record(actor, "user.password_reset", user)
    db.session.commit()
    return NewAccount(user, password)


# --- Users ---------------------------------------------------------------------------------


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
    fields.class_name = _clean_text(class_name, "班级", 32) or None
    fields.subjects = _clean_subjects(subjects or ())
    fields.grades = _clean_grades(grades or ())
    fields.display_name = _clean_text(display_name, "显示名称", 32)
    fields.is_counsellor = bool(is_counsellor)
    if fields.role != Role.STUDENT and (fields.grade or fields.class_name):
        raise AccountError("只有学生账号填写年级和班级。")
    if fields.role != Role.TEACHER and (fields.subjects or fields.grades or fields.is_counsellor):
        raise AccountError("只有教师账号填写任教学科、年级和心理老师标记。")
    return fields


def _check_school(role: str, school: School | None) -> None:
    if role == Role.DISTRICT_ADMIN and school is not None:
        raise AccountError("区管理员不属于某一所学校，请不要指定学校。")
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
    if user_by_username(fields.username) is not None:
        raise AccountError(f"用户名 {fields.username} 已被使用。")
    user = _add_user(fields, password, school, must_change_password=must_change_password)
    record(actor, "user.create", user, role=user.role, username=user.username)
    if user.is_counsellor:
        record_counsellor_change(actor, user, granted=True)
    db.session.commit()
    return user


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
    if user_by_username(fields.username) is not None:
        raise AccountError(f"用户名 {fields.username} 已被使用。")
    password = generate_one_time_password()
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


# --- Editing accounts ----------------------------------------------------------------------

EDITABLE_FIELDS = ("display_name", "grade", "class_name", "subjects", "grades", "is_counsellor",
                   "role", "school")
STUDENT_FIELDS = {"grade": None, "class_name": None}
TEACHER_FIELDS = {"subjects": [], "grades": [], "is_counsellor": False}


def _without_personal_information(text: str, label: str) -> str:
    findings = find_personal_information(text)
    if findings:
        found = "、".join(dict.fromkeys(finding.label for finding in findings))
        raise AccountError(f"{label}里不能有个人信息（发现了{found}），请删除后再保存。")
    return text


def _clean_edited_text(value, label: str) -> str:
    if value is not None and not isinstance(value, str):
        raise AccountError(f"{label}必须是文字。")
    return _without_personal_information(_clean_text(value, label, 32), label)


def _clean_display_name(value) -> str:
    return _clean_edited_text(value, "显示名称")


def _clean_class_name(value) -> str | None:
    return _clean_edited_text(value, "班级") or None


def _clean_flag(value) -> bool:
    if not isinstance(value, bool):
        raise AccountError("心理老师标记只能是“是”或“否”（true 或 false）。")
    return value


EDIT_CLEANERS = {
    "display_name": _clean_display_name,
    "grade": _clean_grade,
    "class_name": _clean_class_name,
    "subjects": lambda value: list(_clean_subjects(value if value is not None else ())),
    "grades": lambda value: list(_clean_grades(value if value is not None else ())),
    "is_counsellor": _clean_flag,
}


def assignable_roles(actor, user: User) -> tuple[str, ...]:
    """The roles the actor may give this existing account, its own role first.

    Students stay students and staff stay staff (a new account is the way between them).
    """
    if user.role == Role.STUDENT:
        return (Role.STUDENT,)
    others = tuple(role for role in policy.STAFF_ROLES if role != user.role and (
        actor is None or policy.can_change_role(actor, user, role)))
    return (user.role, *others)


def _new_role(actor, user: User, role) -> str:
    role = str(role or "").strip()
    if role == user.role:
        return role
    if role not in ROLES:
        raise AccountError(f"角色必须是：{'、'.join(ROLES)}。")
    if Role.STUDENT in (role, user.role):
        raise AccountError("学生账号和教职工账号之间不能互改角色，请另建账号。")
    if role not in assignable_roles(actor, user):
        raise NotAllowed(f"你不能把这个账号改为“{ROLE_LABELS[role]}”。")
    return role


def _new_school(actor, user: User, role: str, code) -> School | None:
    if code in (None, ""):
        school = None if role == Role.DISTRICT_ADMIN else user.school
    else:
        school = school_by_code(str(code))
        if actor is not None and not policy.can_move_user(actor, user, getattr(school, "id", None)):
            raise NotAllowed("学校管理员不能把账号转到其他学校。")
        if school is None:
            raise AccountError(f"没有代码为 {str(code)[:32]} 的学校。")
    _check_school(role, school)
    return school


def _fields_of_role(role: str, values: dict, given: set[str]) -> dict:
    """Clear what the role does not have; refuse it when the request sets it explicitly."""
    for fields, owner, message in (
        (STUDENT_FIELDS, Role.STUDENT, "只有学生账号填写年级和班级。"),
        (TEACHER_FIELDS, Role.TEACHER, "只有教师账号填写任教学科、年级和心理老师标记。"),
    ):
        if role == owner:
            continue
        if any(name in given and values[name] != empty for name, empty in fields.items()):
            raise AccountError(message)
        values.update({name: copy(empty) for name, empty in fields.items()})
    return values


def _edited_values(user: User, role: str, changes: dict) -> dict:
    values = {name: getattr(user, name) for name in EDIT_CLEANERS}
    values.update({name: clean(changes[name]) for name, clean in EDIT_CLEANERS.items()
                   if name in changes})
    values = _fields_of_role(role, values, set(changes))
    if not values["display_name"]:
        values["display_name"] = user.alias if role == Role.STUDENT else user.username
    return values


def _apply_changes(user: User, values: dict) -> dict[str, tuple]:
    changed = {}
    for name, value in values.items():
        before = getattr(user, name)
        if before != value:
            changed[name] = tuple(v.code if isinstance(v, School) else v for v in (before, value))
            setattr(user, name, value)
    return changed


def update_user(actor, user: User, **changes) -> dict[str, tuple]:
    """Change some fields of an existing account; the audit log keeps before and after.

    actor: the admin doing it (policy applies), or None for the CLI's operator.
    changes: any of EDITABLE_FIELDS (school as a school code); fields left out keep their value.
        A role change clears the fields the new role does not have.
    Returns {field: (before, after)} for what changed; empty when nothing did.
    Raises UserNotFound, NotAllowed, or AccountError saying what to correct.
    """
    if actor is not None and not policy.can_manage_user(actor, user):
        raise UserNotFound("没有找到这个账号。")
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise AccountError(f"无法修改的字段：{'、'.join(unknown)}。")
    role = _new_role(actor, user, changes.get("role", user.role))
    values = _edited_values(user, role, changes)
    values.update(role=role, school=_new_school(actor, user, role, changes.get("school")))
    changed = _apply_changes(user, values)
    if changed:
        db.session.flush()
        record(actor, "user.update", user, username=user.username,
               before={name: pair[0] for name, pair in changed.items()},
               after={name: pair[1] for name, pair in changed.items()})
        if "is_counsellor" in changed:
            record_counsellor_change(actor, user, granted=user.is_counsellor)
        db.session.commit()
    return changed


# --- The new school year ------------------------------------------------------------------

# The school year turns on 1 July: promotion runs in the summer holiday, for the coming year.
SCHOOL_YEAR_START_MONTH = 7


class AlreadyPromoted(AccountError):
    """The school's students already moved up a grade this school year."""


def school_year_of(day: date) -> int:
    """The school year a day belongs to, named by its first calendar year (2025 for 2025–2026)."""
    return day.year if day.month >= SCHOOL_YEAR_START_MONTH else day.year - 1


def current_school_year() -> int:
    """The school year of today in Asia/Shanghai."""
    return school_year_of(local_date(utcnow()))


def school_year_label(year: int) -> str:
    """A school year as people write it: 2025–2026学年."""
    return f"{year}–{year + 1}学年"


@dataclass
class Promotion:
    """What the new school year does (or did) to one school's active students."""

    school: School
    school_year: int
    final_grade: int
    moves: dict[int, list[int]] = field(default_factory=dict)  # old grade -> student ids
    graduates: list[int] = field(default_factory=list)
    without_grade: list[int] = field(default_factory=list)
    beyond_final: list[int] = field(default_factory=list)
    dry_run: bool = False

    def lines(self) -> list[str]:
        """The summary in Chinese, one line per group of students."""
        title = f"{self.school.name}（{self.school.code}）{school_year_label(self.school_year)}升级"
        lines = [title + ("：预演，没有保存任何修改" if self.dry_run else "：已完成")]
        lines += [f"{grade_label(grade)} → {grade_label(grade + 1)}：{len(ids)} 人"
                  for grade, ids in sorted(self.moves.items())]
        if self.graduates:
            lines.append(f"{grade_label(self.final_grade)}毕业，账号停用（不删除）：{len(self.graduates)} 人")
        if self.without_grade:
            lines.append(f"没有填写年级，未处理：{len(self.without_grade)} 人")
        if self.beyond_final:
            lines.append(f"年级超出本校最高年级（{grade_label(self.final_grade)}），未处理，请核对："
                         f"{len(self.beyond_final)} 人")
        if len(lines) == 1:
            lines.append("没有在读的学生需要升级。")
        return lines


def _plan_promotion(school: School, school_year: int) -> Promotion:
    final = final_grade(school.stage) or 12
    plan = Promotion(school=school, school_year=school_year, final_grade=final)
    students = db.session.execute(
        select(User.id, User.grade).where(User.school_id == school.id, User.role == Role.STUDENT,
                                          User.active.is_(True)).order_by(User.id)
    )
    for user_id, grade in students:
        if grade is None:
            plan.without_grade.append(user_id)
        elif grade == final:
            plan.graduates.append(user_id)
        elif grade > final:
            plan.beyond_final.append(user_id)
        else:
            plan.moves.setdefault(grade, []).append(user_id)
    return plan


def _already_promoted(school: School, school_year: int) -> AlreadyPromoted:
    return AlreadyPromoted(
        f"{school.name}{school_year_label(school_year)}已经升过年级，不能重复升级。"
    )


def _claim_school_year(school: School, school_year: int, force: bool) -> bool:
    # One conditional UPDATE: of two runs at the same moment, only one finds the year unclaimed.
    claim = update(School).where(School.id == school.id).values(promoted_school_year=school_year)
    if not force:
        claim = claim.where(or_(School.promoted_school_year.is_(None),
                                School.promoted_school_year < school_year))
    return db.session.execute(claim).rowcount == 1


def _apply_promotion(plan: Promotion) -> None:
    moving = [user_id for ids in plan.moves.values() for user_id in ids]
    options = {"synchronize_session": False}
    if plan.graduates:
        db.session.execute(update(User).where(User.id.in_(plan.graduates))
                           .values(active=False, graduated_in=plan.school_year)
                           .execution_options(**options))
    if moving:
        db.session.execute(update(User).where(User.id.in_(moving))
                           .values(grade=User.grade + 1).execution_options(**options))


def promote_school(actor, school: School, *, today: date | None = None, dry_run: bool = False,
                   force: bool = False) -> Promotion:
    """Start the new school year: every active student moves up a grade; final-grade ones graduate.

    actor: the admin doing it (policy applies), or None for the CLI's operator.
    school: the school; its stage sets the final grade (vocab.FINAL_GRADES).
    today: the local date deciding the school year (default: today in Asia/Shanghai).
    dry_run: work out and return the plan without writing anything.
    force: run again although this school year's promotion already ran.
    Graduates are deactivated, never deleted. Raises SchoolNotFound or AlreadyPromoted.
    """
    if actor is not None and not policy.can_promote_school(actor, school.id):
        raise SchoolNotFound("没有找到这所学校。")
    school_year = school_year_of(today) if today else current_school_year()
    done = school.promoted_school_year is not None and school.promoted_school_year >= school_year
    if done and not force:
        raise _already_promoted(school, school_year)
    plan = _plan_promotion(school, school_year)
    plan.dry_run = dry_run
    if dry_run:
        return plan
    if not _claim_school_year(school, school_year, force):
        db.session.rollback()
        raise _already_promoted(school, school_year)
    _apply_promotion(plan)
    record(actor, "school.promote", school, school_id=school.id, school_year=school_year,
           forced=force, final_grade=plan.final_grade, graduated=plan.graduates,
           moved={f"{grade}->{grade + 1}": ids for grade, ids in sorted(plan.moves.items())})
    db.session.commit()
    return plan


# --- CSV import ----------------------------------------------------------------------------


def decode_upload(data: bytes) -> str:
    """Text of an uploaded CSV: UTF-8 (with or without BOM) or GB18030 as Excel saves it."""
    if len(data) > MAX_IMPORT_BYTES:
        raise AccountError("文件太大：一次最多上传 1 MB，请分批导入。")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise AccountError("文件编码无法识别，请保存为 UTF-8 编码的 CSV。")


def _read_rows(text: str) -> list[tuple[int, dict]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        return _rows_of(reader)
    except csv.Error as error:
        raise AccountError(f"第 {reader.line_num} 行不是有效的 CSV：{error}。") from None


def _rows_of(reader) -> list[tuple[int, dict]]:
    header = [(name or "").strip().lower() for name in reader.fieldnames or []]
    if "username" not in header or "role" not in header:
        raise AccountError("第 1 行必须是表头，至少包含 username 和 role 两列。")
    unknown = [name for name in header if name not in IMPORT_COLUMNS]
    if unknown:
        raise AccountError(f"第 1 行有无法识别的列：{'、'.join(unknown)}。")
    reader.fieldnames = header
    rows = []
    for row in reader:
        if None in row:
            raise AccountError(f"第 {reader.line_num} 行的列数比表头多。")
        if any((value or "").strip() for value in row.values()):
            rows.append((reader.line_num, row))
        if len(rows) > MAX_IMPORT_ROWS:
            raise AccountError(f"一次最多导入 {MAX_IMPORT_ROWS} 个账号，请分批上传。")
    if not rows:
        raise AccountError("文件里没有账号。")
    return rows


def _check_import_row(actor, school, row: dict, seen: set[str]) -> UserFields:
    fields = check_user_fields(
        row.get("username"), row.get("role"), grade=row.get("grade"),
        class_name=row.get("class"), subjects=row.get("subjects") or "",
        display_name=row.get("display_name"),
    )
    if fields.role == Role.DISTRICT_ADMIN:
        raise AccountError("批量导入不能创建区管理员。")
    _check_may_create(actor, fields, school)
    if fields.username in seen:
        raise AccountError(f"用户名 {fields.username} 在文件里出现了不止一次。")
    if user_by_username(fields.username) is not None:
        raise AccountError(f"用户名 {fields.username} 已被使用。")
    seen.add(fields.username)
    return fields


def import_users(actor, school: School, text: str) -> list[NewAccount]:
    """Create every account of a CSV (columns IMPORT_COLUMNS), all or nothing.

    Every row is checked first; any problem raises ImportRejected listing (line, message)
    for each bad row and nothing is written.
    """
    if not policy.can_manage_school(actor, school.id):
        raise SchoolNotFound("没有找到这所学校。")
    checked, problems, seen = [], [], set()
    for line, row in _read_rows(text):
        try:
            checked.append(_check_import_row(actor, school, row, seen))
        except AccountError as error:
            problems.append((line, str(error)))
    if problems:
        raise ImportRejected(problems)
    created = []
    for fields in checked:
        password = generate_one_time_password()
        user = _add_user(fields, password, school, must_change_password=True)
        created.append(NewAccount(user, password))
    record(actor, "user.import", school, school_id=school.id, count=len(created),
           usernames=[account.user.username for account in created])
    db.session.commit()
    return created


# --- Sign-in -------------------------------------------------------------------------------


@cache
def _dummy_password_hash() -> str:
    return generate_password_hash(secrets.token_hex(16))


def _spend_a_hash_check(password: str) -> None:
    # Unknown usernames take as long as wrong passwords, so timing does not reveal accounts.
    check_password_hash(_dummy_password_hash(), password or "")


def authenticate(username: str, password: str) -> User:
    """Return the active user with these credentials, or raise InvalidCredentials."""
    user = user_by_username(username)
    if user is None:
        _spend_a_hash_check(password)
        raise InvalidCredentials("用户名或密码不正确。")
    if not user.check_password(password or ""):
        raise InvalidCredentials("用户名或密码不正确。")
    if not user.active:
        # Only someone who knows the password learns that the account is deactivated.
        raise InvalidCredentials("这个账号已停用，请联系学校管理员。")
    user.last_login_at = utcnow()
    db.session.commit()
    return user
