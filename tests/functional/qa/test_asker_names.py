"""Anonymity never names the asker to more people than a named question does (issue 11, item 2).

Staff of another school see a student only by alias, on the student's named and anonymous
questions alike; the student's own school's staff and district admins see the display name;
other students see an anonymous asker as 匿名同学, without even the alias.
"""

import pytest

from hplearn.qa import services
from tests import factories
from tests.qa_fixtures import ask

REAL_NAME = "王小明"


@pytest.fixture
def named_student(school):
    return factories.UserFactory(username="wangxm", display_name=REAL_NAME, role="student",
                                 school=school, grade=7)


def _answered(student, teacher, **fields):
    asked = ask(student, **fields)
    services.claim_question(asked.id, teacher)
    services.answer_question(asked.id, teacher, "回答")
    return asked


@pytest.fixture
def both(named_student, teacher):
    """One anonymous and one named answered question of the same student."""
    return (_answered(named_student, teacher, anonymous=True, title="匿名问一个数学问题"),
            _answered(named_student, teacher, title="署名问一个数学问题"))


def _seen(client, question_id) -> tuple[str, str, str]:
    """What this client sees of the asker: the page, the API record and the API list."""
    page = client.get(f"/qa/{question_id}").get_data(as_text=True)
    record = client.get(f"/api/v1/questions/{question_id}").json
    listing = client.get("/api/v1/questions")
    listed = next(item for item in listing.json["results"] if item["id"] == question_id)
    return page, record["asker"], listed["asker"]


def _other_school_staff(kind, other_school):
    role = "teacher" if kind == "teacher" else "school_admin"
    return factories.UserFactory(username=f"other_{kind}", role=role, school=other_school,
                                 subjects=["数学"], grades=[7])


@pytest.mark.parametrize("kind", ["teacher", "school_admin"])
def test_other_schools_staff_see_only_the_alias_on_anonymous_and_named_questions(
    client, login, other_school, named_student, both, kind
):
    anonymous, named = both
    login(_other_school_staff(kind, other_school))
    page, record, listed = _seen(client, anonymous.id)
    assert record == listed == f"{named_student.alias}（匿名提问）"
    assert REAL_NAME not in page and named_student.username not in page
    page, record, listed = _seen(client, named.id)
    assert record == listed == named_student.alias
    assert REAL_NAME not in page and named_student.username not in page


@pytest.mark.parametrize("viewer", ["teacher", "school_admin", "district_admin"])
def test_own_schools_staff_and_district_admins_see_the_name_on_an_anonymous_question(
    client, login, request, named_student, both, viewer
):
    anonymous, named = both
    login(request.getfixturevalue(viewer))
    page, record, listed = _seen(client, anonymous.id)
    assert record == listed == f"{REAL_NAME}（匿名提问）"
    assert f"提问：{REAL_NAME}（匿名提问）" in page
    assert _seen(client, named.id)[1] == REAL_NAME


@pytest.mark.parametrize("viewer", ["classmate", "other_school_student"])
def test_other_students_see_neither_name_nor_alias_of_an_anonymous_asker(
    client, login, request, named_student, both, viewer
):
    anonymous, _ = both
    login(request.getfixturevalue(viewer))
    page, record, listed = _seen(client, anonymous.id)
    assert record == listed == services.ANONYMOUS_NAME
    assert f"提问：{services.ANONYMOUS_NAME}" in page
    for secret in (REAL_NAME, named_student.username, named_student.alias):
        assert secret not in page


def test_the_asker_sees_their_own_anonymous_question_as_theirs(client, login, named_student, both):
    login(named_student)
    assert _seen(client, both[0].id)[1] == "我（匿名）"
