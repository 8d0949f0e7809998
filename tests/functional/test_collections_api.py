"""/api/v1/collections: shapes, validation of every field, visibility and who may change what."""

from __future__ import annotations

import pytest

from hplearn.audit.models import AuditEntry
from hplearn.collections.models import Collection
from hplearn.extensions import db
from tests.factories import CollectionFactory, ResourceFactory, UserFactory


def valid_body(**changes) -> dict:
    """A complete, valid collection body."""
    body = {
        "title": "国家安全教育日",
        "description": "**4月15日**是全民国家安全教育日。",
        "resource_ids": [],
        "public": False,
        "stages": ["初中"],
        "grades": [7, 8],
        "featured_from": "2027-04-08",
        "featured_to": "2027-04-22",
    }
    body.update(changes)
    return body


@pytest.fixture
def resources():
    """Three published resources."""
    return [ResourceFactory(title=f"资源{i}") for i in range(3)]


def test_school_admin_creates_a_collection(client, login, school_admin, resources):
    login(school_admin)
    ids = [resources[2].id, resources[0].id]
    response = client.post("/api/v1/collections", json=valid_body(resource_ids=ids))
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert data["title"] == "国家安全教育日"
    assert "<strong>4月15日</strong>" in data["description_html"]
    assert data["school"] == {"code": "hp001", "name": "和平区第一小学"}
    assert data["public"] is False
    assert [r["id"] for r in data["resources"]] == ids
    assert data["featured_from"] == "2027-04-08" and data["featured_to"] == "2027-04-22"
    assert data["stages"] == ["初中"] and data["grades"] == [7, 8]
    entry = db.session.query(AuditEntry).filter_by(action="collection.create").one()
    assert entry.school_id == school_admin.school_id and entry.object_id == data["id"]


def test_description_html_is_sanitized(client, login, school_admin):
    login(school_admin)
    body = valid_body(description='<script>alert(1)</script>[x](javascript:alert(1))')
    html = client.post("/api/v1/collections", json=body).get_json()["description_html"]
    assert "<script" not in html and "javascript:" not in html


def test_patch_reorders_and_records(client, login, school_admin, resources):
    login(school_admin)
    created = client.post(
        "/api/v1/collections", json=valid_body(resource_ids=[r.id for r in resources])
    ).get_json()
    new_order = [resources[1].id, resources[2].id, resources[0].id]
    response = client.patch(
        f"/api/v1/collections/{created['id']}", json={"resource_ids": new_order, "public": True}
    )
    assert response.status_code == 200
    assert [r["id"] for r in response.get_json()["resources"]] == new_order
    assert response.get_json()["public"] is True
    entry = db.session.query(AuditEntry).filter_by(action="collection.update").one()
    assert sorted(entry.details["fields"]) == ["public", "resource_ids"]


@pytest.mark.parametrize(("field", "value"), [
    ("title", ""), ("title", "   "), ("title", 12), ("title", None), ("title", "长" * 201),
    ("description", ["x"]), ("description", "x" * 20_001),
    ("public", "yes"), ("public", 1), ("public", None),
    ("resource_ids", "1,2"), ("resource_ids", [1.5]), ("resource_ids", [True]),
    ("resource_ids", [99999]), ("resource_ids", [-1]), ("resource_ids", [10**12]),
    ("stages", "初中"), ("stages", ["大学"]), ("grades", [0]), ("grades", [13]),
    ("grades", ["7"]), ("grades", [7, 7]), ("grades", 7),
    ("featured_from", "2027-02-30"), ("featured_from", "08/04/2027"), ("featured_from", 20270408),
    ("featured_to", "2027-W15-3"), ("featured_to", "2027-04-01"),
    ("colour", "red"),
])
def test_every_field_is_validated(client, login, school_admin, field, value):
    login(school_admin)
    response = client.post("/api/v1/collections", json=valid_body(**{field: value}))
    assert response.status_code == 422, (field, value)
    error = response.get_json()["error"]
    assert error["code"] == "invalid_field" and error["message"]
    assert db.session.query(Collection).count() == 0


@pytest.mark.parametrize("missing", ["title", "public"])
def test_required_fields(client, login, school_admin, missing):
    login(school_admin)
    body = valid_body()
    del body[missing]
    assert client.post("/api/v1/collections", json=body).status_code == 422


@pytest.mark.parametrize(("payload", "content_type"), [
    ("not json", "application/json"), ("[1, 2]", "application/json"), ("{}", "text/plain"),
])
def test_bodies_that_are_not_json_objects(client, login, school_admin, payload, content_type):
    login(school_admin)
    response = client.post("/api/v1/collections", data=payload, content_type=content_type)
    assert response.status_code in (400, 422)
    assert "error" in response.get_json()


def test_draft_resources_of_another_school_cannot_be_added(client, login, school_admin, other_school):
    hidden = ResourceFactory(status="draft", school_id=other_school.id)
    login(school_admin)
    response = client.post("/api/v1/collections", json=valid_body(resource_ids=[hidden.id]))
    assert response.status_code == 422
    assert str(hidden.id) in response.get_json()["error"]["message"]


def test_patch_window_inverted_by_one_field(client, login, school_admin):
    login(school_admin)
    created = client.post("/api/v1/collections", json=valid_body()).get_json()
    response = client.patch(f"/api/v1/collections/{created['id']}", json={"featured_from": "2027-05-01"})
    assert response.status_code == 422
    assert db.session.get(Collection, created["id"]).featured_from.isoformat() == "2027-04-08"


def test_district_collections_must_be_public(client, login, district_admin):
    login(district_admin)
    assert client.post("/api/v1/collections", json=valid_body(public=False)).status_code == 422
    response = client.post("/api/v1/collections", json=valid_body(public=True))
    assert response.status_code == 201
    assert response.get_json()["school"] is None


@pytest.mark.parametrize("role", ["student", "teacher"])
def test_only_admins_create(client, login, school, role):
    login(UserFactory(role=role, school=school))
    assert client.post("/api/v1/collections", json=valid_body()).status_code == 403
    assert db.session.query(Collection).count() == 0


def test_anonymous_cannot_create(client):
    assert client.post("/api/v1/collections", json=valid_body()).status_code == 401


def test_other_schools_admin_cannot_see_or_change(client, login, school, other_school):
    private = CollectionFactory(school=school, public=False, title="一小内部")
    public = CollectionFactory(school=school, public=True, title="一小公开")
    login(UserFactory(role="school_admin", school=other_school))
    assert client.get(f"/api/v1/collections/{private.id}").status_code == 404
    assert client.patch(f"/api/v1/collections/{private.id}", json={"title": "x"}).status_code == 404
    assert client.patch(f"/api/v1/collections/{public.id}", json={"title": "x"}).status_code == 403
    assert db.session.get(Collection, public.id).title == "一小公开"


def test_students_cannot_patch_their_schools_collection(client, login, school, student):
    collection = CollectionFactory(school=school, public=False)
    login(student)
    assert client.get(f"/api/v1/collections/{collection.id}").status_code == 200
    assert client.patch(f"/api/v1/collections/{collection.id}", json={"title": "x"}).status_code == 403


def test_district_admin_changes_any_school_collection(client, login, school, district_admin):
    collection = CollectionFactory(school=school, public=False)
    login(district_admin)
    response = client.patch(f"/api/v1/collections/{collection.id}", json={"title": "区里改过"})
    assert response.status_code == 200 and response.get_json()["title"] == "区里改过"


def test_list_shows_only_what_the_caller_may_see(client, login, school, other_school, student):
    CollectionFactory(school=school, public=False, title="本校")
    CollectionFactory(school=other_school, public=False, title="外校")
    CollectionFactory(school=other_school, public=True, title="外校公开")
    titles = {c["title"] for c in client.get("/api/v1/collections").get_json()["results"]}
    assert titles == {"外校公开"}
    login(student)
    data = client.get("/api/v1/collections").get_json()
    assert {c["title"] for c in data["results"]} == {"本校", "外校公开"}
    assert data["total"] == 2


def test_hidden_resources_are_left_out_of_a_collection(client, school):
    shown = ResourceFactory(title="已发布")
    retired = ResourceFactory(title="已下架", status="retired")
    collection = CollectionFactory(school=school, public=True, resources=[retired, shown])
    data = client.get(f"/api/v1/collections/{collection.id}").get_json()
    assert [r["title"] for r in data["resources"]] == ["已发布"]


def test_unknown_collection_is_404(client):
    assert client.get("/api/v1/collections/12345").status_code == 404


def test_bad_page_parameter_is_400(client):
    assert client.get("/api/v1/collections?page=abc").status_code == 400


def test_reordering_keeps_a_resource_retired_by_someone_else(client, login, school, school_admin):
    district_resource = ResourceFactory(school_id=None, title="区资源")
    mine = ResourceFactory(school_id=school.id, title="本校资源")
    collection = CollectionFactory(school=school, resources=[district_resource, mine])
    district_resource.status = "retired"
    db.session.commit()
    login(school_admin)
    response = client.patch(
        f"/api/v1/collections/{collection.id}", json={"resource_ids": [mine.id, district_resource.id]}
    )
    assert response.status_code == 200
    assert [r["title"] for r in response.get_json()["resources"]] == ["本校资源"]
