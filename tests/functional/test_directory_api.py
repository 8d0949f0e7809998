"""/api/v1/topics, /api/v1/platforms and /api/v1/openapi.yaml."""

import yaml

from hplearn.extensions import db
from tests.factories import PlatformFactory, ResourceFactory, TopicFactory
from tests.openapi_check import checked


def test_topics_list_counts_only_published_resources(client):
    safety = TopicFactory(slug="safety", name="安全教育", sort_order=2)
    TopicFactory(slug="eco", name="生态文明教育", sort_order=1)
    ResourceFactory(topic=safety)
    ResourceFactory(topic=safety)
    ResourceFactory(topic=safety, status="draft")
    db.session.commit()
    data = checked(client.get("/api/v1/topics"), 200)
    assert [(t["slug"], t["resources"]) for t in data["results"]] == [("eco", 0), ("safety", 2)]
    assert data["results"][1]["url"].endswith("/topics/safety")


def test_one_topic_pages_its_resources_and_refuses_unknown_ones(client):
    topic = TopicFactory(slug="patriotism", name="爱国主义教育", description="**红色**故事")
    for number in range(3):
        ResourceFactory(topic=topic, title=f"红色故事{number}")
    ResourceFactory(title="别的资源")
    db.session.commit()
    data = checked(client.get("/api/v1/topics/patriotism?per_page=2"), 200)
    assert data["resources"] == 3 and len(data["results"]) == 2
    assert "<strong>红色</strong>" in data["description_html"]
    assert all("红色故事" in r["title"] for r in data["results"])
    missing = client.get("/api/v1/topics/nothing-here")
    assert missing.status_code == 404 and "专题" in missing.get_json()["error"]["message"]
    assert client.get("/api/v1/topics/patriotism?page=abc").status_code == 400
    assert client.get("/api/v1/topics/" + "x" * 500).status_code == 404


def test_platforms_come_national_first_with_escaped_descriptions(client):
    PlatformFactory(slug="hp", name="和平区平台", level="district", description="<script>x</script>")
    PlatformFactory(slug="tj", name="天津市基础教育资源公共服务平台", level="municipal")
    PlatformFactory(slug="zx", name="国家中小学智慧教育平台", level="national", needs_login=True)
    db.session.commit()
    data = checked(client.get("/api/v1/platforms"), 200)
    assert [p["slug"] for p in data["results"]] == ["zx", "tj", "hp"]
    assert data["results"][0]["level_label"] and data["results"][0]["needs_login"] is True
    assert "<script>" not in data["results"][2]["description_html"]


def test_the_api_serves_its_own_description(client):
    response = client.get("/api/v1/openapi.yaml")
    assert response.status_code == 200 and response.mimetype == "application/yaml"
    document = yaml.safe_load(response.get_data(as_text=True))
    assert "/topics" in document["paths"] and "/platforms" in document["paths"]


def test_a_missing_description_is_a_chinese_404(app, client, monkeypatch, tmp_path):
    from hplearn import api

    monkeypatch.setattr(api, "openapi_path", lambda: tmp_path / "absent.yaml")
    response = client.get("/api/v1/openapi.yaml")
    assert response.status_code == 404 and "接口说明" in response.get_json()["error"]["message"]
