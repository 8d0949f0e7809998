"""Parents: binding codes, the links they make, what a parent sees, and what they never see."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from hplearn import policy
from hplearn.errors import Invalid, NotFound
from hplearn.extensions import db
from hplearn.parents import services
from hplearn.parents.models import BindingCode, ParentLink
from hplearn.timeutil import utcnow
from tests import factories
from tests.openapi_check import checked
from tests.parents_fixtures import parent_of
from tests.qa_fixtures import ask


@pytest.fixture
def parent(app):
    return factories.UserFactory(username="mum1", role="parent", school=None)


@pytest.fixture
def other_child(other_school):
    return factories.UserFactory(username="stu9", role="student", school=other_school, grade=8,
                                 display_name="李小红")


def _code(client, login, admin, school, student):
    login(admin)
    body = checked(client.post(f"/api/v1/schools/{school.code}/students/{student.id}/binding-code"),
                   201)
    client.post("/api/v1/auth/logout")
    return body["code"]


def test_a_parent_binds_a_child_with_the_schools_code(client, login, school, school_admin,
                                                      student, parent):
    code = _code(client, login, school_admin, school, student)
    login(parent)
    body = checked(client.post("/api/v1/parents/bind", json={"code": code}), 200)
    assert [c["id"] for c in body["children"]] == [student.id]
    assert body["children"][0]["school"] == school.code and body["children"][0]["grade"] == 7
    listed = checked(client.get("/api/v1/parents/children"), 200)
    assert [c["id"] for c in listed["children"]] == [student.id]


def test_a_code_is_typed_loosely_but_stored_only_as_a_digest(app, school, student, parent):
    code, record = services.issue_binding_code(None, school, student)
    assert code not in record.digest
    services.bind(parent, f" {code[:5].lower()}-{code[5:]} ")
    assert policy.is_parent_of(parent, student)


def test_a_code_used_twice_is_refused(client, login, school, school_admin, student, parent):
    code = _code(client, login, school_admin, school, student)
    second = factories.UserFactory(username="dad1", role="parent", school=None)
    login(parent)
    assert client.post("/api/v1/parents/bind", json={"code": code}).status_code == 200
    client.post("/api/v1/auth/logout")
    login(second)
    refused = client.post("/api/v1/parents/bind", json={"code": code})
    assert refused.status_code == 422 and "已经用过" in refused.get_json()["error"]["message"]
    assert not policy.is_parent_of(second, student)


def test_an_expired_code_is_refused(app, school, student, parent):
    code, record = services.issue_binding_code(None, school, student)
    db.session.execute(update(BindingCode).where(BindingCode.id == record.id)
                       .values(expires_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    with pytest.raises(Invalid, match="已过期"):
        services.bind(parent, code)
    assert db.session.scalar(select(ParentLink.id)) is None


def test_a_code_of_another_school_is_refused(client, login, school, other_school, student, parent):
    code, _ = services.issue_binding_code(None, school, student)
    login(parent)
    refused = client.post("/api/v1/parents/bind", json={"code": code, "school": other_school.code})
    assert refused.status_code == 422 and "不是该学校" in refused.get_json()["error"]["message"]


@pytest.mark.parametrize("code", ["", "ABC", "0000000000", 12345, None, ["A"]])
def test_unknown_or_malformed_codes_get_a_chinese_422(client, login, parent, code):
    login(parent)
    refused = client.post("/api/v1/parents/bind", json={"code": code})
    assert refused.status_code == 422
    assert "绑定码" in refused.get_json()["error"]["message"]


def test_an_unknown_well_formed_code_is_refused(client, login, parent):
    login(parent)
    refused = client.post("/api/v1/parents/bind", json={"code": "ABCDEFGHJK"})
    assert refused.status_code == 422 and "没有这个绑定码" in refused.get_json()["error"]["message"]


def test_only_parents_bind(client, login, school, student):
    code, _ = services.issue_binding_code(None, school, student)
    other = factories.UserFactory(username="stu2", role="student", school=school, grade=7)
    login(other)
    assert client.post("/api/v1/parents/bind", json={"code": code}).status_code == 403
    assert db.session.scalar(select(BindingCode.used_at)) is None


def test_another_schools_admin_cannot_print_a_code_for_our_student(client, login, school,
                                                                   other_school, student):
    stranger = factories.UserFactory(username="sadmin2", role="school_admin", school=other_school)
    login(stranger)
    assert client.post(f"/api/v1/schools/{school.code}/students/{student.id}/binding-code"
                       ).status_code == 404
    assert client.post(f"/api/v1/schools/{other_school.code}/students/{student.id}/binding-code"
                       ).status_code == 404
    assert db.session.scalar(select(BindingCode.id)) is None


def test_a_teacher_cannot_print_a_code(client, login, school, teacher, student):
    login(teacher)
    assert client.post(f"/api/v1/schools/{school.code}/students/{student.id}/binding-code"
                       ).status_code == 403


def test_a_parent_never_sees_another_familys_child(app, student, other_child):
    parent = parent_of(student)
    assert policy.is_parent_of(parent, student)
    assert not policy.is_parent_of(parent, other_child)
    assert not policy.can_view_child(parent, other_child)
    assert not policy.can_sign_up_for(parent, other_child)
    assert not policy.can_view_student_afterschool(parent, other_child)
    with pytest.raises(NotFound):
        services.child_of(parent, other_child.id)


def test_a_parent_gets_404_for_another_familys_child_in_the_afterschool_api(
        client, login, student, other_child):
    login(parent_of(student))
    for child in (other_child,):
        response = client.get(f"/api/v1/afterschool/enrolments?student_id={child.id}")
        assert response.status_code == 404
        assert "李小红" not in response.get_data(as_text=True)


def test_a_parent_reads_no_question_of_any_kind(client, login, student, teacher):
    own = ask(student)
    parent = parent_of(student)
    login(parent)
    for url in ("/qa/", f"/qa/{own.id}", "/api/v1/questions", f"/api/v1/questions/{own.id}",
                "/api/v1/questions/alerts", "/qa/ask"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert own.title not in response.get_data(as_text=True)
    assert client.post("/api/v1/questions", json={"title": "x", "body": "y"}).status_code == 403
    assert not policy.may_read_questions(parent)
    assert policy.may_read_questions(student) and policy.may_read_questions(teacher)


def test_parents_are_invisible_to_students_but_see_their_childs_name(app, student, teacher):
    student.display_name = "王小明"
    parent = parent_of(student)
    parent.display_name = "王妈妈"
    assert policy.public_name(parent, student) == "家长"
    assert policy.public_name(parent, teacher) == "王妈妈"
    assert policy.public_name(student, parent) == "王小明"
    stranger = parent_of(factories.UserFactory(username="stu5", role="student",
                                               school=student.school), username="dad5")
    assert policy.public_name(student, stranger) == student.alias


def test_cli_creates_a_parent_bound_to_children(runner, school, student):
    made = runner.invoke(args=["users", "create", "mum7", "--role", "parent", "--child", "stu1",
                               "--password", "pass-word-1"])
    assert made.exit_code == 0, made.output
    parent = db.session.scalar(select(factories.User).where(factories.User.username == "mum7"))
    assert parent.school_id is None and policy.is_parent_of(parent, student)


@pytest.mark.parametrize(("args", "message"), [
    (["--role", "parent", "--child", "nobody"], "没有名为 nobody"),
    (["--role", "parent", "--school", "hp001"], "家长账号不属于学校"),
    (["--role", "teacher", "--school", "hp001", "--child", "stu1"], "只有家长账号"),
])
def test_cli_refuses_bad_parents_and_makes_nothing(runner, school, student, args, message):
    made = runner.invoke(args=["users", "create", "mum8", *args, "--password", "pass-word-1"])
    assert made.exit_code != 0 and message in made.output
    assert db.session.scalar(select(factories.User).where(factories.User.username == "mum8")) is None


def test_cli_prints_binding_codes_and_refuses_other_schools_pupils(runner, school, other_school,
                                                                   student, other_child):
    printed = runner.invoke(args=["parents", "binding-code", "--school", "hp001", "stu1"])
    assert printed.exit_code == 0 and printed.output.startswith("stu1\t")
    refused = runner.invoke(args=["parents", "binding-code", "--school", "hp001", "stu9"])
    assert refused.exit_code != 0 and "没有名为 stu9" in refused.output


def test_the_parent_page_binds_a_child(client, login, school, student, parent):
    code, _ = services.issue_binding_code(None, school, student)
    login(parent)
    assert "还没有绑定孩子" in client.get("/parents/").get_data(as_text=True)
    bad = client.post("/parents/bind", data={"code": "ABC"})
    assert bad.status_code == 422 and "绑定码是" in bad.get_data(as_text=True)
    done = client.post("/parents/bind", data={"code": code}, follow_redirects=True)
    assert done.status_code == 200 and student.display_name in done.get_data(as_text=True)


def test_the_parent_page_is_for_parents(client, login, student):
    login(student)
    assert client.get("/parents/").status_code == 403
