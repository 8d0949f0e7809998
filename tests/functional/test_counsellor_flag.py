"""The 心理老师 flag opens a school's crisis questions: every change is audited and the district sees it."""

import pytest
from sqlalchemy import select

from hplearn.accounts import services
from hplearn.audit.models import AuditEntry
from hplearn.extensions import db
from hplearn.notifications.models import Notification
from tests import factories


def _actions():
    return [(e.action, e.actor_id, e.object_id) for e in db.session.scalars(
        select(AuditEntry).where(AuditEntry.action.like("user.counsellor%")).order_by(AuditEntry.id))]


def _notices(user):
    return db.session.scalars(select(Notification).where(
        Notification.user_id == user.id, Notification.kind == "counsellor_change")).all()


def test_ticking_counsellor_is_audited_and_district_admins_are_told(
    client, login, school_admin, teacher, district_admin
):
    login(school_admin)
    response = client.post(f"/admin/users/{teacher.id}/edit", data={
        "display_name": "张老师", "subjects": "数学", "grades": "7", "is_counsellor": "y"})
    assert response.status_code == 302
    assert _actions() == [("user.counsellor_grant", school_admin.id, teacher.id)]
    [notice] = _notices(district_admin)
    assert "张老师" in notice.message and "设为心理老师" in notice.message
    assert notice.link == "/admin/users/counsellors"
    assert _notices(school_admin) == []


def test_unticking_is_audited_too(school_admin, district_admin, school):
    user = factories.UserFactory(username="xinli1", role="teacher", school=school,
                                 is_counsellor=True)
    services.update_user(school_admin, user, is_counsellor=False)
    assert _actions() == [("user.counsellor_revoke", school_admin.id, user.id)]
    assert "取消了心理老师" in _notices(district_admin)[0].message


def test_creating_a_counsellor_is_audited(school_admin, school, district_admin):
    created = services.admin_create_user(school_admin, school, username="xinli2",
                                         role="teacher", is_counsellor=True)
    assert _actions() == [("user.counsellor_grant", school_admin.id, created.user.id)]
    assert len(_notices(district_admin)) == 1


def test_other_edits_are_not_counsellor_changes(school_admin, teacher):
    services.update_user(school_admin, teacher, display_name="王老师")
    assert _actions() == []


def test_district_admins_list_every_counsellor_with_who_set_the_flag(
    client, login, school_admin, teacher, district_admin
):
    services.update_user(school_admin, teacher, is_counsellor=True)
    login(district_admin)
    page = client.get("/admin/users/counsellors").get_data(as_text=True)
    assert teacher.username in page and school_admin.username in page
    assert "设为心理老师" in page


@pytest.mark.parametrize("role", ["school_admin", "teacher", "student"])
def test_only_district_admins_read_the_list(client, login, request, role):
    user = request.getfixturevalue(role)
    login(user)
    assert client.get("/admin/users/counsellors").status_code == 403


def test_the_district_page_lists_safeguarding_staff(client, login, district_admin, school):
    from tests import factories as made
    made.UserFactory(username="anquan5", display_name="郑老师", role="teacher", school=school,
                     is_safeguarding=True)
    login(district_admin)
    page = client.get("/admin/users/counsellors").get_data(as_text=True)
    assert "安全保护老师" in page and "郑老师（anquan5）" in page
