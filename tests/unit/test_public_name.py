"""Students appear to other students only by a generated alias, never a real name."""

import pytest
from flask_login import AnonymousUserMixin

from hplearn.accounts.models import User
from hplearn.policy import public_name


def _user(user_id, role, school_id=1, display_name="王小明"):
    return User(id=user_id, username=f"u{user_id}", role=role, school_id=school_id,
                display_name=display_name, active=True)


def test_alias_is_stable_short_and_not_the_name():
    student = _user(7, "student")
    assert student.alias == student.alias
    assert student.alias != _user(8, "student").alias
    assert student.alias.startswith("同学") and len(student.alias) == 10
    assert "王" not in student.alias and student.alias[2:] != "7"


@pytest.mark.parametrize(("viewer", "sees_name"), [
    (AnonymousUserMixin(), False),
    (_user(2, "student"), False),
    (_user(3, "teacher", school_id=2), False),
    (_user(4, "school_admin", school_id=2), False),
    (_user(5, "teacher"), True),
    (_user(6, "school_admin"), True),
    (_user(9, "district_admin", school_id=None), True),
    (None, False),
])
def test_who_sees_a_students_display_name(viewer, sees_name):
    student = _user(1, "student")
    expected = "王小明" if sees_name else student.alias
    assert public_name(student, viewer) == expected


def test_student_sees_own_name():
    student = _user(1, "student")
    assert public_name(student, student) == "王小明"


def test_staff_names_are_public():
    teacher = _user(5, "teacher", display_name="张老师")
    assert public_name(teacher, AnonymousUserMixin()) == "张老师"
