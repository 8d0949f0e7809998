"""/admin/platforms: district admins edit the platform directory; init --demo keeps their edits."""

import pytest
from sqlalchemy import select

from hplearn.audit.models import AuditEntry
from hplearn.catalog.content import load_content
from hplearn.catalog.models import Platform
from hplearn.extensions import db
from tests.factories import PlatformFactory

FORM = {"name": "天津市基础教育资源公共服务平台", "slug": "tianjin", "level": "municipal",
        "url": "https://example.tj.cn/", "needs_login": "1", "sort_order": "1",
        "description": "天津市的**公共**平台。"}


def _platform(slug):
    return db.session.scalar(select(Platform).where(Platform.slug == slug))


def test_a_district_admin_adds_a_platform_shown_on_the_directory(client, login, district_admin):
    login(district_admin)
    assert client.get("/admin/platforms/new").status_code == 200
    response = client.post("/admin/platforms/new", data=FORM)
    assert response.status_code == 302
    page = client.get("/platforms").get_data(as_text=True)
    assert "天津市基础教育资源公共服务平台" in page and "<strong>公共</strong>" in page
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "platform.create"))
    assert entry.actor_id == district_admin.id
    assert "添加学习平台" in client.get("/admin/audit").get_data(as_text=True)


def test_an_edit_survives_loading_the_content_folder_again(app, client, login, district_admin):
    load_content(app.config["CONTENT_DIR"], echo=lambda line: None)
    tianjin = _platform("tianjin")
    login(district_admin)
    response = client.post(f"/admin/platforms/{tianjin.id}/edit", data=FORM)
    assert response.status_code == 302
    load_content(app.config["CONTENT_DIR"], echo=lambda line: None)
    db.session.expire_all()
    assert _platform("tianjin").name == FORM["name"]
    assert _platform("tianjin").url == FORM["url"]


def test_hiding_takes_a_platform_off_the_directory_for_good(app, client, login, district_admin):
    load_content(app.config["CONTENT_DIR"], echo=lambda line: None)
    smartedu = _platform("smartedu")
    login(district_admin)
    assert client.post(f"/admin/platforms/{smartedu.id}/hide").status_code == 302
    card = "<h3>国家中小学智慧教育平台</h3>"  # (the footer names the platform too)
    assert card not in client.get("/platforms").get_data(as_text=True)
    load_content(app.config["CONTENT_DIR"], echo=lambda line: None)
    assert card not in client.get("/platforms").get_data(as_text=True)
    assert "不显示" in client.get("/admin/platforms/").get_data(as_text=True)
    client.post(f"/admin/platforms/{smartedu.id}/show")
    assert card in client.get("/platforms").get_data(as_text=True)


@pytest.mark.parametrize(("change", "message"), [
    ({"name": ""}, "请填写平台名称"),
    ({"slug": "天津"}, "标识只能用"),
    ({"level": "province"}, "级别必须是"),
    ({"url": "javascript:alert(1)"}, "http://"),
    ({"url": "ftp://x.cn/"}, "http://"),
    ({"sort_order": "abc"}, "0–999"),
    ({"sort_order": "5000"}, "0–999"),
    ({"description": "字" * 5001}, "5000"),
    ({"slug": "taken"}, "已被另一个平台使用"),
])
def test_bad_fields_are_refused_with_a_reason_and_kept(client, login, district_admin, change,
                                                       message):
    PlatformFactory(slug="taken")
    db.session.commit()
    login(district_admin)
    response = client.post("/admin/platforms/new", data={**FORM, **change})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    kept = "description" if "description" not in change else "name"
    assert message in page and FORM[kept] in page  # what was typed comes back
    assert _platform("tianjin") is None


def test_an_unknown_platform_is_404(client, login, district_admin):
    login(district_admin)
    assert client.get("/admin/platforms/999999/edit").status_code == 404
    assert client.post("/admin/platforms/999999/hide").status_code == 404


@pytest.mark.parametrize("role_fixture", ["school_admin", "teacher", "student"])
def test_only_district_admins_edit_the_directory(client, login, request, role_fixture):
    platform = PlatformFactory(slug="smartedu")
    db.session.commit()
    login(request.getfixturevalue(role_fixture))
    assert client.get("/admin/platforms/").status_code == 403
    assert client.post("/admin/platforms/new", data=FORM).status_code == 403
    assert client.post(f"/admin/platforms/{platform.id}/hide").status_code == 403
    assert _platform("tianjin") is None and not _platform("smartedu").hidden


def test_anonymous_visitors_are_sent_to_sign_in(client):
    assert client.get("/admin/platforms/").status_code == 302
