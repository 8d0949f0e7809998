"""/admin/resources and /admin/audit: create, preview, publish, retire; the audit log is read-only."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, update

from hplearn.audit.models import AuditEntry, AuditLogIsAppendOnly
from hplearn.audit.services import record
from hplearn.catalog.models import Resource
from hplearn.extensions import db
from tests import media_samples as samples
from tests.factories import ResourceFactory, UserFactory


def resource_form(**changes) -> dict:
    """A valid resource form."""
    data = {
        "title": "总体国家安全观", "kind": "article", "summary": "简介", "body": "# 标题\n\n**重点**",
        "stage": "初中", "grade": "8", "subject": "道法", "edition": "", "volume": "",
        "topic_id": "", "tags": "国家安全，安全教育", "url": "", "media_id": "",
    }
    data.update(changes)
    return data


def actions() -> list[str]:
    """Recorded audit actions, oldest first."""
    return [e.action for e in db.session.query(AuditEntry).order_by(AuditEntry.id)]


def test_create_preview_publish_retire(client, login, school_admin):
    login(school_admin)
    preview = client.post("/admin/resources/new", data=resource_form(preview="1"))
    assert preview.status_code == 200
    assert "正文预览" in preview.get_data(as_text=True)
    assert "<strong>重点</strong>" in preview.get_data(as_text=True)
    assert db.session.query(Resource).count() == 0

    response = client.post("/admin/resources/new", data=resource_form(save="1"))
    assert response.status_code == 302
    resource = db.session.query(Resource).one()
    assert resource.status == "draft" and resource.published_at is None
    assert resource.school_id == school_admin.school_id
    assert resource.subject == "道德与法治" and resource.tags == ["国家安全", "安全教育"]
    assert client.get(f"/resources/{resource.id}").status_code == 200

    client.post(f"/admin/resources/{resource.id}/publish")
    db.session.refresh(resource)
    assert resource.status == "published" and resource.published_at is not None

    client.post(f"/admin/resources/{resource.id}/edit", data=resource_form(title="新标题"))
    client.post(f"/admin/resources/{resource.id}/retire")
    db.session.refresh(resource)
    assert resource.status == "retired" and resource.title == "新标题"
    assert actions() == [
        "resource.create", "resource.publish", "resource.update", "resource.retire",
    ]
    client.post("/auth/logout")
    assert client.get(f"/resources/{resource.id}").status_code == 404


def test_edit_preview_does_not_save(client, login, school_admin):
    resource = ResourceFactory(school_id=school_admin.school_id, body="旧正文")
    login(school_admin)
    response = client.post(
        f"/admin/resources/{resource.id}/edit", data=resource_form(body="*新*正文", preview="1")
    )
    assert "<em>新</em>正文" in response.get_data(as_text=True)
    db.session.refresh(resource)
    assert resource.body == "旧正文"


@pytest.mark.parametrize(("changes", "message"), [
    ({"title": ""}, "请填写标题"),
    ({"kind": "podcast"}, "不是有效的选择"),
    ({"grade": "13"}, "不是有效的选择"),
    ({"url": "javascript:alert(1)"}, "http(s)"),
    ({"media_id": "12345"}, "不是有效的选择"),
])
def test_form_errors(client, login, school_admin, changes, message):
    login(school_admin)
    response = client.post("/admin/resources/new", data=resource_form(**changes))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.query(Resource).count() == 0


def test_attaching_video_and_captions(client, login, school_admin):
    video = samples.store(school_admin, "video", samples.webm(), "a.webm")
    captions = samples.store(school_admin, "captions", samples.VTT.encode(), "a.vtt")
    login(school_admin)
    response = client.post("/admin/resources/new", data=resource_form(
        kind="video", media_id=str(video.id), caption_ids=[str(captions.id)],
    ))
    assert response.status_code == 302
    resource = db.session.query(Resource).one()
    assert resource.media_id == video.id and resource.caption_ids == [captions.id]


def test_wrong_kind_of_file_is_refused(client, login, school_admin):
    video = samples.store(school_admin, "video", samples.webm(), "a.webm")
    login(school_admin)
    response = client.post("/admin/resources/new", data=resource_form(
        kind="document", media_id=str(video.id),
    ))
    assert response.status_code == 422
    assert "这里需要PDF 文档" in response.get_data(as_text=True)


def test_other_schools_files_are_not_offered_or_accepted(app, school_admin, other_school):
    from hplearn.resource_admin import services as admin_services

    other_admin = UserFactory(role="school_admin", school=other_school)
    theirs = samples.store(other_admin, "video", samples.webm(), "theirs.webm")
    values = {"title": "偷用", "kind": "video", "media_id": theirs.id, "caption_ids": []}
    with pytest.raises(admin_services.ResourceInvalid):
        admin_services.create_resource(school_admin, values)


@pytest.mark.parametrize("action", ["edit", "publish", "retire"])
def test_other_schools_resource_cannot_be_changed(client, login, school_admin, other_school, action):
    theirs = ResourceFactory(school_id=other_school.id, status="draft", title="外校草稿")
    login(school_admin)
    method = client.get if action == "edit" else client.post
    assert method(f"/admin/resources/{theirs.id}/{action}").status_code == 404
    published = ResourceFactory(school_id=other_school.id, title="外校已发布")
    assert method(f"/admin/resources/{published.id}/{action}").status_code == 403
    db.session.refresh(published)
    assert published.status == "published" and actions() == []


def test_district_resources_are_for_district_admins(client, login, school_admin, district_admin):
    imported = ResourceFactory(school_id=None)
    login(school_admin)
    assert client.post(f"/admin/resources/{imported.id}/retire").status_code == 403
    login.logout()
    login(district_admin)
    assert client.post(f"/admin/resources/{imported.id}/retire").status_code == 302


@pytest.mark.parametrize("role", ["student", "teacher"])
def test_non_admins_are_refused(client, login, school, role):
    resource = ResourceFactory(school_id=school.id)
    login(UserFactory(role=role, school=school))
    assert client.get("/admin/resources/").status_code == 403
    assert client.post("/admin/resources/new", data=resource_form()).status_code == 403
    assert client.post(f"/admin/resources/{resource.id}/retire").status_code == 403
    assert client.get("/admin/audit").status_code == 403


def test_list_filters(client, login, school_admin, other_school):
    ResourceFactory(school_id=school_admin.school_id, title="本校视频", kind="video", status="draft")
    ResourceFactory(school_id=school_admin.school_id, title="本校文章", kind="article")
    ResourceFactory(school_id=other_school.id, title="外校视频", kind="video")
    login(school_admin)
    page = client.get("/admin/resources/").get_data(as_text=True)
    assert "本校视频" in page and "本校文章" in page and "外校视频" not in page
    page = client.get("/admin/resources/?kind=video&status=draft").get_data(as_text=True)
    assert "本校视频" in page and "本校文章" not in page
    page = client.get("/admin/resources/?q=文章").get_data(as_text=True)
    assert "本校文章" in page and "本校视频" not in page
    assert client.get("/admin/resources/?q=%25_").status_code == 200
    assert client.get("/admin/resources/?page=x").status_code == 400


# --- the audit log -------------------------------------------------------------------------------


def test_school_admins_read_their_schools_entries(client, login, school_admin, other_school, district_admin):
    mine = ResourceFactory(school_id=school_admin.school_id, title="本校资源")
    theirs = ResourceFactory(school_id=other_school.id, title="外校资源")
    record(school_admin, "resource.publish", mine, title="本校资源")
    record(district_admin, "resource.retire", theirs, title="外校资源")
    db.session.commit()
    login(school_admin)
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "本校资源" in page and "外校资源" not in page
    assert "发布资源" in page and "资源 #" in page and "标题：本校资源" in page  # words, not codes
    login.logout()
    login(district_admin)
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "本校资源" in page and "外校资源" in page


def test_audit_entries_cannot_be_changed_or_deleted(app, school_admin):
    entry = record(school_admin, "resource.publish", None, school_id=school_admin.school_id)
    db.session.commit()
    entry.action = "resource.nothing"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEntry, entry.id))
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.execute(update(AuditEntry).values(action="x"))
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.execute(delete(AuditEntry))
    db.session.rollback()
    assert db.session.get(AuditEntry, entry.id).action == "resource.publish"


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get("/admin/audit")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_admin_home_links_to_content_management(client, login, school_admin):
    login(school_admin)
    page = client.get("/admin/").get_data(as_text=True)
    title = page.split("<title>", 1)[1].split("</title>", 1)[0]
    assert "资源管理" not in title
    assert 'href="/admin/resources/"' in page and 'href="/admin/audit"' in page
