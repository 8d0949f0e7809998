"""Admins edit existing accounts: the form at /admin/users/<id>/edit, PATCH in the API, the CLI."""

import pytest
from sqlalchemy import select

from hplearn import policy
from hplearn.accounts import services
from hplearn.accounts.models import User
from hplearn.audit.models import AuditEntry
from hplearn.extensions import db
from tests import factories
from tests.conftest import DEFAULT_PASSWORD
from tests.openapi_check import assert_matches_spec


def _user(username):
    return db.session.scalar(select(User).where(User.username == username))


def _edits():
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "user.update")))


@pytest.fixture
def other_admin(other_school):
    """The admin of the other school."""
    return factories.UserFactory(username="sadmin2", role="school_admin", school=other_school)


# --- The form ---------------------------------------------------------------------------------


def test_school_admin_edits_a_student(client, login, school_admin, student):
    login(school_admin)
    page = client.get(f"/admin/users/{student.id}/edit").get_data(as_text=True)
    assert 'name="grade"' in page and 'name="subjects"' not in page and 'name="role"' not in page
    response = client.post(f"/admin/users/{student.id}/edit", data={
        "display_name": "李小红", "grade": "初二", "class_name": "3班"})
    assert response.status_code == 302
    user = _user("stu1")
    assert (user.display_name, user.grade, user.class_name) == ("李小红", 8, "3班")
    [entry] = _edits()
    assert entry.actor_id == school_admin.id and entry.object_id == student.id
    assert entry.details["before"] == {"display_name": "stu1", "grade": 7, "class_name": None}
    assert entry.details["after"] == {"display_name": "李小红", "grade": 8, "class_name": "3班"}
    log = client.get("/admin/audit").get_data(as_text=True)
    assert "修改账号" in log and "年级=7" in log and "年级=8" in log and "班级=3班" in log


def test_other_students_still_see_only_the_alias(client, login, school_admin, student, school):
    login(school_admin)
    client.post(f"/admin/users/{student.id}/edit", data={"display_name": "王小明", "grade": "7"})
    classmate = factories.UserFactory(username="stu2", role="student", school=school)
    edited = _user("stu1")
    assert policy.public_name(edited, classmate) == edited.alias
    assert policy.public_name(edited, school_admin) == "王小明"
    client.post(f"/admin/users/{student.id}/edit", data={"display_name": "", "grade": "7"})
    assert _user("stu1").display_name == edited.alias


def test_school_admin_edits_a_teacher(client, login, school_admin, teacher):
    login(school_admin)
    response = client.post(f"/admin/users/{teacher.id}/edit", data={
        "role": "teacher", "display_name": "张老师", "subjects": "数学，心理",
        "grades": "8, 9", "is_counsellor": "y"})
    assert response.status_code == 302
    user = _user("tea1")
    assert user.subjects == ["数学", "心理健康"] and user.grades == [8, 9] and user.is_counsellor
    client.post(f"/admin/users/{teacher.id}/edit", data={
        "role": "teacher", "display_name": "张老师", "subjects": "数学", "grades": "8"})
    assert not _user("tea1").is_counsellor and _user("tea1").subjects == ["数学"]


@pytest.mark.parametrize(("user_fixture", "data", "message"), [
    ("student", {"grade": "13"}, "年级"),
    ("student", {"grade": "0"}, "年级"),
    ("student", {"grade": "7", "display_name": "x" * 33}, "显示名称"),
    ("student", {"grade": "7", "display_name": "小明13912345678"}, "手机号码"),
    ("student", {"grade": "7", "class_name": "三年二班王小明"}, "个人信息"),
    ("teacher", {"role": "teacher", "subjects": "魔法"}, "无法识别"),
    ("teacher", {"role": "teacher", "subjects": "数学", "grades": "十三"}, "年级"),
])
def test_form_refuses_bad_values(request, client, login, school_admin, user_fixture, data,
                                 message):
    user = request.getfixturevalue(user_fixture)
    before = (user.display_name, user.grade, list(user.subjects), list(user.grades))
    login(school_admin)
    response = client.post(f"/admin/users/{user.id}/edit", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    again = _user(user.username)
    assert (again.display_name, again.grade, list(again.subjects), list(again.grades)) == before
    assert _edits() == []


def test_school_admin_makes_a_teacher_school_admin_not_district_admin(client, login, school_admin,
                                                                      teacher):
    login(school_admin)
    page = client.get(f"/admin/users/{teacher.id}/edit").get_data(as_text=True)
    assert 'value="school_admin"' in page and 'value="district_admin"' not in page
    refused = client.post(f"/admin/users/{teacher.id}/edit",
                          data={"role": "district_admin", "subjects": "数学"})
    assert refused.status_code == 403 and _user("tea1").role == "teacher"
    assert client.post(f"/admin/users/{teacher.id}/edit",
                       data={"role": "school_admin"}).status_code == 302
    user = _user("tea1")
    assert user.role == "school_admin" and user.subjects == [] and user.grades == []
    assert user.school_id == teacher.school_id


def test_nobody_changes_their_own_role(client, login, school_admin, district_admin):
    login(school_admin)
    assert client.post(f"/admin/users/{school_admin.id}/edit",
                       data={"role": "teacher"}).status_code == 403
    assert client.post(f"/admin/users/{school_admin.id}/edit",
                       data={"display_name": "教务处"}).status_code == 302
    assert _user("sadmin1").role == "school_admin" and _user("sadmin1").display_name == "教务处"
    login.logout()
    login(district_admin)
    assert client.post(f"/admin/users/{district_admin.id}/edit",
                       data={"role": "school_admin", "school": "hp001"}).status_code == 403


def test_students_never_change_role(school_admin, student, district_admin):
    with pytest.raises(services.AccountError, match="不能互改角色"):
        services.update_user(district_admin, student, role="teacher")


def test_refusals_show_no_data(client, login, student, teacher, other_admin):
    target = factories.UserFactory(username="target01", role="student", school=student.school,
                                   display_name="王小明", grade=3)
    for user, status in ((student, 403), (teacher, 403), (other_admin, 404)):
        login(user)
        for method in ("GET", "POST"):
            response = client.open(f"/admin/users/{target.id}/edit", method=method,
                                   data={"display_name": "改了", "grade": "5"})
            body = response.get_data(as_text=True)
            assert response.status_code == status, (user.username, method)
            assert "王小明" not in body and "target01" not in body
        login.logout()
    assert _user("target01").display_name == "王小明" and _user("target01").grade == 3
    login(other_admin)
    assert client.get("/admin/users/999999/edit").status_code == 404
    assert client.get("/admin/users/1789293023886673389132370149376/edit").status_code == 404


def test_school_admin_never_edits_a_district_admin(client, login, school_admin, district_admin):
    login(school_admin)
    assert client.get(f"/admin/users/{district_admin.id}/edit").status_code == 404


def test_district_admin_moves_a_student_and_changes_roles(client, login, district_admin, student,
                                                          teacher, other_school):
    login(district_admin)
    assert client.post(f"/admin/users/{student.id}/edit", data={
        "school": "hp002", "display_name": "stu1", "grade": "8"}).status_code == 302
    assert _user("stu1").school_id == other_school.id and _user("stu1").grade == 8
    assert client.post(f"/admin/users/{teacher.id}/edit", data={
        "school": "", "role": "district_admin"}).status_code == 302
    assert _user("tea1").role == "district_admin" and _user("tea1").school_id is None
    response = client.post(f"/admin/users/{teacher.id}/edit", data={"role": "teacher"})
    assert response.status_code == 422 and "属于一所学校" in response.get_data(as_text=True)


# --- The JSON API -----------------------------------------------------------------------------


def _api_login(client, user):
    response = client.post("/api/v1/auth/login",
                           json={"username": user.username, "password": DEFAULT_PASSWORD})
    assert response.status_code == 200


def _patch(client, user, body, code="hp001"):
    response = client.patch(f"/api/v1/schools/{code}/users/{user.id}", json=body)
    assert_matches_spec(response)
    return response


def test_api_edits_a_student(client, school_admin, student):
    _api_login(client, school_admin)
    response = _patch(client, student, {"grade": 8, "class": "2班", "display_name": "李雷"})
    assert response.status_code == 200
    data = response.get_json()
    assert (data["grade"], data["class"], data["display_name"]) == (8, "2班", "李雷")
    assert _edits()[0].details["after"] == {"display_name": "李雷", "grade": 8, "class_name": "2班"}
    cleared = _patch(client, student, {"class": None, "display_name": None}).get_json()
    assert cleared["class"] is None and cleared["display_name"] == _user("stu1").alias
    assert _patch(client, student, {}).status_code == 200
    assert len(_edits()) == 2


def test_api_edits_a_teacher_and_role(client, district_admin, teacher):
    _api_login(client, district_admin)
    data = _patch(client, teacher, {"subjects": ["物理"], "grades": [8], "is_counsellor": True})
    assert data.get_json()["subjects"] == ["物理"] and data.get_json()["is_counsellor"]
    promoted = _patch(client, teacher, {"role": "school_admin"}).get_json()
    assert promoted["role"] == "school_admin" and promoted["subjects"] == []
    assert not promoted["is_counsellor"]


@pytest.mark.parametrize(("body", "status", "message"), [
    ({"grade": 13}, 422, "年级"),
    ({"grade": "十三年级"}, 422, "年级"),
    ({"grade": True}, 422, "年级"),
    ({"subjects": ["魔法"]}, 422, "无法识别"),
    ({"subjects": "数学"}, 422, "只有教师"),
    ({"display_name": 5}, 422, "文字"),
    ({"display_name": "身份证110101200001011232"}, 422, "身份证"),
    ({"phone": "13912345678"}, 422, "phone"),
    ({"role": "teacher"}, 422, "不能互改角色"),
    ({"role": "wizard"}, 422, "角色"),
    ({"school": "hp002"}, 403, "其他学校"),
    ({"is_counsellor": True}, 422, "只有教师"),
])
def test_api_refuses_bad_values(client, school_admin, student, other_school, body, status,
                                message):
    _api_login(client, school_admin)
    response = _patch(client, student, body)
    assert response.status_code == status
    assert message in response.get_json()["error"]["message"]
    assert _user("stu1").grade == 7 and _user("stu1").school_id == school_admin.school_id


def test_api_refusals_show_no_data(client, student, teacher, other_admin, school_admin,
                                   district_admin):
    assert _patch(client, student, {"grade": 9}).status_code == 401
    for user, status in ((student, 403), (teacher, 403), (other_admin, 404)):
        _api_login(client, user)
        response = _patch(client, student, {"grade": 9})
        assert response.status_code == status and set(response.get_json()) == {"error"}
    _api_login(client, other_admin)
    assert _patch(client, student, {"grade": 9}, code="hp002").status_code == 404
    _api_login(client, school_admin)
    assert _patch(client, district_admin, {"display_name": "x"}).status_code == 404
    bad_body = client.patch(f"/api/v1/schools/hp001/users/{student.id}", data="[1]",
                            content_type="application/json")
    assert bad_body.status_code == 400
    huge = client.patch("/api/v1/schools/hp001/users/1789293023886673389132370149376",
                        json={"grade": 9})
    assert huge.status_code == 404
    assert _user("stu1").grade == 7


# --- The command line -------------------------------------------------------------------------


def test_cli_updates_a_student_and_a_teacher(runner, student, teacher):
    result = runner.invoke(args=["users", "update", "stu1", "--grade", "初三", "--class", "1班",
                                 "--display-name", "韩梅梅"])
    assert result.exit_code == 0, result.output
    assert "updated stu1: grade 7 -> 9" in result.output
    assert (_user("stu1").grade, _user("stu1").class_name) == (9, "1班")
    result = runner.invoke(args=["users", "update", "tea1", "--subject", "语文", "--subject", "道法",
                                 "--teaches-grade", "7", "--counsellor"])
    assert result.exit_code == 0, result.output
    user = _user("tea1")
    assert user.subjects == ["语文", "道德与法治"] and user.grades == [7] and user.is_counsellor
    assert runner.invoke(args=["users", "update", "tea1", "--no-counsellor"]).exit_code == 0
    assert not _user("tea1").is_counsellor
    again = runner.invoke(args=["users", "update", "tea1", "--no-counsellor"])
    assert again.exit_code == 0 and "no changes" in again.output
    entry = _edits()[0]
    assert entry.actor_id is None and entry.details["before"]["grade"] == 7


def test_cli_moves_and_changes_roles(runner, teacher, other_school):
    result = runner.invoke(args=["users", "update", "tea1", "--role", "school_admin",
                                 "--school", "hp002"])
    assert result.exit_code == 0, result.output
    assert _user("tea1").role == "school_admin" and _user("tea1").school_id == other_school.id


@pytest.mark.parametrize(("args", "message"), [
    (["users", "update", "stu1", "--grade", "13"], "年级"),
    (["users", "update", "stu1", "--subject", "数学"], "只有教师"),
    (["users", "update", "tea1", "--subject", "炼丹"], "无法识别"),
    (["users", "update", "tea1", "--teaches-grade", "0"], "年级"),
    (["users", "update", "stu1", "--role", "teacher"], "不能互改角色"),
    (["users", "update", "stu1", "--school", "nope"], "没有代码为 nope 的学校"),
    (["users", "update", "stu1", "--display-name", "电话 13912345678"], "手机号码"),
    (["users", "update", "nobody", "--grade", "3"], "没有用户名为 nobody 的账号"),
    (["users", "update", "stu1"], "至少指定一项"),
])
def test_cli_bad_arguments_fail_with_one_line(runner, student, teacher, args, message):
    result = runner.invoke(args=args)
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0], result.output
    assert _user("stu1").grade == 7 and _edits() == []
