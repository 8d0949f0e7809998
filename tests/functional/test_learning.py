"""The learning loop: 收藏, 最近学习 with resume points, the grade home page, related resources."""

from __future__ import annotations

import pytest

from hplearn.learning import services
from hplearn.media.models import PlaybackPosition
from tests import factories
from tests.contribution_fixtures import published_package
from tests.media_samples import MP4, PDF, store


@pytest.fixture
def resource(app):
    return factories.ResourceFactory(title="一元一次方程", grade=7, subject="数学")


def test_a_student_keeps_and_drops_a_favourite(client, login, student, resource):
    login(student)
    page = client.get(f"/resources/{resource.id}").get_data(as_text=True)
    assert "☆ 收藏" in page
    assert client.post(f"/learning/favourites/{resource.id}").status_code == 302
    assert client.post(f"/learning/favourites/{resource.id}").status_code == 302
    assert services.favourites(student) == [resource]
    assert "★ 已收藏" in client.get(f"/resources/{resource.id}").get_data(as_text=True)
    assert "一元一次方程" in client.get("/learning/favourites").get_data(as_text=True)
    client.post(f"/learning/favourites/{resource.id}/remove")
    assert services.favourites(student) == []


def test_a_retired_favourite_drops_out_of_the_list(student, resource):
    services.add_favourite(student, resource.id)
    resource.status = "retired"
    factories.ResourceFactory._meta.sqlalchemy_session.commit()
    assert services.favourites(student) == []


def test_favourites_and_history_are_for_students(client, login, teacher, resource):
    login(teacher)
    assert client.post(f"/learning/favourites/{resource.id}").status_code == 403
    assert client.get("/api/v1/favourites").status_code == 403
    assert client.get("/api/v1/history").status_code == 403
    assert "☆ 收藏" not in client.get(f"/resources/{resource.id}").get_data(as_text=True)


def test_opening_a_resource_puts_it_at_the_top_of_the_history(client, login, student, app):
    first = factories.ResourceFactory(title="第一课")
    second = factories.ResourceFactory(title="第二课")
    login(student)
    for resource in (first, second, first):
        client.get(f"/resources/{resource.id}")
    recent = services.recent(student)
    assert [item.resource.title for item in recent] == ["第一课", "第二课"]
    assert "第一课" in client.get("/learning/history").get_data(as_text=True)


def test_a_resource_not_shown_is_not_recorded(client, login, student):
    draft = factories.ResourceFactory(status="draft")
    login(student)
    assert client.get(f"/resources/{draft.id}").status_code == 404
    assert services.recent(student) == []


def test_the_history_says_where_a_video_stopped(client, login, student, school_admin):
    video = store(school_admin, "video", MP4, "微课.mp4")
    resource = factories.ResourceFactory(kind="video", media_id=video.id, school_id=None)
    login(student)
    client.get(f"/resources/{resource.id}")
    client.post(f"/media/{video.id}/position", json={"seconds": 200})
    assert services.recent(student)[0].video_seconds == 200
    assert "看到 3 分 20 秒" in client.get("/learning/history").get_data(as_text=True)
    assert PlaybackPosition.query.count() == 1


def test_a_pdf_opens_again_at_the_page_the_student_left(client, login, student, school_admin):
    pdf = store(school_admin, "document", PDF, "讲义.pdf")
    resource = factories.ResourceFactory(kind="document", media_id=pdf.id)
    login(student)
    assert client.post(f"/learning/history/{resource.id}/page", data={"page": "12"}).status_code == 302
    page = client.get(f"/resources/{resource.id}").get_data(as_text=True)
    assert f"/media/{pdf.id}#page=12" in page and "从第 12 页继续读" in page
    assert client.put(f"/api/v1/history/{resource.id}", json={"pdf_page": 3}).get_json()["pdf_page"] == 3
    assert client.get("/api/v1/history").get_json()["results"][0]["pdf_page"] == 3


@pytest.mark.parametrize("value", ["", "x", "0", "5001", "1.5", 2.5, True, None, [3], {"p": 1}])
def test_a_bad_page_number_is_refused(client, login, student, school_admin, value):
    pdf = store(school_admin, "document", PDF, "讲义.pdf")
    resource = factories.ResourceFactory(kind="document", media_id=pdf.id)
    login(student)
    response = client.put(f"/api/v1/history/{resource.id}", json={"pdf_page": value})
    assert response.status_code == 422 and "页" in response.get_json()["error"]["message"]


def test_only_pdfs_remember_a_page(client, login, student, resource):
    login(student)
    assert client.put(f"/api/v1/history/{resource.id}", json={"pdf_page": 2}).status_code == 422


def test_the_home_page_is_for_the_students_grade(client, login, student, app):
    factories.ResourceFactory(title="七年级的课", grade=7)
    factories.ResourceFactory(title="三年级的课", grade=3, stage="小学")
    login(student)
    page = client.get("/learning/").get_data(as_text=True)
    assert "七年级的课" in page and "三年级的课" not in page
    assert "三年级的课" in client.get("/learning/?grade=三年级").get_data(as_text=True)


@pytest.mark.parametrize("grade", ["十三年级", "x" * 20, "0"])
def test_a_bad_grade_on_the_home_page_is_400(client, grade):
    assert client.get(f"/learning/?grade={grade}").status_code == 400


def test_the_home_page_shows_the_districts_featured_lessons(client, teacher, school_admin,
                                                            district_admin):
    from hplearn.contributions import review

    review.feature(district_admin, published_package(teacher, school_admin).id)
    assert "区级精品课" in client.get("/learning/").get_data(as_text=True)


def test_related_resources_come_from_the_index(client, app):
    base = factories.ResourceFactory(title="勾股定理的证明", grade=8, subject="数学", edition="人教版")
    factories.ResourceFactory(title="勾股定理的应用", grade=8, subject="数学", edition="人教版")
    factories.ResourceFactory(title="勾股定理小史", grade=8, subject="数学", edition="北师大版")
    factories.ResourceFactory(title="勾股定理与语文", grade=8, subject="语文")
    titles = [r["title"] for r in client.get(f"/api/v1/resources/{base.id}/related").get_json()["results"]]
    assert titles[:2] == ["勾股定理的应用", "勾股定理小史"] and "勾股定理与语文" not in titles
    assert "勾股定理的应用" in client.get(f"/resources/{base.id}").get_data(as_text=True)


def test_a_package_page_lists_its_parts_and_exercises(client, teacher, school_admin):
    contribution = published_package(teacher, school_admin)
    page = client.get(f"/resources/{contribution.resource_id}").get_data(as_text=True)
    assert "微课视频" in page and "教学设计" in page and "课后练习（4 题）" in page
    part = next(p for p in contribution.parts if p.role == "design")
    assert "课程包" in client.get(f"/resources/{part.resource_id}").get_data(as_text=True)


def test_favourites_api(client, login, student, resource):
    login(student)
    assert client.put(f"/api/v1/favourites/{resource.id}").status_code == 200
    assert [r["id"] for r in client.get("/api/v1/favourites").get_json()["results"]] == [resource.id]
    assert client.delete(f"/api/v1/favourites/{resource.id}").get_json() == {}
    assert client.put("/api/v1/favourites/2147483648").status_code == 404


def test_new_resources_show_a_package_without_its_parts(client, teacher, school_admin):
    published_package(teacher, school_admin)
    page = client.get("/learning/?grade=8").get_data(as_text=True)
    assert "勾股定理" in page and "勾股定理·课件" not in page


def test_a_package_page_does_not_list_its_parts_again_as_related(client, teacher, school_admin):
    contribution = published_package(teacher, school_admin)
    page = client.get(f"/resources/{contribution.resource_id}").get_data(as_text=True)
    assert page.split("</head>")[1].count("直角三角形三边的关系。") == 1
    assert "勾股定理·课件" not in page.split("相关资源")[-1]
