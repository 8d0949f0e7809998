"""GET /api/v1/resources and /api/v1/resources/<id> as INTERFACES.md describes them."""

from __future__ import annotations

from datetime import timedelta

from hplearn.timeutil import utcnow
from tests.factories import ResourceFactory, TopicFactory

R_KEYS = {
    "id", "external_id", "source", "title", "summary", "kind", "stage", "grade", "subject",
    "edition", "volume", "school_type", "topic", "tags", "url", "external_url",
}


def test_list_shape_and_one_resource(client, app):
    topic = TopicFactory(slug="aiguo")
    resource = ResourceFactory(
        external_id="ext-1", source="smartedu", title="国旗的故事", topic=topic, tags=["升旗"],
        edition="统编版", volume="上册", url="https://basic.smartedu.cn/x",
    )
    data = client.get("/api/v1/resources").get_json()
    assert data == {"total": 1, "page": 1, "per_page": 20, "results": [data["results"][0]]}
    item = data["results"][0]
    assert set(item) == R_KEYS
    assert item == {
        "id": resource.id, "external_id": "ext-1", "source": "smartedu", "title": "国旗的故事",
        "summary": "一个用于测试的资源。", "kind": "article", "stage": "初中", "grade": 7,
        "subject": "数学", "edition": "统编版", "volume": "上册", "school_type": None,
        "topic": "aiguo", "tags": ["升旗"], "url": f"http://localhost/resources/{resource.id}",
        "external_url": "https://basic.smartedu.cn/x",
    }


def test_detail_adds_sanitised_body_html(client, app):
    resource = ResourceFactory(body="**重点**<script>x()</script>", url=None)
    data = client.get(f"/api/v1/resources/{resource.id}").get_json()
    assert set(data) == R_KEYS | {"body_html"}
    assert "<strong>重点</strong>" in data["body_html"] and "<script>" not in data["body_html"]
    assert data["external_url"] is None and data["topic"] is None


def test_filters_pages_and_sorting(client, app):
    now = utcnow()
    for n in range(7):
        ResourceFactory(title=f"语文{n}", subject="语文", grade=8,
                        published_at=now - timedelta(hours=n))
    ResourceFactory(title="英语", subject="英语")
    data = client.get("/api/v1/resources?subject=语文&grade=初二&per_page=3&page=2").get_json()
    assert data["total"] == 7 and data["page"] == 2 and data["per_page"] == 3
    assert [r["title"] for r in data["results"]] == ["语文3", "语文4", "语文5"]
    by_title = client.get("/api/v1/resources?sort=title&subject=语文").get_json()["results"]
    assert [r["title"] for r in by_title] == sorted(r["title"] for r in by_title)


def test_per_page_is_capped(client, app):
    assert client.get("/api/v1/resources?per_page=5000").get_json()["per_page"] == 50


def test_unknown_filters_are_ignored(client, app):
    ResourceFactory()
    assert client.get("/api/v1/resources?colour=blue").get_json()["total"] == 1


def test_drafts_and_retired_are_not_listed_or_shown(client, app):
    draft = ResourceFactory(status="draft")
    retired = ResourceFactory(status="retired")
    assert client.get("/api/v1/resources").get_json()["total"] == 0
    for resource in (draft, retired):
        response = client.get(f"/api/v1/resources/{resource.id}")
        assert response.status_code == 404
        assert response.get_json()["error"]["message"] == "没有找到这个资源，它可能已下架。"


def test_student_cannot_read_a_draft(client, login, student):
    draft = ResourceFactory(status="draft")
    login(student)
    assert client.get(f"/api/v1/resources/{draft.id}").status_code == 404


def test_district_admin_can_read_a_draft(client, login, district_admin):
    draft = ResourceFactory(status="draft", title="草稿")
    login(district_admin)
    assert client.get(f"/api/v1/resources/{draft.id}").get_json()["title"] == "草稿"


def test_unsafe_method_is_a_json_405(client, app):
    response = client.delete("/api/v1/resources")
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"


def test_json_is_utf8_not_escaped(client, app):
    ResourceFactory(title="国旗的故事")
    body = client.get("/api/v1/resources").get_data()
    assert "国旗的故事".encode() in body
