"""Finding schools and users, and the schools an admin manages: lookups, lists, new schools."""

from __future__ import annotations

import secrets

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from hplearn import policy
from hplearn.accounts.models import ROLES, School, User
from hplearn.accounts.services.errors import (
    AccountError,
    NotAllowed,
    SchoolNotFound,
    UserNotFound,
)
from hplearn.audit.services import record
from hplearn.extensions import db
from hplearn.pagination import MAX_ID, InvalidParameter, Page, PageRequest
from hplearn.vocab import SCHOOL_STAGES, SCHOOL_TYPE_GENERAL, SCHOOL_TYPES


def load_user(session_id: str) -> User | None:
    """Flask-Login's loader: the active user of this session id (User.get_id), or None.

    Deactivating an account, changing its password or signing out ends its existing sessions.
    Ids without an epoch (sessions from before it existed) count as epoch 0.
    """
    user_id, _, rest = str(session_id).partition(".")
    fingerprint, _, epoch = rest.partition(".")
    if not user_id.isdecimal() or not (epoch or "0").isdecimal() or len(user_id + epoch) > 24:
        return None
    # With the school: most pages read it (the default school type, the menus), one query.
    user = db.session.get(User, int(user_id), options=[joinedload(User.school)])
    if user is None or not user.active:
        return None
    if int(epoch or "0") != (user.session_epoch or 0):
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


def create_school(code: str, name: str, stage: str = "小学", *, actor=None,
                  school_type: str | None = None) -> School:
    """Add a school.

    code: short unique code used in URLs and CLI (letters, digits, - and _).
    name: the school's name.
    stage: one of vocab.SCHOOL_STAGES.
    actor: the admin doing it, or None for the CLI.
    school_type: 盲校, 聋校 or 培智学校 for a special school; None (or 普通) for an ordinary one.
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
    if school_type not in (None, *SCHOOL_TYPES):
        raise AccountError(f"学校类型必须是：{'、'.join(SCHOOL_TYPES)}。")
    if school_by_code(code) is not None:
        raise AccountError(f"学校代码 {code} 已存在。")
    special = school_type if school_type != SCHOOL_TYPE_GENERAL else None
    school = School(code=code, name=name, stage=stage, school_type=special)
    db.session.add(school)
    db.session.flush()
    record(actor, "school.create", school, school_id=school.id, code=code)
    db.session.commit()
    return school


def school_overview() -> list[tuple[School, dict[str, int]]]:
    """Every school with its number of active accounts by role, in one grouped query."""
    counts: dict[int, dict[str, int]] = {}
    rows = db.session.execute(
        select(User.school_id, User.role, func.count())
        .where(User.active.is_(True), User.school_id.is_not(None))
        .group_by(User.school_id, User.role))
    for school_id, role, count in rows:
        counts.setdefault(school_id, {})[str(role)] = count
    return [(school, counts.get(school.id, {})) for school in all_schools()]


def rename_school(actor, code: str, name: str, stage: str, school_type: str | None = None) -> School:
    """A district admin corrects a school's name, stage or type (the code stays: it is in URLs).

    school_type: 普通 or a special school's type; None leaves it as it is.
    """
    if not policy.can_manage_schools(actor):
        raise NotAllowed("只有区级管理员可以修改学校信息。")
    school = school_by_code(code)
    if school is None:
        raise SchoolNotFound("没有找到这所学校。")
    name = " ".join((name or "").split())
    if not name or len(name) > 100:
        raise AccountError("学校名称不能为空，且不超过 100 个字。")
    if stage not in SCHOOL_STAGES:
        raise AccountError(f"学段必须是：{'、'.join(SCHOOL_STAGES)}。")
    if school_type is not None and school_type not in SCHOOL_TYPES:
        raise AccountError(f"学校类型必须是：{'、'.join(SCHOOL_TYPES)}。")
    kind = school.school_type if school_type is None else (
        None if school_type == SCHOOL_TYPE_GENERAL else school_type)
    before = {"name": school.name, "stage": school.stage,
              "school_type": school.school_type or SCHOOL_TYPE_GENERAL}
    school.name, school.stage, school.school_type = name, stage, kind
    record(actor, "school.update", school, school_id=school.id, before=before,
           after={"name": name, "stage": stage, "school_type": kind or SCHOOL_TYPE_GENERAL})
    db.session.commit()
    return school
