"""/parents/school/<code>/binding-codes: school admins print one-use codes a grade at a time."""

import re

import pytest
from sqlalchemy import func, select

from hplearn.audit.models import AuditEntry
from hplearn.extensions import db
from hplearn.parents.models import BindingCode
from tests import factories


def _codes() -> int:
    return db.session.scalar(select(func.count()).select_from(BindingCode))


def test_a_school_admin_prints_codes_that_a_parent_can_use(client, login, school_admin, student):
    login(school_admin)
    page = client.get("/parents/school/hp001/binding-codes?grade=7").get_data(as_text=True)
    assert "stu1" in page and 'name="student_id"' in page
    sheet = client.post("/parents/school/hp001/binding-codes",
                        data={"student_id": [student.id], "grade": "7"})
    assert sheet.status_code == 200 and sheet.headers["Cache-Control"] == "no-store"
    [code] = re.findall(r'<code class="otp">([^<]+)</code>', sheet.get_data(as_text=True))
    assert _codes() == 1
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "parents.binding_codes"))
    login.logout()
    parent = factories.UserFactory(username="dad1", role="parent", school=None)
    login(parent)
    response = client.post("/api/v1/parents/bind", json={"code": code})
    assert response.status_code == 200 and response.get_json()["children"][0]["id"] == student.id


def test_no_student_chosen_or_too_many_or_bad_ids(client, login, school_admin, student):
    login(school_admin)
    response = client.post("/parents/school/hp001/binding-codes", data={"grade": "7"})
    assert response.status_code == 302
    assert "至少选择一名学生" in client.get(response.headers["Location"]).get_data(as_text=True)
    client.post("/parents/school/hp001/binding-codes", data={"student_id": ["x"]})
    client.post("/parents/school/hp001/binding-codes", data={"student_id": [str(i) for i in range(1, 300)]})
    assert _codes() == 0
    assert client.get("/parents/school/hp001/binding-codes?grade=abc").status_code == 400


def test_students_of_another_school_get_no_code(client, login, school_admin, other_school):
    outsider = factories.UserFactory(username="far1", role="student", school=other_school, grade=7)
    login(school_admin)
    response = client.post("/parents/school/hp001/binding-codes", data={"student_id": [outsider.id]})
    assert response.status_code == 404 and _codes() == 0
    assert client.get("/parents/school/hp002/binding-codes").status_code == 404


@pytest.mark.parametrize("role", ["teacher", "student"])
def test_teachers_and_students_cannot_print_codes(client, login, request, role, student):
    login(request.getfixturevalue(role))
    assert client.get("/parents/school/hp001/binding-codes").status_code == 403
    assert client.post("/parents/school/hp001/binding-codes",
                       data={"student_id": [student.id]}).status_code == 403
    assert _codes() == 0
