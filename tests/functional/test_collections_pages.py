"""Collection pages: create and edit by form, reorder without JavaScript, featured on the home page."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from hplearn.collections import services
from hplearn.collections.models import Collection
from hplearn.extensions import db
from tests.factories import CollectionFactory, ResourceFactory, UserFactory


def order_of(collection_id: int) -> list[int]:
    """The resource ids of a collection, in order, as stored."""
    db.session.expire_all()
    return [item.resource_id for item in db.session.get(Collection, collection_id).items]


def test_admin_creates_by_form_then_adds_and_reorders(client, login, school_admin):
    first, second = ResourceFactory(title="第一"), ResourceFactory(title="第二")
    login(school_admin)
    response = client.post("/collections/new", data={
        "title": "国家安全教育日", "description": "学习 *总体国家安全观*", "visibility": "school",
        "grades": ["7", "8"], "featured_from": "2027-04-08", "featured_to": "2027-04-22",
    })
    assert response.status_code == 302
    collection = db.session.query(Collection).one()
    assert collection.grades == [7, 8] and collection.public is False
    assert collection.featured_from == date(2027, 4, 8)
    edit_url = f"/collections/{collection.id}/edit"
    assert response.headers["Location"].endswith(edit_url)
    client.post(f"/collections/{collection.id}/items", data={"resource": str(first.id)})
    client.post(
        f"/collections/{collection.id}/items",
        data={"resource": f"https://learn.example/resources/{second.id}"},
    )
    assert order_of(collection.id) == [first.id, second.id]
    client.post(f"/collections/{collection.id}/items/{second.id}/move", data={"direction": "up"})
    assert order_of(collection.id) == [second.id, first.id]
    client.post(f"/collections/{collection.id}/items/{second.id}/move", data={"direction": "up"})
    assert order_of(collection.id) == [second.id, first.id]
    client.post(f"/collections/{collection.id}/items/{second.id}/remove")
    assert order_of(collection.id) == [first.id]
    page = client.get(edit_url).get_data(as_text=True)
    assert "上移" in page and "下移" in page and "第一" in page


def test_form_errors_are_shown_in_chinese(client, login, school_admin):
    login(school_admin)
    response = client.post("/collections/new", data={
        "title": "", "visibility": "school", "featured_from": "2027-04-22",
        "featured_to": "2027-04-08",
    })
    assert response.status_code == 422
    assert "请填写标题" in response.get_data(as_text=True)
    response = client.post("/collections/new", data={
        "title": "倒过来的日期", "visibility": "school", "featured_from": "2027-04-22",
        "featured_to": "2027-04-08",
    })
    assert response.status_code == 422
    assert "推荐结束日期不能早于开始日期" in response.get_data(as_text=True)
    response = client.post("/collections/new", data={
        "title": "坏日期", "visibility": "school", "featured_from": "2027-02-30",
    })
    assert response.status_code == 422
    assert "不是有效的日期值" in response.get_data(as_text=True)
    assert db.session.query(Collection).count() == 0


def test_bad_resource_reference_is_flashed(client, login, school_admin, school):
    collection = CollectionFactory(school=school)
    login(school_admin)
    response = client.post(
        f"/collections/{collection.id}/items", data={"resource": "abc"}, follow_redirects=True
    )
    assert "请填写资源编号" in response.get_data(as_text=True)
    response = client.post(
        f"/collections/{collection.id}/items", data={"resource": "99999"}, follow_redirects=True
    )
    assert "这些资源不存在或不可用：99999" in response.get_data(as_text=True)


def test_detail_page_renders_markdown_and_resources(client, school):
    collection = CollectionFactory(
        school=school, public=True, description="**重点**", resources=[ResourceFactory(title="国旗")]
    )
    page = client.get(f"/collections/{collection.id}").get_data(as_text=True)
    assert "<strong>重点</strong>" in page and "国旗" in page


def test_private_collection_is_404_for_outsiders(client, login, school, other_school):
    collection = CollectionFactory(school=school, public=False)
    assert client.get(f"/collections/{collection.id}").status_code == 404
    login(UserFactory(role="student", school=other_school))
    assert client.get(f"/collections/{collection.id}").status_code == 404


@pytest.mark.parametrize(("path", "method"), [
    ("/edit", "get"), ("/edit", "post"), ("/items", "post"), ("/items/1/move", "post"),
    ("/items/1/remove", "post"), ("/delete", "post"),
])
def test_other_schools_admin_cannot_edit(client, login, school, other_school, path, method):
    collection = CollectionFactory(school=school, public=True, resources=[ResourceFactory()])
    login(UserFactory(role="school_admin", school=other_school))
    response = getattr(client, method)(f"/collections/{collection.id}{path}", data={"direction": "up"})
    assert response.status_code == 403
    assert db.session.get(Collection, collection.id) is not None


@pytest.mark.parametrize("role", ["student", "teacher"])
def test_non_admins_cannot_create_or_edit(client, login, school, role):
    collection = CollectionFactory(school=school, public=False)
    login(UserFactory(role=role, school=school))
    assert client.get("/collections/new").status_code == 403
    assert client.post(f"/collections/{collection.id}/delete").status_code == 403


def test_anonymous_is_sent_to_sign_in(client, school):
    collection = CollectionFactory(school=school)
    response = client.get(f"/collections/{collection.id}/edit")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_delete_is_recorded(client, login, school_admin, school):
    collection_id = CollectionFactory(school=school).id
    login(school_admin)
    assert client.post(f"/collections/{collection_id}/delete").status_code == 302
    assert db.session.get(Collection, collection_id) is None


# --- featured on the home page -------------------------------------------------------------------


@pytest.fixture
def windows(school, other_school):
    """Collections with and without a window around 2027-04-15."""
    april = {"featured_from": date(2027, 4, 8), "featured_to": date(2027, 4, 22)}
    return {
        "public_all": CollectionFactory(title="公开全体", public=True, **april),
        "public_grade9": CollectionFactory(title="公开九年级", public=True, grades=[9], **april),
        "school_junior": CollectionFactory(
            title="本校初中", school=school, public=False, stages=["初中"], **april
        ),
        "school_primary": CollectionFactory(
            title="本校小学", school=school, public=False, stages=["小学"], **april
        ),
        "other_school": CollectionFactory(title="外校", school=other_school, public=False, **april),
        "not_featured": CollectionFactory(title="不推荐", public=True),
        "over": CollectionFactory(
            title="已结束", public=True, featured_from=date(2027, 3, 1), featured_to=date(2027, 3, 5)
        ),
    }


def titles(collections) -> set[str]:
    """The titles of a list of collections."""
    return {c.title for c in collections}


def test_featured_for_a_grade_seven_student(windows, student):
    chosen = services.featured_for(student, today=date(2027, 4, 15))
    assert titles(chosen) == {"公开全体", "本校初中"}


def test_featured_for_anonymous_visitors(windows):
    from flask_login import AnonymousUserMixin

    chosen = services.featured_for(AnonymousUserMixin(), today=date(2027, 4, 15))
    assert titles(chosen) == {"公开全体", "公开九年级"}


@pytest.mark.parametrize(("day", "expected"), [
    (date(2027, 4, 7), set()), (date(2027, 4, 8), {"公开全体"}), (date(2027, 4, 22), {"公开全体"}),
    (date(2027, 4, 23), set()),
])
def test_window_edges_are_inclusive(app, day, expected):
    from flask_login import AnonymousUserMixin

    CollectionFactory(
        title="公开全体", public=True, featured_from=date(2027, 4, 8), featured_to=date(2027, 4, 22)
    )
    assert titles(services.featured_for(AnonymousUserMixin(), today=day)) == expected


def test_window_uses_the_shanghai_calendar(app, monkeypatch):
    from flask_login import AnonymousUserMixin

    CollectionFactory(title="从8日起", public=True, featured_from=date(2027, 4, 8))
    # 2027-04-07 16:30 UTC is already 4月8日 00:30 in Tianjin.
    monkeypatch.setattr(
        services, "utcnow", lambda: datetime(2027, 4, 7, 16, 30, tzinfo=UTC)
    )
    assert titles(services.featured_for(AnonymousUserMixin())) == {"从8日起"}


def test_home_page_shows_todays_featured_collections(client, login, student, school):
    today = services.local_date(services.utcnow())
    CollectionFactory(title="本周推荐", school=school, public=False, featured_from=today, featured_to=today)
    assert "本周推荐" not in client.get("/").get_data(as_text=True)
    login(student)
    page = client.get("/").get_data(as_text=True)
    assert "推荐合集" in page and "本周推荐" in page
