"""Real /api/v1 responses match docs/openapi.yaml, and every API route is documented."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from tests.factories import DEFAULT_PASSWORD, ResourceFactory, TopicFactory
from tests.openapi_check import assert_matches_spec, documented_paths


@pytest.fixture
def catalog(app):
    """A topic with a few resources."""
    topic = TopicFactory(slug="aiguo", name="爱国主义教育")
    return [
        ResourceFactory(title="国旗的故事", topic=topic, body="**升旗**仪式", tags=["国旗"]),
        ResourceFactory(title="数学七年级上册", kind="textbook", edition="人教版",
                        url="https://basic.smartedu.cn/tchMaterial/detail?x=1"),
        ResourceFactory(title="垃圾分类", kind="video", stage="小学", grade=None, subject=None),
    ]


def _checked(response, status: int):
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert_matches_spec(response)
    return response


def _rule_path(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"<\1>", rule)


def test_every_api_route_is_documented(app):
    api_rules = {
        _rule_path(rule.rule).replace("<resource_id>", "<id>").replace("<question_id>", "<id>")
        .replace("<collection_id>", "<id>")
        for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")
    }
    assert api_rules - documented_paths() == set()
    assert documented_paths() - api_rules == set()


@pytest.mark.parametrize("query", [
    "", "?page=1&per_page=2", "?stage=初中&grade=七年级", "?kind=textbook&edition=人教版",
    "?topic=aiguo&sort=title", "?sort=popular", "?page=99",
])
def test_resource_lists_match(client, catalog, query):
    _checked(client.get(f"/api/v1/resources{query}"), 200)


@pytest.mark.parametrize("query", ["?stage=大学", "?grade=十三年级", "?page=0", "?per_page=x",
                                   "?kind=podcast", "?sort=random"])
def test_resource_list_errors_match(client, catalog, query):
    _checked(client.get(f"/api/v1/resources{query}"), 400)


def test_resource_detail_and_missing_one_match(client, catalog):
    _checked(client.get(f"/api/v1/resources/{catalog[0].id}"), 200)
    _checked(client.get(f"/api/v1/resources/{catalog[2].id}"), 200)
    _checked(client.get("/api/v1/resources/999999"), 404)


def test_sign_in_out_and_password_match(client, student):
    _checked(client.post("/api/v1/auth/login", json={"username": "stu1", "password": "wrong"}),
             401)
    _checked(client.post("/api/v1/auth/login", json={"username": "stu1"}), 422)
    _checked(client.post("/api/v1/auth/login", data="[]", content_type="application/json"), 400)
    _checked(client.post("/api/v1/auth/login",
                         json={"username": "stu1", "password": DEFAULT_PASSWORD}), 200)
    _checked(client.post("/api/v1/auth/password",
                         json={"current_password": "nope", "new_password": "x"}), 403)
    _checked(client.post("/api/v1/auth/logout"), 200)
    _checked(client.post("/api/v1/auth/logout"), 401)


def test_school_users_match(client, login, school_admin, student, teacher):
    _checked(client.get("/api/v1/schools/hp001/users"), 401)
    login(school_admin)
    _checked(client.get("/api/v1/schools/hp001/users?role=student"), 200)
    _checked(client.get("/api/v1/schools/nope/users"), 404)
    _checked(client.post("/api/v1/schools/hp001/users",
                         json={"username": "stu9", "role": "student", "grade": 7}), 201)
    _checked(client.post("/api/v1/schools/hp001/users", json={"username": "", "role": "x"}), 422)
    login.logout()
    login(student)
    _checked(client.get("/api/v1/schools/hp001/users"), 403)


PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff"
       b"\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82")


def test_collections_match(client, login, school_admin, student, catalog):
    _checked(client.post("/api/v1/collections", json={"title": "x", "public": True}), 401)
    login(school_admin)
    created = _checked(client.post("/api/v1/collections", json={
        "title": "七年级寒假书单", "description": "**假期**读物", "public": True,
        "resource_ids": [r.id for r in catalog], "grades": [7], "stages": ["初中"],
        "featured_from": "2026-01-10", "featured_to": "2026-02-20",
    }), 201).get_json()
    _checked(client.post("/api/v1/collections", json={"title": ""}), 422)
    _checked(client.patch(f"/api/v1/collections/{created['id']}", json={"public": False}), 200)
    login.logout()
    login(student)
    _checked(client.get("/api/v1/collections?per_page=5"), 200)
    _checked(client.get(f"/api/v1/collections/{created['id']}"), 200)
    _checked(client.get("/api/v1/collections/999999"), 404)
    _checked(client.patch(f"/api/v1/collections/{created['id']}", json={"title": "改"}), 403)
    _checked(client.get("/api/v1/collections?page=0"), 400)


def test_media_upload_matches(client, login, school_admin, student):
    import io

    def upload(data: bytes, kind: str):
        return client.post("/api/v1/media", data={"kind": kind, "file": (io.BytesIO(data), "a")},
                           content_type="multipart/form-data")

    _checked(upload(PNG, "image"), 401)
    login(student)
    _checked(upload(PNG, "image"), 403)
    login.logout()
    login(school_admin)
    _checked(upload(PNG, "image"), 201)
    _checked(upload(PNG, "video"), 415)
    _checked(upload(PNG, "poster"), 422)


@pytest.mark.parametrize("query", [
    "?q=国旗", "?q=国旗&kind=article&sort=newest", "?q=数学&edition=人教版&page=1&per_page=5",
    "?q=没有这个词xyz", "?q=", "?q=shuxue&grade=七年级&stage=初中",
])
def test_search_matches(client, catalog, query):
    _checked(client.get(f"/api/v1/search{query}"), 200)


@pytest.mark.parametrize("query", ["?q=国旗&sort=random", "?q=x&page=0", "?q=x&stage=大学"])
def test_search_errors_match(client, catalog, query):
    _checked(client.get(f"/api/v1/search{query}"), 400)


@pytest.mark.parametrize("query", ["?q=guo", "?q=国", "", "?q=" + "长" * 100])
def test_suggest_matches(client, catalog, query):
    _checked(client.get(f"/api/v1/suggest{query}"), 200)


def test_unavailable_search_matches(client, catalog):
    import shutil

    from hplearn.search import engine

    shutil.rmtree(engine.backend().root)
    _checked(client.get("/api/v1/search?q=国旗"), 503)


def test_ids_beyond_the_database_range_are_not_found(client, catalog):
    _checked(client.get("/api/v1/collections/1789293023886673389132370149376"), 404)
    _checked(client.get("/api/v1/resources/1789293023886673389132370149376"), 404)


def test_a_form_part_without_a_readable_name_is_refused_not_a_crash(app, client, login,
                                                                     school_admin):
    login(school_admin)
    app.config["WTF_CSRF_ENABLED"] = True
    body = (b'--b\r\nContent-Disposition: form-data; name="\xc2\xaf\\"\r\n\r\n{}\r\n'
            b'--b\r\nContent-Disposition: form-data; name="kind"\r\n\r\nvideo\r\n--b--\r\n')
    response = client.post("/api/v1/media", data=body,
                           content_type="multipart/form-data; boundary=b")
    assert response.status_code == 400
    assert_matches_spec(response)


def test_statistics_match(client, login, school_admin, district_admin, student, catalog):
    client.get(f"/resources/{catalog[0].id}")
    _checked(client.get("/api/v1/stats/district"), 401)
    login(student)
    _checked(client.get("/api/v1/stats/schools/hp001"), 403)
    _checked(client.get("/api/v1/stats/district"), 403)
    login.logout()
    login(school_admin)
    _checked(client.get("/api/v1/stats/schools/hp001"), 200)
    today = date.today()
    month_ago = today - timedelta(days=30)
    _checked(client.get(f"/api/v1/stats/schools/hp001?from={month_ago}&to={today}"), 200)
    _checked(client.get("/api/v1/stats/schools/hp001?from=2026-13-01"), 400)
    _checked(client.get("/api/v1/stats/schools/nope"), 404)
    login.logout()
    login(district_admin)
    _checked(client.get(f"/api/v1/stats/district?from={month_ago}&to={today}"), 200)


def test_question_flow_matches(client, login, student, teacher):
    question_body = {"title": "一元一次方程怎么移项？", "body": "2x + 3 = 7 移项以后是什么？",
                     "subject": "数学", "grade": 7, "anonymous": True, "private": False}
    _checked(client.get("/api/v1/questions"), 401)
    login(student)
    asked = _checked(client.post("/api/v1/questions", json=question_body), 201).get_json()
    _checked(client.post("/api/v1/questions", json={"title": ""}), 422)
    _checked(client.get("/api/v1/questions?mine=1"), 200)
    _checked(client.get("/api/v1/teacher/queue"), 403)
    _checked(client.get("/api/v1/qa/counts"), 403)
    login.logout()
    login(teacher)
    path = f"/api/v1/questions/{asked['id']}"
    _checked(client.get("/api/v1/teacher/queue"), 200)
    _checked(client.get("/api/v1/qa/counts"), 200)
    _checked(client.post(f"{path}/claim"), 200)
    _checked(client.post(f"{path}/release"), 200)
    _checked(client.post(f"{path}/claim"), 200)
    _checked(client.post(f"{path}/answer", json={"body": "2x = 7 - 3，所以 x = 2。"}), 201)
    _checked(client.get(path), 200)
    _checked(client.post(f"{path}/report", json={"reason": "测试举报"}), 201)
    login.logout()
    login(student)
    _checked(client.post(f"{path}/accept"), 200)
    assert_matches_spec(client.post(f"{path}/followup", json={"body": "那 3x - 1 = 8 呢？"}))
    _checked(client.get(path), 200)
    _checked(client.get("/api/v1/questions/999999"), 404)


def test_mail_settings_match(client, login, student, teacher):
    _checked(client.get("/api/v1/notifications/settings"), 401)
    login(student)
    _checked(client.get("/api/v1/notifications/settings"), 403)
    login.logout()
    login(teacher)
    _checked(client.get("/api/v1/notifications/settings"), 200)
    body = {"email": "tea1@example.org", "enabled": True}
    _checked(client.put("/api/v1/notifications/settings", json=body), 200)
    _checked(client.put("/api/v1/notifications/settings", json={"enabled": "on"}), 400)
    _checked(client.put("/api/v1/notifications/settings", json={"email": "x", "enabled": True}), 422)


def test_answer_image_upload_matches(app, client, login, student, teacher):
    import io

    from tests import media_samples

    app.config["MEDIA_MAX_BYTES"] = dict(app.config["MEDIA_MAX_BYTES"], image=16 * 1024)

    def upload(question_id: int, data: bytes):
        return client.post(f"/api/v1/questions/{question_id}/images",
                           data={"file": (io.BytesIO(data), "板书.png")},
                           content_type="multipart/form-data")

    login(student)
    asked = client.post("/api/v1/questions", json={
        "title": "三角形内角和为什么是180度？", "subject": "数学", "grade": 7,
    }).get_json()
    _checked(upload(asked["id"], PNG), 201)  # the asker's photo of the problem
    login.logout()
    _checked(upload(asked["id"], PNG), 401)
    login(teacher)
    _checked(upload(asked["id"], PNG), 403)
    client.post(f"/api/v1/questions/{asked['id']}/claim")
    _checked(upload(asked["id"], PNG), 201)
    _checked(upload(asked["id"], media_samples.PHP), 415)
    _checked(upload(asked["id"], PNG + b"0" * 16 * 1024), 413)
    _checked(upload(asked["id"], PNG + b"0" * 100 * 1024), 413)
    _checked(upload(999999, PNG), 404)
    _checked(client.post(f"/api/v1/questions/{asked['id']}/images"), 422)
