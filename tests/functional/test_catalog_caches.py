"""The catalog's caches of signed-in pages (issue 16 item 4): facet counts, browse and topic
pages, the newest list, related resources and rendered Markdown are shared until the catalog
changes, and a change shows on the very next request."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from hplearn.app import create_app
from hplearn.cache import GENERATION_KEY, catalog_cache
from hplearn.catalog.models import Resource
from hplearn.extensions import db
from hplearn.markup import render_markdown
from tests.conftest import make_test_config
from tests.factories import ResourceFactory, TopicFactory


@pytest.fixture
def signed_in(client, login, student):
    """The client, signed in as a student (signed-in pages are never cached whole)."""
    login(student)
    return client


def _text(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _grade_count(page: str, subject: str) -> str:
    # The subject drop-down of /browse: "数学（N）".
    return page.split(f'value="{subject}"', 1)[1].split("</option>", 1)[0]


def test_browse_facet_counts_follow_a_publish_and_an_unpublish(signed_in):
    ResourceFactory(title="分数的意义", grade=8, subject="数学")
    before = _grade_count(_text(signed_in, "/browse?grade=8"), "数学")
    assert "（1）" in before
    added = ResourceFactory(title="分数的加法", grade=8, subject="数学")
    assert "（2）" in _grade_count(_text(signed_in, "/browse?grade=8"), "数学")

    added.status = "retired"
    db.session.commit()
    assert "（1）" in _grade_count(_text(signed_in, "/browse?grade=8"), "数学")


def test_a_browse_page_shows_an_edit_and_loses_an_unpublished_resource_at_once(signed_in):
    kept = ResourceFactory(title="勾股定理的证明", grade=8)
    gone = ResourceFactory(title="勾股定理的应用", grade=8)
    page = _text(signed_in, "/browse?grade=8")
    assert "勾股定理的证明" in page and "勾股定理的应用" in page

    kept.title = "勾股定理的三种证明"
    db.session.commit()
    db.session.execute(update(Resource).where(Resource.id == gone.id).values(status="retired"))
    db.session.commit()

    page = _text(signed_in, "/browse?grade=8")
    assert "勾股定理的三种证明" in page and "勾股定理的应用" not in page
    listed = signed_in.get("/api/v1/resources?grade=8").get_json()["results"]
    assert [r["title"] for r in listed] == ["勾股定理的三种证明"]


def test_a_new_resource_shows_on_the_topic_page_and_among_the_newest(signed_in):
    topic = TopicFactory(slug="aiguo", name="爱国主义教育")
    ResourceFactory(title="国旗的故事", topic=topic)
    assert "国旗的故事" in _text(signed_in, "/topics/aiguo")
    assert "国旗的故事" in _text(signed_in, "/")

    ResourceFactory(title="长城的故事", topic=topic)

    assert "长城的故事" in _text(signed_in, "/topics/aiguo")
    assert "长城的故事" in _text(signed_in, "/")


def test_the_home_subject_counts_follow_a_new_resource(signed_in):
    ResourceFactory(title="古诗两首", subject="语文", grade=7)
    assert "语文<span class=\"count\">（1）" in _text(signed_in, "/")
    ResourceFactory(title="古诗三首", subject="语文", grade=7)
    assert "语文<span class=\"count\">（2）" in _text(signed_in, "/")


def test_related_resources_follow_an_unpublish_and_a_new_resource(signed_in):
    base = ResourceFactory(title="勾股定理的证明", grade=8, subject="数学", edition="人教版")
    other = ResourceFactory(title="勾股定理的应用", grade=8, subject="数学", edition="人教版")
    page = _text(signed_in, f"/resources/{base.id}").split("相关资源")[-1]
    assert "勾股定理的应用" in page

    other.status = "retired"
    db.session.commit()
    ResourceFactory(title="勾股定理小史", grade=8, subject="数学", edition="人教版")

    page = _text(signed_in, f"/resources/{base.id}").split("相关资源")[-1]
    assert "勾股定理的应用" not in page and "勾股定理小史" in page


def test_a_change_on_another_server_shows_in_this_servers_facet_counts(
        app, tmp_path, redis_url):
    def server(name):
        return create_app(make_test_config(
            tmp_path / name, DATABASE_URL=app.config["DATABASE_URL"], REDIS_URL=redis_url))

    first, second = server("a"), server("b")
    try:
        ResourceFactory(title="分数的意义", grade=8, subject="数学")
        assert "（1）" in _grade_count(_text(first.test_client(), "/browse?grade=8"), "数学")
        with second.app_context():
            db.session.add(Resource(title="分数的加法", external_id="two", kind="article",
                                    grade=8, subject="数学", stage="初中", status="published"))
            db.session.commit()
            db.session.remove()
        assert "（2）" in _grade_count(_text(first.test_client(), "/browse?grade=8"), "数学")
    finally:
        for application in (first, second):
            with application.app_context():
                db.engine.dispose()


def test_a_request_reads_the_generation_once_and_again_after_its_own_change(app):
    cache = catalog_cache()
    with app.test_request_context("/"):
        seen = cache.generation()
        # Another server starts a new generation (in Redis, or in the shared file without it).
        cache._redis_call(lambda client: client.incr(GENERATION_KEY))
        cache._generation_file.parent.mkdir(parents=True, exist_ok=True)
        cache._generation_file.write_text("changed-elsewhere")
        assert cache.generation() == seen  # another server's change: from the next request on
        cache.bump()
        assert cache.generation() != seen
    with app.test_request_context("/"):
        assert cache.generation() != seen


def test_memo_values_are_dropped_when_the_generation_changes(app):
    cache = catalog_cache()
    calls = []
    with app.test_request_context("/"):
        assert cache.memo("k", lambda: calls.append(1) or "one") == "one"
        assert cache.memo("k", lambda: calls.append(1) or "two") == "one"
    cache.bump()
    with app.test_request_context("/"):
        assert cache.memo("k", lambda: calls.append(1) or "three") == "three"
    assert len(calls) == 2


def test_rendered_markdown_is_remembered_per_text_and_stays_safe():
    text = "**粗体** <script>alert(1)</script> [链接](javascript:alert(1))"
    first, second = render_markdown(text), render_markdown(text)
    assert first == second and "<strong>粗体</strong>" in first
    assert "<script>" not in first and "javascript:" not in first
    assert render_markdown(text + "！") != first


def test_a_renamed_topic_shows_in_the_browse_filters_at_once(signed_in):
    topic = TopicFactory(slug="aiguo", name="爱国主义教育")
    ResourceFactory(title="国旗的故事", topic=topic, grade=8)
    assert "爱国主义教育（1）" in _text(signed_in, "/browse?grade=8")
    topic.name = "家国情怀教育"
    db.session.commit()
    page = _text(signed_in, "/browse?grade=8")
    assert "家国情怀教育（1）" in page and "爱国主义教育（1）" not in page
