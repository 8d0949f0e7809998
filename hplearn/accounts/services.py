"""Account rules: creating schools and users, signing in."""

from __future__ import annotations

from sqlalchemy import select

from hplearn.accounts.models import ROLES, School, User
from hplearn.extensions import db
from hplearn.timeutil import utcnow
from hplearn.vocab import SCHOOL_STAGES, canonical_subject


class AccountError(Exception):
    """A request the account rules refuse; its message is shown to the user."""


class InvalidCredentials(AccountError):
    """Wrong username or password, or a deactivated account."""


def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: the active user with this id, or None."""
    if not str(user_id).isdigit():
        return None
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.active else None


def school_by_code(code: str) -> School | None:
    """The school with this code, or None."""
    return db.session.scalar(select(School).where(School.code == code))


def create_school(code: str, name: str, stage: str = "小学") -> School:
    """Add a school.

    code: short unique code used in URLs and CLI (letters, digits, - and _).
    name: the school's name.
    stage: one of vocab.SCHOOL_STAGES.
    """
    code = (code or "").strip()
    name = (name or "").strip()
    if not code or len(code) > 32 or not all(c.isalnum() or c in "-_" for c in code):
        raise AccountError("学校代码只能包含字母、数字、- 和 _，长度 1–32。")
    if not name or len(name) > 100:
        raise AccountError("学校名称不能为空，且不超过 100 个字。")
    if stage not in SCHOOL_STAGES:
        raise AccountError(f"学段必须是：{'、'.join(SCHOOL_STAGES)}。")
    if school_by_code(code) is not None:
        raise AccountError(f"学校代码 {code} 已存在。")
    school = School(code=code, name=name, stage=stage)
    db.session.add(school)
    db.session.commit()
    return school


def create_user(
    username: str,
    role: str,
    password: str,
    *,
    school: School | None = None,
    grade: int | None = None,
    subjects: list[str] | None = None,
    display_name: str | None = None,
    is_counsellor: bool = False,
    must_change_password: bool = False,
) -> User:
    """Add a user account.

    username: unique sign-in name.
    role: one of accounts.models.ROLES.
    password: the initial password (at least 8 characters).
    school: required for every role except district_admin.
    grade: a student's grade (1–12).
    subjects: a teacher's subjects (curriculum names or short names).
    """
    username = (username or "").strip()
    if not username or len(username) > 64 or any(c.isspace() for c in username):
        raise AccountError("用户名不能为空、不能含空格，且不超过 64 个字符。")
    if role not in ROLES:
        raise AccountError(f"角色必须是：{'、'.join(ROLES)}。")
    if role != "district_admin" and school is None:
        raise AccountError("除区管理员外，每个账号都要属于一所学校。")
    if len(password or "") < 8:
        raise AccountError("密码至少 8 位。")
    if grade is not None and not 1 <= grade <= 12:
        raise AccountError("年级必须在 1–12 之间。")
    canonical = [canonical_subject(s) for s in subjects or []]
    if None in canonical:
        raise AccountError("学科名称无法识别。")
    if db.session.scalar(select(User).where(User.username == username)) is not None:
        raise AccountError(f"用户名 {username} 已被使用。")
    user = User(
        username=username,
        role=role,
        school=school,
        grade=grade,
        subjects=canonical,
        display_name=(display_name or "").strip() or username,
        is_counsellor=is_counsellor,
        must_change_password=must_change_password,
    )
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


def authenticate(username: str, password: str) -> User:
    """Return the active user with these credentials, or raise InvalidCredentials."""
    user = db.session.scalar(select(User).where(User.username == (username or "").strip()))
    if user is None or not user.active or not user.check_password(password or ""):
        raise InvalidCredentials("用户名或密码不正确。")
    user.last_login_at = utcnow()
    db.session.commit()
    return user
