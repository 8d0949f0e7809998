"""Responses of the contribution, exercise and learning API match docs/openapi.yaml."""

from __future__ import annotations

import pytest

from tests.contribution_fixtures import EXERCISES, draft_package, published_package
from tests.factories import ResourceFactory
from tests.openapi_check import checked as _checked


def test_a_contribution_from_draft_to_feature_matches(client, login, teacher, school_admin,
                                                      district_admin):
    login(teacher)
    created = _checked(client.post("/api/v1/contributions", json={
        "kind": "package", "title": "勾股定理", "grade": 8, "subject": "数学"}), 201)
    cid = created["id"]
    _checked(client.patch(f"/api/v1/contributions/{cid}", json={"unit": "第十七章"}), 200)
    _checked(client.put(f"/api/v1/contributions/{cid}/parts/design", json={"body": "设计"}), 200)
    _checked(client.put(f"/api/v1/contributions/{cid}/exercises", json={"source": EXERCISES}), 200)
    _checked(client.put(f"/api/v1/contributions/{cid}/exercises", json={"source": "### 问答"}), 422)
    _checked(client.post(f"/api/v1/contributions/{cid}/submit"), 422)
    _checked(client.put(f"/api/v1/contributions/{cid}/parts/slides", json={"body": "课件"}), 200)
    _checked(client.post(f"/api/v1/contributions/{cid}/submit"), 200)
    _checked(client.get(f"/api/v1/contributions/{cid}/revisions/2/diff"), 200)
    _checked(client.get(f"/api/v1/contributions/{cid}/revisions/99/diff"), 404)
    _checked(client.get("/api/v1/contributions"), 200)
    _checked(client.post(f"/api/v1/contributions/{cid}/approve", json={"audience": "public"}), 403)
    login.logout()
    login(school_admin)
    _checked(client.get("/api/v1/review/contributions"), 200)
    _checked(client.get("/api/v1/review/contributions?status=nope"), 422)
    _checked(client.post(f"/api/v1/contributions/{cid}/approve", json={"audience": "public"}), 200)
    _checked(client.post(f"/api/v1/contributions/{cid}/return", json={"comment": "晚了"}), 409)
    _checked(client.get("/api/v1/schools/hp001/contribution-record"), 200)
    _checked(client.get("/api/v1/schools/hp001/contribution-record?term=x"), 422)
    login.logout()
    login(district_admin)
    _checked(client.post(f"/api/v1/contributions/{cid}/feature"), 200)


def test_exercises_match(client, login, teacher, school_admin, student):
    package = published_package(teacher, school_admin)
    set_id = next(p.exercise_set_id for p in package.parts if p.role == "exercises")
    data = _checked(client.get(f"/api/v1/exercise-sets/{set_id}"), 200)
    item_id = data["items"][0]["id"]
    _checked(client.post(f"/api/v1/exercise-items/{item_id}/answer", json={"answer": 1}), 200)
    _checked(client.post(f"/api/v1/exercise-items/{item_id}/answer", json={"answer": 9}), 422)
    login(teacher)
    _checked(client.get(f"/api/v1/exercise-sets/{set_id}/rates"), 200)
    _checked(client.get("/api/v1/exercises/search?q=勾股定理"), 200)
    _checked(client.get("/api/v1/exercises/search?kind=x"), 400)
    login.logout()
    login(student)
    _checked(client.get(f"/api/v1/exercise-sets/{set_id}/rates"), 403)


@pytest.fixture
def resource(app):
    return ResourceFactory(title="一元一次方程")


def test_the_learning_loop_matches(client, login, student, resource):
    _checked(client.get(f"/api/v1/resources/{resource.id}/related"), 200)
    _checked(client.get("/api/v1/favourites"), 401)
    login(student)
    client.get(f"/resources/{resource.id}")
    _checked(client.put(f"/api/v1/favourites/{resource.id}"), 200)
    _checked(client.get("/api/v1/favourites"), 200)
    _checked(client.delete(f"/api/v1/favourites/{resource.id}"), 200)
    _checked(client.get("/api/v1/history"), 200)
    _checked(client.put(f"/api/v1/history/{resource.id}", json={"pdf_page": 2}), 422)


def test_a_draft_of_another_teacher_matches_404(client, login, teacher, school):
    from tests import factories

    draft = draft_package(teacher)
    login(factories.UserFactory(username="tea3", role="teacher", school=school))
    _checked(client.get(f"/api/v1/contributions/{draft.id}"), 404)
