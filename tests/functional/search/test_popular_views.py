"""最多浏览 means what students viewed: real page and API views on several days, `hplearn stats
rollup`, then search, browse and the API sorted by popular, on each search backend."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hplearn import search
from hplearn.catalog.models import Resource
from hplearn.extensions import db
from hplearn.search import engine
from hplearn.search.backends.base import IndexUnavailable
from hplearn.stats import events, view_counts
from hplearn.stats.models import StatEvent
from hplearn.stats.period import today
from hplearn.timeutil import utcnow
from tests.factories import DEFAULT_PASSWORD, ResourceFactory, UserFactory

RESOURCE_LINK = re.compile(r'href="/resources/(\d+)')


def _signed_in_client(app, user):
    client = app.test_client()
    response = client.post(
        "/auth/login", data={"username": user.username, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    return client


def _days_ago(monkeypatch, days: int) -> None:
    # Views are stamped by the recorder's clock; move it back to view "on" an earlier day.
    now = utcnow()
    monkeypatch.setattr(events, "utcnow", lambda: now - timedelta(days=days))


def _rollup(runner, *args):
    result = runner.invoke(args=["stats", "rollup", *args])
    assert result.exit_code == 0, result.output
    return result.output


def _view_counts(*resources) -> list[int]:
    return [db.session.get(Resource, r.id, populate_existing=True).view_count for r in resources]


def _ids_in(html: str) -> list[int]:
    return list(dict.fromkeys(int(found) for found in RESOURCE_LINK.findall(html)))


@pytest.fixture
def articles(app):
    """Three articles, created so that their ids alone would order them A, B, C backwards."""
    return [ResourceFactory(title=f"勾股定理 第{n}讲", subject="数学", grade=8) for n in "一二三"]


@pytest.fixture
def viewed(app, school, runner, articles, monkeypatch):
    """Four students view the articles over three days (B 5 counted views, C 2, A 1); rolled up."""
    a, b, c = articles
    students = [UserFactory(username=f"v{n}", role="student", school=school, grade=8)
                for n in range(4)]
    clients = [_signed_in_client(app, student) for student in students]
    _days_ago(monkeypatch, 2)
    for client in clients[:3]:
        assert client.get(f"/resources/{b.id}").status_code == 200
    assert clients[0].get(f"/api/v1/resources/{c.id}").status_code == 200
    _days_ago(monkeypatch, 1)
    for client in clients[:2]:
        assert client.get(f"/resources/{b.id}").status_code == 200
        assert client.get(f"/resources/{b.id}").status_code == 200  # a reload: still one view
    assert clients[3].get(f"/api/v1/resources/{c.id}").status_code == 200
    monkeypatch.undo()
    assert clients[0].get(f"/resources/{a.id}").status_code == 200
    assert clients[0].get(f"/api/v1/resources/{a.id}").status_code == 200  # same viewer and day
    events.flush()
    _rollup(runner, "--from", (today() - timedelta(days=2)).isoformat())
    return articles


def _popular_search_ids(client) -> list[int]:
    data = client.get("/api/v1/search", query_string={"q": "勾股定理", "sort": "popular"}).get_json()
    return [result["id"] for result in data["results"]]


def _popular_service_ids() -> list[int]:
    found = search.query("勾股定理", sort="popular")
    return [hit.object.id for hit in found.items]


def _expected(articles) -> list[int]:
    a, b, c = articles
    return [b.id, c.id, a.id]


def test_rollup_sets_view_counts_from_counted_views(viewed):
    assert _view_counts(*viewed) == [1, 5, 2]


def test_search_sorted_by_popular_puts_the_most_viewed_first(client, viewed):
    assert _popular_search_ids(client) == _expected(viewed)
    page = client.get("/search", query_string={"q": "勾股定理", "sort": "popular"})
    assert _ids_in(page.get_data(as_text=True)) == _expected(viewed)


def test_browse_and_api_sorted_by_popular_agree(client, viewed):
    page = client.get("/browse", query_string={"sort": "popular"})
    assert page.status_code == 200
    assert _ids_in(page.get_data(as_text=True)) == _expected(viewed)
    data = client.get("/api/v1/resources", query_string={"sort": "popular"}).get_json()
    assert [result["id"] for result in data["results"]] == _expected(viewed)


def test_a_cached_popular_search_follows_the_rollup(client, runner, articles, student):
    a, b, c = articles
    assert _popular_search_ids(client) == [c.id, b.id, a.id]  # no views yet: newest id first
    _signed_in_client(client.application, student).get(f"/resources/{a.id}")
    events.flush()
    _rollup(runner)
    assert _popular_search_ids(client) == [a.id, c.id, b.id]


def test_rerunning_the_rollup_changes_nothing(client, runner, viewed):
    output = _rollup(runner, "--from", (today() - timedelta(days=2)).isoformat())
    assert "view counts: 0 resources changed" in output
    _rollup(runner)
    assert _view_counts(*viewed) == [1, 5, 2]
    assert _popular_search_ids(client) == _expected(viewed)


def test_deleting_expired_raw_events_keeps_the_counts(app, client, runner, viewed):
    app.config["STATS_RETENTION_DAYS"] = 1
    _rollup(runner)
    oldest = today() - timedelta(days=2)
    assert db.session.scalar(select(func.count()).where(StatEvent.day == oldest)) == 0
    assert _view_counts(*viewed) == [1, 5, 2]
    assert _popular_search_ids(client) == _expected(viewed)


def test_changed_counts_are_reindexed_in_batches(app, viewed, monkeypatch):
    db.session.execute(Resource.__table__.update().values(view_count=0))
    db.session.commit()
    batches, backend = [], engine.backend()
    original = backend.apply_batches

    def counted(pairs):
        def noted():
            for upserts, deletes in pairs:
                batches.append(len(upserts))
                yield upserts, deletes
        original(noted())

    monkeypatch.setattr(backend, "apply_batches", counted)
    synced = view_counts.sync_view_counts(batch_size=2)
    assert (synced.changed, synced.index_problem) == (3, None)
    assert batches == [2, 1]
    assert _popular_service_ids() == _expected(viewed)


def test_an_unavailable_index_keeps_the_counts_and_tells_admins(app, runner, articles, student,
                                                                 monkeypatch):
    _signed_in_client(app, student).get(f"/resources/{articles[0].id}")
    events.flush()

    def broken(batches):
        raise IndexUnavailable("搜索索引不存在，请管理员运行 hplearn reindex 重建。")

    monkeypatch.setattr(engine.backend(), "apply_batches", broken)
    result = runner.invoke(args=["stats", "rollup"])
    assert result.exit_code == 1
    assert "search index not updated" in result.output
    assert "Traceback" not in result.output
    assert _view_counts(*articles) == [1, 0, 0]
    assert "浏览次数没有写入搜索索引" in engine.current_problem()
