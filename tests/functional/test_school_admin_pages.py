"""/admin/users/schools: district admins add schools and correct their names on the site."""

import pytest
from sqlalchemy import select

from hplearn.accounts.models import School
from hplearn.audit.models import AuditEntry
from hplearn.extensions import db
from tests import factories


def _school(code):
    return db.session.scalar(select(School).where(School.code == code))


def test_a_district_admin_adds_a_school_and_sees_its_accounts(client, login, district_admin,
                                                             school, student):
    login(district_admin)
    page = client.get("/admin/users/schools").get_data(as_text=True)
    assert "hp001" in page and "和平区第一小学" in page
    response = client.post("/admin/users/schools",
                           data={"code": "hp021", "name": "和平区第二十一中学", "stage": "初中"})
    assert response.status_code == 302
    assert _school("hp021").stage == "初中"
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "school.create"))


@pytest.mark.parametrize(("form", "message"), [
    ({"code": "hp 1", "name": "学校", "stage": "小学"}, "学校代码只能包含"),
    ({"code": "hp001", "name": "重复", "stage": "小学"}, "已存在"),
    ({"code": "hp030", "name": "", "stage": "小学"}, "学校名称不能为空"),
    ({"code": "hp030", "name": "学校", "stage": "大学"}, "学段必须是"),
])
def test_bad_schools_are_refused_with_the_form_kept(client, login, district_admin, school, form,
                                                    message):
    login(district_admin)
    response = client.post("/admin/users/schools", data=form)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _school("hp030") is None


def test_renaming_keeps_the_code_and_is_audited(client, login, district_admin, school):
    login(district_admin)
    response = client.post("/admin/users/schools/hp001", data={"name": "和平区第一中心小学",
                                                               "stage": "九年一贯"})
    assert response.status_code == 302
    assert (_school("hp001").name, _school("hp001").stage) == ("和平区第一中心小学", "九年一贯")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "school.update"))
    assert entry.details["before"]["name"] == "和平区第一小学"
    client.post("/admin/users/schools/hp001", data={"name": "", "stage": "小学"})
    assert _school("hp001").name == "和平区第一中心小学"
    assert client.post("/admin/users/schools/nope", data={"name": "x", "stage": "小学"}).status_code == 404


def test_school_admins_cannot_add_or_rename_schools(client, login, school_admin, school):
    login(school_admin)
    assert client.get("/admin/users/schools").status_code == 403
    assert client.post("/admin/users/schools",
                       data={"code": "hp040", "name": "x", "stage": "小学"}).status_code == 403
    assert client.post("/admin/users/schools/hp001",
                       data={"name": "改名", "stage": "小学"}).status_code == 403
    assert _school("hp040") is None and _school("hp001").name == "和平区第一小学"


def test_counts_are_of_active_accounts(client, login, district_admin, school):
    factories.UserFactory(username="gone", role="student", school=school, active=False)
    factories.UserFactory(username="here", role="student", school=school)
    db.session.commit()
    login(district_admin)
    page = client.get("/admin/users/schools").get_data(as_text=True)
    assert "<td>1</td>" in page


def test_a_special_school_is_marked_on_the_site(client, login, district_admin, school):
    login(district_admin)
    client.post("/admin/users/schools", data={"code": "hp050", "name": "和平区盲校", "stage": "九年一贯",
                                              "school_type": "盲校"})
    assert _school("hp050").school_type == "盲校"
    client.post("/admin/users/schools/hp050", data={"name": "和平区盲校", "stage": "九年一贯",
                                                    "school_type": "普通"})
    assert _school("hp050").school_type is None
    response = client.post("/admin/users/schools/hp001", data={"name": "x", "stage": "小学",
                                                               "school_type": "大学"})
    assert response.status_code == 302 and _school("hp001").name == "和平区第一小学"
