"""The event recorder: deduplication, batching, bounded buffers, Redis, never failing."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import func, select

from hplearn.extensions import db
from hplearn.stats import events
from hplearn.stats.models import StatEvent
from hplearn.stats.recorder import REDIS_KEY, MemoryQueue, recorder_for
from hplearn.timeutil import utcnow
from tests.conftest import empty_database, make_test_config
from tests.factories import ResourceFactory, UserFactory


def _count(**where) -> int:
    query = select(func.count()).select_from(StatEvent).filter_by(**where)
    return db.session.scalar(query)


def test_views_count_once_per_viewer_resource_and_day(app, student):
    resource = ResourceFactory()
    now = utcnow()
    events.record_view(resource, user=student, when=now)
    events.record_view(resource, user=student, when=now)
    events.flush()
    events.record_view(resource, user=student, when=now)
    events.record_view(resource, user=student, when=now + timedelta(days=1))
    events.flush()
    assert _count(kind="view", resource_id=resource.id) == 2


def test_view_keeps_resource_dimensions_and_student(app, student):
    resource = ResourceFactory(subject="语文", grade=3, stage="小学", kind="video")
    events.record_view(resource, user=student)
    events.flush()
    row = db.session.scalars(select(StatEvent)).one()
    assert (row.subject, row.grade, row.stage, row.resource_kind) == ("语文", 3, "小学", "video")
    assert row.student_id == student.id and row.school_id == student.school_id
    assert row.person == events.person_key(f"user:{student.id}") != str(student.id)


def test_search_is_attributed_to_the_school_never_the_searcher(app, student):
    events.record_search("  勾股定理  ", {"subject": "数学", "grade": "8"}, 3,
                         school_id=student.school_id, user=student)
    events.flush()
    row = db.session.scalars(select(StatEvent)).one()
    assert row.query == "勾股定理" and row.value == 3 and row.school_id == student.school_id
    assert row.student_id is None and row.teacher_id is None
    assert row.subject == "数学" and row.grade == 8


def test_empty_search_is_not_recorded(app):
    events.record_search("   ", None, 0, school_id=None)
    events.flush()
    assert _count() == 0


def test_recording_never_raises(app, caplog):
    events.record_view(None, user=None)
    events.record_watch(ResourceFactory(), "lots")
    events.record_question_event("shouted", 1, "数学", 7, None, user=None)
    assert "dropped" in caplog.text


def test_watch_seconds_are_clamped(app, student):
    resource = ResourceFactory(kind="video")
    events.record_watch(resource, 10 ** 9, user=student)
    events.record_watch(resource, -5, user=student)
    events.flush()
    assert db.session.scalar(select(StatEvent.value)) == events.MAX_WATCH_SECONDS
    assert _count(kind="watch") == 1


def test_question_events_keep_teacher_and_first_response(app, student, teacher):
    events.record_question_event("asked", 7, "数学", 7, student.school_id, user=student)
    events.record_question_event("answered", 7, "数学", 7, student.school_id, user=teacher,
                                 first_response_minutes=42.4)
    events.flush()
    answered = db.session.scalars(select(StatEvent).filter_by(kind="question_answered")).one()
    assert answered.teacher_id == teacher.id and answered.value == 42
    assert answered.student_id is None


def test_memory_queue_drops_oldest_when_full(caplog):
    queue = MemoryQueue(capacity=3)
    for number in range(5):
        queue.push({"n": number})
    assert [e["n"] for e in queue.take(10)] == [2, 3, 4]
    assert queue.dropped == 2
    assert "stats buffer full" in caplog.text


@pytest.fixture
def own_app(tmp_path):
    """own_app(**config): an app with its own settings and database, inside its context."""
    from contextlib import ExitStack

    from hplearn.app import create_app

    stack = ExitStack()

    def make(**overrides):
        application = create_app(make_test_config(tmp_path, **overrides))
        stack.enter_context(application.app_context())
        db.create_all()
        return application

    yield make
    empty_database(current_app.config["DATABASE_URL"])
    db.engine.dispose()
    stack.close()


def _student(username: str):
    user = UserFactory._meta.model(username=username, role="student")
    db.session.add(user)
    db.session.commit()
    return user


def test_full_batch_is_written_without_explicit_flush(own_app):
    own_app(STATS_BATCH_SIZE=3)
    resource = ResourceFactory._meta.model(source="t", external_id="x", title="t", kind="article")
    db.session.add(resource)
    db.session.commit()
    for number in range(3):
        events.record_view(resource, user=None, visitor=f"v{number}")
    assert _count(kind="view") == 3


def test_background_thread_flushes_on_time(own_app):
    own_app(STATS_BACKGROUND_FLUSH=True, STATS_FLUSH_SECONDS=0.05)
    events.record_sign_in(_student("bg"))
    deadline = time.monotonic() + 5
    while _count(kind="sign_in") == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _count(kind="sign_in") == 1


def test_failed_write_keeps_events_for_the_next_flush(app, student, monkeypatch):
    from hplearn.stats import store

    def broken(batch):
        raise RuntimeError("database is down")

    monkeypatch.setattr(store, "insert_events", broken)
    events.record_sign_in(student)
    assert events.flush() == 0
    monkeypatch.undo()
    assert events.flush() == 1
    assert _count(kind="sign_in") == 1


@pytest.fixture
def redis_client(redis_url):
    import redis

    client = redis.Redis.from_url(redis_url)
    assert client.llen(REDIS_KEY) == 0  # this test's own, empty database
    return client


def test_events_go_through_a_shared_redis_list(own_app, redis_url, redis_client):
    app = own_app(REDIS_URL=redis_url, RATELIMIT_STORAGE_URI="memory://")
    events.record_sign_in(_student("r1"))
    assert redis_client.llen(REDIS_KEY) == 1
    assert recorder_for(app).flush() == 1
    assert redis_client.llen(REDIS_KEY) == 0
    assert _count(kind="sign_in") == 1


def test_redis_outage_falls_back_to_the_process_buffer(own_app):
    app = own_app(REDIS_URL="redis://127.0.0.1:1/0", RATELIMIT_STORAGE_URI="memory://")
    events.record_sign_in(_student("r2"))
    assert len(recorder_for(app).memory) == 1
    assert events.flush() == 1
