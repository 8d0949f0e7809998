"""宣传 and 典型案例: schools publish posts to families; the district features the best."""

import pytest
from sqlalchemy import select

from hplearn.audit.models import AuditEntry
from hplearn.extensions import db
from hplearn.news.models import Post
from tests.openapi_check import checked
from tests.parents_fixtures import parent_of

STORY = {"kind": "story", "title": "王老师的课后科学社", "body": "每周三下午，**王老师**带同学们做实验。"}


def _post(client, **changes):
    return client.post("/news/new", data={**STORY, **changes})


def _only_post():
    return db.session.scalar(select(Post))


def test_a_school_admin_writes_a_draft_that_only_they_see(client, login, school_admin):
    login(school_admin)
    assert _post(client).status_code == 302
    post = _only_post()
    assert post.school_id == school_admin.school_id and post.published_at is None
    assert client.get(f"/news/{post.id}").status_code == 200  # preview
    login.logout()
    assert client.get(f"/news/{post.id}").status_code == 404
    assert "王老师的课后科学社" not in client.get("/news/").get_data(as_text=True)


def test_published_posts_are_public_and_reach_the_parent_home(client, login, school_admin,
                                                              student):
    login(school_admin)
    _post(client, publish="1")
    post = _only_post()
    login.logout()
    page = client.get(f"/news/{post.id}").get_data(as_text=True)
    assert "<strong>王老师</strong>" in page and "和平区第一小学" in page
    assert "王老师的课后科学社" in client.get("/news/?kind=story").get_data(as_text=True)
    assert "王老师的课后科学社" not in client.get("/news/?kind=policy").get_data(as_text=True)
    data = checked(client.get("/api/v1/news?school=hp001"), 200)
    assert data["total"] == 1 and data["results"][0]["publisher"] == "和平区第一小学"
    assert "<strong>" in checked(client.get(f"/api/v1/news/{post.id}"), 200)["body_html"]
    login(parent_of(student))
    assert "王老师的课后科学社" in client.get("/parents/").get_data(as_text=True)


def test_the_district_features_a_school_story_on_the_home_page(client, login, school_admin,
                                                               district_admin):
    login(school_admin)
    _post(client, publish="1")
    post = _only_post()
    assert client.post(f"/news/{post.id}/feature").status_code == 403
    login.logout()
    login(district_admin)
    assert client.post(f"/news/{post.id}/feature").status_code == 302
    login.logout()
    assert "王老师的课后科学社" in client.get("/").get_data(as_text=True)
    login(school_admin)
    client.post(f"/news/{post.id}/unpublish")
    login.logout()
    assert "王老师的课后科学社" not in client.get("/").get_data(as_text=True)
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"news.create", "news.publish", "news.feature", "news.unpublish"} <= actions


def test_the_district_writes_its_own_and_for_a_school(client, login, district_admin, school):
    login(district_admin)
    _post(client, kind="policy", title="双减政策解读", publish="1")
    _post(client, title="一小的故事", school="hp001")
    own, for_school = db.session.scalars(select(Post).order_by(Post.id)).all()
    assert own.school_id is None and for_school.school_id == school.id
    assert client.get("/api/v1/news?school=district").get_json()["total"] == 1


def test_other_schools_and_other_roles_cannot_edit(client, login, school_admin, other_school,
                                                   teacher, student):
    login(school_admin)
    _post(client)
    post = _only_post()
    from tests import factories

    other_admin = factories.UserFactory(username="oadmin", role="school_admin", school=other_school)
    for user in (other_admin,):
        login.logout()
        login(user)
        assert client.get(f"/news/{post.id}/edit").status_code == 404
        assert client.post(f"/news/{post.id}/publish").status_code == 404
        assert client.get(f"/news/{post.id}").status_code == 404
    for user in (teacher, student):
        login.logout()
        login(user)
        assert client.get("/news/desk").status_code == 403
        assert _post(client).status_code == 403
        assert client.post(f"/news/{post.id}/publish").status_code == 403
    assert _only_post().published_at is None


@pytest.mark.parametrize(("change", "message"), [
    ({"title": ""}, "请填写标题"), ({"title": "长" * 121}, "120"), ({"kind": "ad"}, "类别必须是"),
    ({"body": "字" * 20_001}, "20000"), ({"title": "a\x00b"}, "控制字符"),
])
def test_bad_posts_are_refused_with_the_text_kept(client, login, school_admin, change, message):
    login(school_admin)
    response = _post(client, **change)
    # A NUL is refused by the input check for every form (400) before the rules see it (422).
    assert response.status_code in (400, 422) and message in response.get_data(as_text=True)
    assert _only_post() is None


def test_bad_filters_and_missing_posts(client):
    assert client.get("/news/?school=nope").status_code == 404
    assert client.get("/api/v1/news?kind=ad").status_code == 422
    assert client.get("/news/999999").status_code == 404
    assert client.get("/api/v1/news/999999").status_code == 404


def test_publishing_twice_is_a_conflict(client, login, school_admin):
    login(school_admin)
    _post(client, publish="1")
    post = _only_post()
    assert client.post(f"/news/{post.id}/publish").status_code == 409


def test_the_demo_posts_are_made_once(app):
    from hplearn.news import demo

    assert demo.load_demo() == "2 demo post(s)"
    assert demo.load_demo() == "0 demo post(s)"
    from hplearn.news.services import featured

    assert len(featured()) == 2


def test_every_page_links_to_the_news_list(client):
    page = client.get("/").get_data(as_text=True)
    assert 'href="/news/">学校动态</a>' in page
