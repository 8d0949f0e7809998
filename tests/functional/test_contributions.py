"""Contributions: a teacher's draft, review by the school, publication, featuring, revisions."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from hplearn import search
from hplearn.catalog.models import Resource
from hplearn.contributions import review, services
from hplearn.contributions.validation import (
    ContributionConflict,
    ContributionForbidden,
    ContributionInvalid,
    ContributionNotFound,
)
from hplearn.errors import Invalid
from hplearn.extensions import db
from hplearn.notifications.models import Notification
from tests import factories
from tests.contribution_fixtures import (
    DETAILS,
    EXERCISES,
    draft_package,
    published_package,
    submitted_package,
)
from tests.media_samples import MP4, PDF, PHP


@pytest.fixture
def other_teacher(school):
    return factories.UserFactory(username="tea3", role="teacher", school=school)


@pytest.fixture
def far_teacher(other_school):
    return factories.UserFactory(username="tea9", role="teacher", school=other_school)


@pytest.fixture
def far_student(other_school):
    return factories.UserFactory(username="stu9", role="student", school=other_school, grade=8)


def _notes(user) -> list[str]:
    return list(db.session.scalars(select(Notification.message).where(Notification.user_id == user.id)))


# --- drafting ------------------------------------------------------------------------------


def test_a_teacher_drafts_a_package_and_every_save_is_a_revision(teacher):
    c = draft_package(teacher)
    assert c.status == "draft" and c.stage == "初中" and c.school_id == teacher.school_id
    assert [p.role for p in c.parts] == ["video", "slides", "design", "exercises"]
    assert c.revision == 5 and [r.number for r in c.revisions] == [1, 2, 3, 4, 5]
    assert review.problems(c) == []


def test_saving_the_same_thing_again_adds_no_revision(teacher):
    c = draft_package(teacher)
    services.set_part_text(teacher, c.id, "design", {"body": "## 教学目标\n会用勾股定理。"})
    assert services.get_visible_contribution(c.id, teacher).revision == 5


def test_a_revision_diff_shows_what_changed(teacher):
    c = draft_package(teacher)
    services.set_part_text(teacher, c.id, "design", {"body": "## 教学目标\n会证明勾股定理。"})
    from hplearn.contributions.revisions import diff_between

    lines = diff_between(services.get_visible_contribution(c.id, teacher), 6)
    assert ("-", "会用勾股定理。") in [(line.op, line.text) for line in lines]
    assert ("+", "会证明勾股定理。") in [(line.op, line.text) for line in lines]


@pytest.mark.parametrize(("data", "field"), [
    ({"title": ""}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"title": 5}, "title"),
    ({"stage": "大学"}, "stage"),
    ({"grade": "十三年级"}, "grade"),
    ({"grade": 3, "stage": "初中"}, "grade"),
    ({"subject": "炼金术"}, "subject"),
    ({"volume": "中册"}, "volume"),
    ({"topic": "no-such-topic"}, "topic"),
    ({"summary": "含\x00控制字符"}, "summary"),
])
def test_bad_details_are_refused_with_the_field(teacher, data, field):
    with pytest.raises(ContributionInvalid) as caught:
        services.create_contribution(teacher, "package", {**DETAILS, **data})
    assert caught.value.field == field and caught.value.status == 422


def test_a_grade_fills_in_its_stage(teacher):
    c = services.create_contribution(teacher, "resource", {"title": "古诗", "grade": "三年级"})
    assert (c.stage, c.grade) == ("小学", 3)


def test_a_single_resource_has_one_content_part(teacher):
    c = services.create_contribution(teacher, "resource", {"title": "课件", "stage": "初中"})
    services.set_part_text(teacher, c.id, "design", {"body": "设计"})
    with pytest.raises(ContributionInvalid, match="单个资源只有一个内容部分"):
        services.set_part_text(teacher, c.id, "worksheet", {"body": "任务单"})
    services.set_exercises(teacher, c.id, EXERCISES)


def test_uploads_go_through_the_media_checks(teacher):
    c = services.create_contribution(teacher, "package", DETAILS)
    from hplearn.media.uploads import MediaTypeRefused

    with pytest.raises(MediaTypeRefused):
        services.upload_part_file(teacher, c.id, "slides", io.BytesIO(PHP), "x.pdf")
    with pytest.raises(MediaTypeRefused):
        services.upload_part_file(teacher, c.id, "video", io.BytesIO(PDF), "x.mp4")
    with pytest.raises(ContributionInvalid, match="不上传文件"):
        services.upload_part_file(teacher, c.id, "exercises", io.BytesIO(PDF), "x.pdf")


def test_exercise_mistakes_come_back_with_line_numbers(teacher):
    c = services.create_contribution(teacher, "package", DETAILS)
    with pytest.raises(Invalid, match="第 2 行"):
        services.set_exercises(teacher, c.id, "### 判断\n### 单选")


def test_an_unfinished_package_cannot_be_submitted(teacher):
    c = services.create_contribution(teacher, "package", DETAILS)
    services.set_part_text(teacher, c.id, "design", {"body": "设计"})
    with pytest.raises(ContributionInvalid) as caught:
        review.submit(teacher, c.id)
    assert "课程包至少要有微课视频或课件" in str(caught.value)


# --- review --------------------------------------------------------------------------------


def test_submitting_tells_the_school_admins(teacher, school_admin):
    c = submitted_package(teacher)
    assert c.status == "submitted" and c.submitted_at is not None
    assert any("勾股定理" in note and "请审核" in note for note in _notes(school_admin))
    queue = review.review_queue(school_admin, school_admin.school_id)
    assert queue.counts["submitted"] == 1 and queue.items == [c]
    assert review.pending_count(school_admin) == 1


def test_returning_needs_a_comment_and_tells_the_teacher(teacher, school_admin):
    c = submitted_package(teacher)
    with pytest.raises(ContributionInvalid, match="修改意见"):
        review.return_for_changes(school_admin, c.id, "  ")
    review.return_for_changes(school_admin, c.id, "请补充学习任务单。")
    assert any("请补充学习任务单" in note for note in _notes(teacher))
    services.set_part_text(teacher, c.id, "worksheet", {"body": "任务一：拼图。"})
    again = review.submit(teacher, c.id)
    assert [e.action for e in again.events] == ["submit", "return", "submit"]


def test_approving_for_everyone_publishes_searchable_catalog_resources(teacher, school_admin):
    c = published_package(teacher, school_admin, "public")
    package = db.session.get(Resource, c.resource_id)
    assert (package.kind, package.status, package.school_id) == ("package", "published", c.school_id)
    parts = {p.role: db.session.get(Resource, p.resource_id) for p in c.parts if p.resource_id}
    assert parts["video"].kind == "video" and parts["video"].media_id is not None
    assert parts["slides"].kind == "document" and parts["design"].kind == "article"
    assert "第十七章 勾股定理" in package.tags
    found = search.query("勾股定理", doc_type="resource")
    assert package.id in [hit.object.id for hit in found.items]
    assert any("已通过审核" in note for note in _notes(teacher))


def test_published_to_the_school_only_its_members_see_it(client, login, teacher, school_admin,
                                                          student, far_student):
    c = published_package(teacher, school_admin, "school")
    package = db.session.get(Resource, c.resource_id)
    assert package.status == "school"
    assert search.query("勾股定理", doc_type="resource").total == 0
    assert client.get(f"/resources/{package.id}").status_code == 404
    login(far_student)
    assert client.get(f"/resources/{package.id}").status_code == 404
    login.logout()
    login(student)
    page = client.get(f"/resources/{package.id}")
    assert page.status_code == 200 and "课后练习（4 题）" in page.get_data(as_text=True)


def test_a_published_contribution_is_locked(teacher, school_admin):
    c = published_package(teacher, school_admin)
    with pytest.raises(ContributionConflict):
        services.set_part_text(teacher, c.id, "design", {"body": "改"})
    with pytest.raises(ContributionConflict):
        review.approve(school_admin, c.id, "public")


def test_the_district_features_a_public_contribution(teacher, school_admin, district_admin):
    c = published_package(teacher, school_admin)
    with pytest.raises(ContributionForbidden):
        review.feature(school_admin, c.id)
    assert review.feature(district_admin, c.id).status == "featured"
    assert review.featured_contributions() == [c]


def test_a_school_only_contribution_cannot_be_featured(teacher, school_admin, district_admin):
    c = published_package(teacher, school_admin, "school")
    with pytest.raises(ContributionConflict, match="面向全区公开"):
        review.feature(district_admin, c.id)


def test_exercises_for_an_existing_resource_attach_to_it(teacher, school_admin):
    resource = factories.ResourceFactory(title="勾股定理微课")
    c = services.create_contribution(teacher, "exercises", {"resource_id": resource.id})
    assert c.title == "勾股定理微课·课后练习" and c.subject == "数学"
    services.set_exercises(teacher, c.id, EXERCISES)
    review.submit(teacher, c.id)
    review.approve(school_admin, c.id, "public")
    from hplearn.exercises.services import sets_for_resources

    assert [s.resource_id for s in sets_for_resources([resource.id])] == [resource.id]


@pytest.mark.parametrize("resource_id", [None, "x", 0, 2**40])
def test_exercises_need_a_resource_that_exists(teacher, resource_id):
    with pytest.raises(ContributionInvalid, match="资源"):
        services.create_contribution(teacher, "exercises", {"resource_id": resource_id})


# --- refused side --------------------------------------------------------------------------


def test_students_cannot_contribute(student):
    with pytest.raises(ContributionForbidden):
        services.create_contribution(student, "package", DETAILS)


def test_another_teacher_does_not_see_a_draft(teacher, other_teacher, far_teacher):
    c = draft_package(teacher)
    for outsider in (other_teacher, far_teacher):
        with pytest.raises(ContributionNotFound):
            services.get_visible_contribution(c.id, outsider)
        with pytest.raises(ContributionNotFound):
            services.set_part_text(outsider, c.id, "design", {"body": "x"})


def test_an_author_cannot_approve_their_own(school_admin, teacher):
    c = submitted_package(school_admin)
    with pytest.raises(ContributionForbidden, match="不能审核自己的投稿"):
        review.approve(school_admin, c.id, "public")


def test_another_schools_admin_cannot_review(teacher, other_school):
    far_admin = factories.UserFactory(username="sadmin9", role="school_admin", school=other_school)
    c = submitted_package(teacher)
    with pytest.raises(ContributionNotFound):
        review.approve(far_admin, c.id, "public")


def test_a_teacher_cannot_review(teacher, other_teacher):
    c = submitted_package(teacher)
    with pytest.raises(ContributionNotFound):
        review.approve(other_teacher, c.id, "public")
    with pytest.raises(ContributionForbidden):
        review.review_queue(other_teacher, other_teacher.school_id)


@pytest.mark.parametrize("audience", [None, "", "world", 1, ["public"], {"a": 1}])
def test_approval_needs_an_audience(teacher, school_admin, audience):
    c = submitted_package(teacher)
    with pytest.raises(ContributionInvalid, match="发布范围"):
        review.approve(school_admin, c.id, audience)


def test_a_teacher_sees_their_own_upload_and_nobody_else_does(client, login, teacher,
                                                              other_teacher, student):
    c = draft_package(teacher)
    media_id = c.part("video").media_id
    login(teacher)
    with client.get(f"/media/{media_id}") as response:
        assert response.status_code == 200
    login.logout()
    for outsider in (other_teacher, student):
        login(outsider)
        assert client.get(f"/media/{media_id}").status_code == 404
        login.logout()


def test_teachers_still_have_no_media_library_or_resource_admin(client, login, teacher):
    login(teacher)
    upload = client.post("/api/v1/media", data={"kind": "video", "file": (io.BytesIO(MP4), "a.mp4")},
                         content_type="multipart/form-data")
    assert upload.status_code == 403
    assert client.get("/admin/resources/").status_code == 403
    assert client.get("/collections/new").status_code == 403


# --- pages and API ---------------------------------------------------------------------------


def test_the_pages_take_a_teacher_from_draft_to_submission(client, login, teacher, school_admin):
    login(teacher)
    created = client.post("/contributions/new", data={"kind": "package", **DETAILS})
    assert created.status_code == 302
    url = created.headers["Location"]
    cid = int(url.rstrip("/").rsplit("/", 1)[1])
    assert client.post(f"{url}/parts/video", data={"title": "微课", "file": (io.BytesIO(MP4), "v.mp4")},
                       content_type="multipart/form-data").status_code == 302
    bad = client.post(f"{url}/exercises", data={"source": "### 单选\n题\n- [ ] 甲\n- [ ] 乙"})
    assert bad.status_code == 422 and "第 1 行" in bad.get_data(as_text=True)
    assert client.post(f"{url}/exercises/item", data={
        "kind": "truefalse", "stem": "勾股定理只对直角三角形成立。", "truth": "对"}).status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "提交审核" in page and "第 3 版" in page
    assert client.post(f"{url}/submit").status_code == 302
    assert services.get_visible_contribution(cid, teacher).status == "submitted"
    assert client.get(f"{url}/revisions/2").status_code == 200
    login.logout()
    login(school_admin)
    queue = client.get("/contributions/review").get_data(as_text=True)
    assert "待审核（1）" in queue and "勾股定理" in queue
    assert client.post(f"{url}/approve", data={"audience": "public"}).status_code == 302
    assert services.get_visible_contribution(cid, teacher).status == "approved"


@pytest.mark.parametrize("path", ["/contributions/2147483648", "/contributions/1/revisions/99"])
def test_missing_contributions_and_revisions_answer_404(client, login, teacher, path):
    draft_package(teacher)
    login(teacher)
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("against", ["x", "-1", "1" * 7])
def test_a_bad_revision_to_compare_with_is_400(client, login, teacher, against):
    c = draft_package(teacher)
    login(teacher)
    assert client.get(f"/contributions/{c.id}/revisions/2?against={against}").status_code == 400


def test_the_api_drafts_submits_and_approves(client, login, teacher, school_admin):
    login(teacher)
    created = client.post("/api/v1/contributions", json={"kind": "resource", "title": "古诗三首",
                                                         "grade": "三年级", "subject": "语文"})
    assert created.status_code == 201
    cid = created.get_json()["id"]
    assert client.put(f"/api/v1/contributions/{cid}/parts/design",
                      json={"body": "## 朗读\n读三遍。"}).status_code == 200
    assert client.put(f"/api/v1/contributions/{cid}/exercises",
                      json={"source": EXERCISES}).get_json()["items"] == 4
    assert client.post(f"/api/v1/contributions/{cid}/submit").get_json()["status"] == "submitted"
    login.logout()
    login(school_admin)
    queue = client.get("/api/v1/review/contributions").get_json()
    assert queue["counts"]["submitted"] == 1
    approved = client.post(f"/api/v1/contributions/{cid}/approve", json={"audience": "public"})
    assert approved.status_code == 200 and approved.get_json()["resource_id"]
    assert db.session.get(Resource, approved.get_json()["resource_id"]).kind == "article"


@pytest.mark.parametrize(("method", "path", "body"), [
    ("POST", "/api/v1/contributions", None),
    ("POST", "/api/v1/contributions", ["x"]),
    ("POST", "/api/v1/contributions", {"kind": "poem", "title": "x"}),
    ("POST", "/api/v1/contributions", {"kind": ["package"], "title": "x"}),
    ("POST", "/api/v1/contributions", {"kind": "package", "title": "x", "grade": {"n": 8}}),
    ("POST", "/api/v1/contributions", {"kind": "exercises", "resource_id": [1]}),
    ("PATCH", "/api/v1/contributions/{id}", {"grade": []}),
    ("PUT", "/api/v1/contributions/{id}/parts/essay", {"body": "x"}),
    ("PUT", "/api/v1/contributions/{id}/parts/design", {"body": 5}),
    ("PUT", "/api/v1/contributions/{id}/exercises", {"source": 5}),
    ("PUT", "/api/v1/contributions/{id}/exercises", {}),
    ("POST", "/api/v1/contributions/{id}/parts/video/file", None),
])
def test_bad_api_input_is_a_chinese_4xx(client, login, teacher, method, path, body):
    c = draft_package(teacher)
    login(teacher)
    response = client.open(path.format(id=c.id), method=method, json=body)
    assert 400 <= response.status_code < 500
    message = response.get_json()["error"]["message"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message), message


def test_a_teacher_reuses_a_published_item_in_a_draft(client, login, teacher, school_admin):
    published = published_package(teacher, school_admin)
    item_id = services.exercise_set_of(published).items[2].id
    draft = services.create_contribution(teacher, "package", {**DETAILS, "title": "勾股定理（2）"})
    login(teacher)
    found = client.get(f"/contributions/{draft.id}/exercises/search?q=勾股定理")
    assert "加入本课的课后练习" in found.get_data(as_text=True)
    assert client.post(f"/contributions/{draft.id}/exercises/reuse/{item_id}").status_code == 302
    copied = services.exercise_set_of(services.get_visible_contribution(draft.id, teacher))
    assert [i.stem for i in copied.items] == ["勾股定理对所有三角形都成立。"]
    unpublished = services.exercise_set_of(draft_package(teacher, title="草稿")).items[0].id
    assert client.post(f"/contributions/{draft.id}/exercises/reuse/{unpublished}").status_code == 422


@pytest.mark.parametrize(("path", "data", "status", "words"), [
    ("/contributions/new", {"kind": "poem", "title": "x"}, 422, "投稿类型"),
    ("/contributions/new", {"kind": "exercises", "title": "x"}, 422, "资源"),
    ("/contributions/{id}/details", {"title": ""}, 422, "请填写标题"),
    ("/contributions/{id}/parts/essay", {"body": "x"}, 422, "部分必须是"),
    ("/contributions/{id}/exercises/item", {"kind": "single", "stem": "x"}, 422, "选项"),
    ("/contributions/{id}/return", {"comment": ""}, 403, "审核"),
])
def test_bad_form_input_is_a_chinese_4xx_page(client, login, teacher, path, data, status, words):
    c = draft_package(teacher)
    login(teacher)
    response = client.post(path.format(id=c.id), data=data)
    assert response.status_code == status and words in response.get_data(as_text=True)
