"""Fixtures and helpers for the Q&A tests (imported by their conftest modules)."""

from __future__ import annotations

import pytest

from hplearn.qa import services
from tests import factories


def ask(student, **fields):
    """Ask a question through the service with sensible defaults."""
    values = {"title": "一元一次方程怎么移项？", "body": "移项为什么要变号？", "subject": "数学"}
    values.update(fields)
    return services.ask_question(student, **values)


@pytest.fixture
def classmate(school):
    """Another grade-7 student of the same school."""
    return factories.UserFactory(username="stu2", role="student", school=school, grade=7)


@pytest.fixture
def other_school_student(other_school):
    """A student of another school of the district."""
    return factories.UserFactory(username="stu9", role="student", school=other_school, grade=7)


@pytest.fixture
def second_teacher(school):
    """A second maths teacher of the same school."""
    return factories.UserFactory(
        username="tea2", role="teacher", school=school, subjects=["数学"], grades=[7]
    )


@pytest.fixture
def chinese_teacher(school):
    """A teacher of the same school who teaches another subject."""
    return factories.UserFactory(
        username="tea3", role="teacher", school=school, subjects=["语文"], grades=[7]
    )


@pytest.fixture
def primary_maths_teacher(school):
    """A maths teacher of the same school who teaches other grades only."""
    return factories.UserFactory(
        username="tea4", role="teacher", school=school, subjects=["数学"], grades=[1, 2, 3]
    )


@pytest.fixture
def other_school_teacher(other_school):
    """A maths teacher of another school."""
    return factories.UserFactory(
        username="tea9", role="teacher", school=other_school, subjects=["数学"], grades=[7]
    )


@pytest.fixture
def counsellor(school):
    """The school's counsellor (心理老师)."""
    return factories.UserFactory(
        username="xinli1", display_name="林老师", role="teacher", school=school,
        subjects=["心理健康"], is_counsellor=True,
    )


@pytest.fixture
def district_counsellor(other_school):
    """A counsellor of another school of the district."""
    return factories.UserFactory(
        username="xinli9", display_name="周老师", role="teacher", school=other_school,
        subjects=["心理健康"], is_counsellor=True,
    )


@pytest.fixture
def question(student, teacher):
    """An open maths question of `student`, routed to its school's maths teacher `teacher`."""
    return ask(student)


@pytest.fixture
def answered_question(student, teacher):
    """A question `teacher` has claimed and answered."""
    asked = ask(student, title="分数除法为什么要颠倒相乘？")
    services.claim_question(asked.id, teacher)
    services.answer_question(asked.id, teacher, "因为除以一个数等于乘它的**倒数**。")
    return asked
