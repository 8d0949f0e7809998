"""Binding parents to children: codes the school issues, their one use, the links they make."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from hplearn import policy
from hplearn.accounts.models import School, User
from hplearn.afterschool import services as afterschool
from hplearn.audit.services import record
from hplearn.errors import Forbidden, Invalid, NotFound
from hplearn.extensions import db
from hplearn.parents.models import BindingCode, ParentLink
from hplearn.timeutil import utcnow
from hplearn.vocab import Role

# No 0/O, 1/I/L: the code is read off paper and typed on a phone.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
MAX_ID = 2**31 - 1


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def normalise_code(value) -> str:
    """The code as typed, without spaces or dashes and in capitals; Invalid if it is not text."""
    if not isinstance(value, str) or not value.strip():
        raise Invalid("请输入学校发给你的绑定码。", "code")
    code = "".join(value.split()).replace("-", "").upper()
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        raise Invalid(f"绑定码是 {CODE_LENGTH} 位字母和数字，请对照学校发的纸条重新输入。", "code")
    return code


def managed_school(actor, code: str) -> School:
    """The school with this code, if the actor administers it (404 otherwise)."""
    if not policy.is_admin(actor):
        raise Forbidden("只有学校管理员可以生成家长绑定码。")
    school = db.session.scalar(select(School).where(School.code == code))
    if school is None or not policy.can_manage_school(actor, school.id):
        raise NotFound("没有找到这所学校。")
    return school


def school_student(school: School, student_id) -> User:
    """An active student of this school by id (404 otherwise)."""
    if isinstance(student_id, bool) or not isinstance(student_id, int) or not (
            1 <= student_id <= MAX_ID):
        raise NotFound("没有找到这个学生。")
    student = db.session.get(User, student_id)
    if (student is None or student.role != Role.STUDENT or student.school_id != school.id
            or not student.active):
        raise NotFound("没有找到这个学生。")
    return student


def issue_binding_code(actor, school: School, student: User) -> tuple[str, BindingCode]:
    """Make a new one-use code for the student's family; returns (code, its record).

    actor: an admin of the student's school, or None for the command line; the code itself is
    shown once and never stored.
    """
    if actor is not None and not policy.can_issue_binding_code(actor, student):
        raise NotFound("没有找到这个学生。")
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    days = current_app.config["PARENTS_BINDING_CODE_DAYS"]
    record = BindingCode(digest=_digest(code), student_id=student.id, school_id=school.id,
                         created_by_id=getattr(actor, "id", None),
                         expires_at=utcnow() + timedelta(days=days))
    db.session.add(record)
    db.session.commit()
    return code, record


def link(parent: User, student: User) -> bool:
    """Bind the parent to the student; False if they already were (nothing changes)."""
    exists = db.session.scalar(select(ParentLink.id).where(
        ParentLink.parent_id == parent.id, ParentLink.student_id == student.id))
    if exists is not None:
        return False
    db.session.add(ParentLink(parent_id=parent.id, student_id=student.id))
    db.session.flush()
    db.session.expire(student, ["parents"])
    afterschool.hold_for_parent(student)
    return True


def bind(parent, code_text, school_code=None) -> User:
    """Use a binding code: the parent is bound to its student; returns the student.

    school_code: the school the parent believes the code is from; a code of another school is
    refused. A used, expired or unknown code is refused with Invalid (422) and changes nothing.
    """
    if not policy.is_parent(parent):
        raise Forbidden("只有家长账号可以用绑定码绑定孩子。")
    code = normalise_code(code_text)
    record = db.session.scalar(select(BindingCode).where(BindingCode.digest == _digest(code)))
    if record is None:
        raise Invalid("没有这个绑定码，请核对后重新输入，或请学校重新打印。", "code")
    if school_code not in (None, "") and record.school.code != school_code:
        raise Invalid("这个绑定码不是该学校发的，请选择孩子所在的学校。", "code")
    now = utcnow()
    if record.used_at is not None:
        raise Invalid("这个绑定码已经用过了，每个绑定码只能用一次；请向学校申请新的绑定码。", "code")
    if record.expires_at <= now:
        raise Invalid("这个绑定码已过期，请向学校申请新的绑定码。", "code")
    student = record.student
    if student.role != Role.STUDENT or not student.active:
        raise Invalid("这个绑定码对应的学生账号已停用，请联系学校。", "code")
    # One conditional UPDATE: of two parents typing the same code at once, one wins.
    taken = db.session.execute(
        update(BindingCode)
        .where(BindingCode.id == record.id, BindingCode.used_at.is_(None))
        .values(used_at=now, used_by_id=parent.id)
    ).rowcount
    if taken != 1:
        db.session.rollback()
        raise Invalid("这个绑定码已经用过了，每个绑定码只能用一次；请向学校申请新的绑定码。", "code")
    link(parent, student)
    db.session.commit()
    return student


def bind_children_by_username(parent: User | None, usernames) -> list[User]:
    """Bind a parent to students named by username (the command line); Invalid if one is not
    an active student. With parent None, only check the names (before the account is made)."""
    students = []
    for username in usernames:
        student = db.session.scalar(select(User).where(User.username == username))
        if student is None or student.role != Role.STUDENT or not student.active:
            raise Invalid(f"没有名为 {username} 的在读学生账号。", "child")
        students.append(student)
    if parent is None:
        return students
    for student in students:
        link(parent, student)
    db.session.commit()
    return students


def children_of(parent) -> list[User]:
    """The parent's bound children (an empty list for anyone else)."""
    if not policy.is_parent(parent):
        raise Forbidden("只有家长账号有绑定的孩子。")
    return list(parent.children)


def child_of(parent, student_id) -> User:
    """One of the parent's children by id; 404 for any other student."""
    for child in children_of(parent):
        if child.id == student_id:
            return child
    raise NotFound("没有找到这个孩子。")


MAX_CODES_AT_ONCE = 200


def school_students(school: School, grade=None) -> list[User]:
    """The school's active students, by grade, class and name, optionally of one grade."""
    query = select(User).where(User.school_id == school.id, User.role == Role.STUDENT,
                               User.active.is_(True))
    if grade is not None:
        query = query.where(User.grade == grade)
    return list(db.session.scalars(query.order_by(User.grade, User.class_name, User.display_name,
                                                  User.id)))


def issue_binding_codes(actor, school: School, student_ids) -> list[tuple[User, str, BindingCode]]:
    """One new code for each chosen student of the school, for the printed sheet (audited)."""
    wanted = []
    for value in student_ids:
        try:
            wanted.append(int(value))
        except (TypeError, ValueError):
            raise Invalid("请选择学生。") from None
    wanted = list(dict.fromkeys(wanted))
    if not wanted:
        raise Invalid("请至少选择一名学生。")
    if len(wanted) > MAX_CODES_AT_ONCE:
        raise Invalid(f"一次最多生成 {MAX_CODES_AT_ONCE} 个绑定码，请按班级分批打印。")
    students = [school_student(school, student_id) for student_id in wanted]
    issued = [(student, *issue_binding_code(actor, school, student)) for student in students]
    record(actor, "parents.binding_codes", None, school_id=school.id, count=len(issued))
    db.session.commit()
    return issued
