"""The page cache: anonymous renders of home and topic pages, invalidated by catalog commits."""

from __future__ import annotations

import logging

import pytest
import redis
from sqlalchemy import update

from hplearn.app import create_app
from hplearn.cache import GENERATION_KEY, catalog_cache
from hplearn.catalog.models import Resource
from hplearn.extensions import db
from tests.conftest import make_test_config
from tests.factories import ResourceFactory, TopicFactory
from tests.servers import closed_port_url


class ListHandler(logging.Handler):
    """Keeps the records an app logs."""

    def __init__(self):
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@pytest.fixture
def make_app(app, tmp_path):
    """Another app (another server) on the same database; its connections closed afterwards."""
    made = []

    def make(name: str, **overrides):
        application = create_app(make_test_config(
            tmp_path / name, DATABASE_URL=app.config["DATABASE_URL"], **overrides))
        made.append(application)
        return application

    yield make
    for application in made:
        with application.app_context():
            db.engine.dispose()


@pytest.fixture
def topic(app):
    return TopicFactory(slug="aiguo", name="爱国主义教育")


def _get(client, path):
    response = client.get(path)
    assert response.status_code == 200
    return response


def test_home_page_is_served_from_cache_until_the_catalog_changes(client, topic):
    ResourceFactory(title="国旗的故事", topic=topic)
    assert _get(client, "/").headers["X-Cache"] == "miss"
    second = _get(client, "/")
    assert second.headers["X-Cache"] == "hit"
    assert "国旗的故事" in second.get_data(as_text=True)

    ResourceFactory(title="长城的故事", topic=topic)

    after_change = _get(client, "/")
    assert after_change.headers["X-Cache"] == "miss"
    assert "长城的故事" in after_change.get_data(as_text=True)


def test_topic_page_shows_a_renamed_topic_at_once(client, topic):
    _get(client, "/topics/aiguo")
    assert _get(client, "/topics/aiguo").headers["X-Cache"] == "hit"
    topic.name = "家国情怀教育"
    db.session.commit()
    assert "家国情怀教育" in _get(client, "/topics/aiguo").get_data(as_text=True)


def test_unpublishing_in_bulk_invalidates(client, topic):
    ResourceFactory(title="国旗的故事", topic=topic)
    _get(client, "/topics/aiguo")
    db.session.execute(update(Resource).values(status="retired"))
    db.session.commit()
    assert "国旗的故事" not in _get(client, "/topics/aiguo").get_data(as_text=True)


def test_view_counters_do_not_invalidate(client, topic):
    resource = ResourceFactory(title="国旗的故事", topic=topic)
    _get(client, "/")
    # A bulk statement says it touches only counters (no private SQLAlchemy state is read).
    db.session.execute(update(Resource).values(view_count=Resource.view_count + 1)
                       .execution_options(cache_neutral=True))
    resource.view_count += 1
    db.session.commit()
    assert _get(client, "/").headers["X-Cache"] == "hit"


def test_an_unmarked_bulk_update_of_the_catalog_invalidates(client, topic):
    ResourceFactory(title="国旗的故事", topic=topic)
    _get(client, "/")
    db.session.execute(update(Resource).values(title="国旗的故事（修订）"))
    db.session.commit()
    assert _get(client, "/").headers["X-Cache"] == "miss"


def test_rolled_back_change_does_not_invalidate(client, topic):
    _get(client, "/")
    db.session.add(Resource(title="未保存", external_id="x", kind="article", topic=topic))
    db.session.flush()
    db.session.rollback()
    assert _get(client, "/").headers["X-Cache"] == "hit"


def test_signed_in_pages_are_never_cached_nor_leaked(client, login, student, teacher, topic):
    _get(client, "/")
    login(student)
    mine = _get(client, "/")
    assert "X-Cache" not in mine.headers
    assert student.display_name in mine.get_data(as_text=True)
    login.logout()
    login(teacher)
    theirs = _get(client, "/topics/aiguo").get_data(as_text=True)
    assert teacher.display_name in theirs and student.display_name not in theirs
    login.logout()
    anonymous = _get(client, "/").get_data(as_text=True)
    assert student.display_name not in anonymous and teacher.display_name not in anonymous
    assert "退出（" not in anonymous
    assert "你已退出登录" not in _get(client, "/").get_data(as_text=True)


def test_a_page_with_a_flashed_message_is_not_served_from_cache(app, client, student):
    _get(client, "/")
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "你已退出登录。")]
    page = _get(client, "/")
    assert "你已退出登录。" in page.get_data(as_text=True)
    assert "X-Cache" not in page.headers
    assert "你已退出登录。" not in _get(client, "/").get_data(as_text=True)


def test_redis_down_falls_back_to_this_process_and_says_so_once(make_app, topic):
    down = make_app("down", REDIS_URL=closed_port_url())
    handler = ListHandler()
    down.logger.addHandler(handler)
    client = down.test_client()
    ResourceFactory(title="国旗的故事", topic=topic)

    assert "国旗的故事" in _get(client, "/").get_data(as_text=True)
    assert _get(client, "/").headers["X-Cache"] == "hit"
    unreachable = [m for m in handler.messages if "unreachable" in m]
    assert len(unreachable) == 1
    assert "caching in this process" in unreachable[0]
    with down.app_context():
        assert not catalog_cache().shared


@pytest.fixture
def shared_redis(redis_url):
    return redis_url


def test_two_servers_share_entries_and_generation_through_redis(make_app, shared_redis):
    first = make_app("a", REDIS_URL=shared_redis)
    second = make_app("b", REDIS_URL=shared_redis)
    assert _get(first.test_client(), "/").headers["X-Cache"] == "miss"
    assert _get(second.test_client(), "/").headers["X-Cache"] == "hit"

    with second.app_context():
        db.session.add(Resource(title="从第二台服务器添加", external_id="two", kind="article"))
        db.session.commit()
        db.session.remove()

    assert int(redis.Redis.from_url(shared_redis).get(GENERATION_KEY)) >= 1
    page = _get(first.test_client(), "/")
    assert page.headers["X-Cache"] == "miss"


def test_local_store_forgets_the_least_recently_used_and_the_expired(monkeypatch):
    from hplearn import cache

    store = cache.LocalStore(max_entries=2)
    store.set("a", b"1", ttl=60)
    store.set("b", b"2", ttl=60)
    assert store.get("a") == b"1"
    store.set("c", b"3", ttl=60)
    assert store.get("b") is None and store.get("a") == b"1"
    later = cache.time.monotonic() + 61
    monkeypatch.setattr(cache.time, "monotonic", lambda: later)
    assert store.get("a") is None


def test_local_store_keeps_within_its_bytes():
    from hplearn import cache

    store = cache.LocalStore(max_entries=100, max_bytes=1000)
    for key in "abcde":
        store.set(key, bytes(250), ttl=60)
    assert store.get("a") is None and store.get("e") == bytes(250)  # 4 × 250 fit, not 5
    store.set("big", bytes(251), ttl=60)  # over a quarter of the bound: not kept
    assert store.get("big") is None and store.get("b") == bytes(250)
    store.set("b", b"x", ttl=60)  # replacing counts the new size only
    assert store._bytes == 751
    store.clear()
    assert store._bytes == 0


def test_redis_returning_starts_a_fresh_generation(make_app, shared_redis):
    server = make_app("c", REDIS_URL=shared_redis)
    store = catalog_cache(server)
    before = store.generation()
    store._redis_failed(redis.ConnectionError("gone"))
    assert not store.shared
    store._down_until = 0  # the retry time has come
    assert store.generation() != before
    assert store.shared


def test_popular_searches_are_computed_once_per_catalog_change(app, client, monkeypatch):
    from hplearn.search import engine

    ResourceFactory(title="勾股定理")
    backend = engine.backend()
    calls = []
    real_search = backend.search
    monkeypatch.setattr(backend, "search", lambda request: calls.append(1) or real_search(request))
    first = client.get("/api/v1/search?q=勾股定理").get_json()
    second = client.get("/api/v1/search?q=勾股定理").get_json()
    assert first == second and first["total"] == 1 and len(calls) == 1

    ResourceFactory(title="勾股定理的证明")

    assert client.get("/api/v1/search?q=勾股定理").get_json()["total"] == 2
    assert len(calls) == 2


def test_a_deleted_search_index_is_reported_even_for_a_cached_search(app, client):
    import shutil

    from hplearn.search import engine

    ResourceFactory(title="勾股定理")
    assert client.get("/api/v1/search?q=勾股定理").status_code == 200
    shutil.rmtree(engine.backend().root)
    assert client.get("/api/v1/search?q=勾股定理").status_code == 503
