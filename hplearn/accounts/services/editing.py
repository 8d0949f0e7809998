"""Editing existing accounts: names, grades and classes, subjects, roles and schools."""

from __future__ import annotations

from copy import copy

from hplearn import policy
from hplearn.accounts.models import ROLE_LABELS, ROLES, School, User
from hplearn.accounts.services.directory import school_by_code
from hplearn.accounts.services.errors import (
    AccountError,
    NotAllowed,
    UserNotFound,
)
from hplearn.accounts.services.users import (
    _check_school,
    _clean_grade,
    _clean_grades,
    _clean_subjects,
    _clean_text,
    record_counsellor_change,
    without_personal_information,
)
from hplearn.audit.services import record
from hplearn.extensions import db
from hplearn.vocab import Role

EDITABLE_FIELDS = ("display_name", "grade", "class_name", "subjects", "grades", "is_counsellor",
                   "is_safeguarding", "role", "school")
STUDENT_FIELDS = {"grade": None, "class_name": None}
TEACHER_FIELDS = {"subjects": [], "grades": [], "is_counsellor": False, "is_safeguarding": False}


def _clean_edited_text(value, label: str) -> str:
    if value is not None and not isinstance(value, str):
        raise AccountError(f"{label}必须是文字。")
    return without_personal_information(_clean_text(value, label, 32), label)


def _clean_display_name(value) -> str:
    return _clean_edited_text(value, "显示名称")


def _clean_class_name(value) -> str | None:
    return _clean_edited_text(value, "班级") or None


def _clean_flag(value) -> bool:
    if not isinstance(value, bool):
        raise AccountError("心理老师和安全保护老师标记只能是“是”或“否”（true 或 false）。")
    return value


EDIT_CLEANERS = {
    "display_name": _clean_display_name,
    "grade": _clean_grade,
    "class_name": _clean_class_name,
    "subjects": lambda value: list(_clean_subjects(value if value is not None else ())),
    "grades": lambda value: list(_clean_grades(value if value is not None else ())),
    "is_counsellor": _clean_flag,
    "is_safeguarding": _clean_flag,
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
