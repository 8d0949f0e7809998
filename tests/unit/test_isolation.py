"""The suite uses only services it started or was given, and destroys only what it created."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests import conftest, services

ROOT = Path(__file__).resolve().parent.parent.parent
SHARED_PORT = "63" + "79"  # (spelt apart so that this file does not match its own search)


def _test_sources() -> dict[str, str]:
    files = [*sorted((ROOT / "tests").rglob("*.py")), ROOT / "setup.cfg", ROOT / ".ci" / "run"]
    return {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8") for p in files if p.exists()}


def test_no_fixed_database_of_a_shared_redis():
    fixed = re.compile(SHARED_PORT + r"/\d+|redis://(localhost|127\.0\.0\.1)(:" + SHARED_PORT
                       + r")?/\d+")
    found = [f"{name}: {m.group(0)}" for name, text in _test_sources().items()
             for m in fixed.finditer(text)]
    assert found == []


# What destroys data or stops a server, and the only files that may do it: tests/services.py
# drops a database only if this run created it and flushes or stops only what it started or was
# given; conftest.py empties this run's own database after each test.
DESTRUCTIVE = {
    "drop": re.compile(r"\bDROP\s+(SCHEMA|DATABASE|TABLE|OWNED)\b|\bdrop_all\(|\bdropdb\b"),
    "truncate": re.compile(r"\b(TRUNCATE|DELETE\s+FROM)\b"),
    "flush": re.compile(r"\b(flushdb|flushall|FLUSHDB|FLUSHALL)\b"),
    "stop a server": re.compile(r"pg_ctl(cluster)?\b.*\b(stop|restart)\b"),
}
ALLOWED = {
    "tests/services.py": {"drop", "flush", "stop a server"},
    "tests/conftest.py": {"truncate"},
    "tests/unit/test_isolation.py": set(DESTRUCTIVE),
}
NOT_SENT = {("tests/functional/search/test_search_web.py", "drop")}  # a search query, on purpose


def test_destructive_statements_only_where_they_act_on_what_the_run_created():
    found = {(name, kind) for name, text in _test_sources().items()
             for kind, pattern in DESTRUCTIVE.items()
             if pattern.search(text) and kind not in ALLOWED.get(name, set())}
    assert found - NOT_SENT == set()


def test_run_prefix_is_random_and_marks_every_database():
    assert re.fullmatch(r"hplearn_t[0-9a-f]{8}", services.RUN_PREFIX)


def test_a_database_this_run_did_not_create_is_never_dropped():
    server = services.PostgresServer("postgresql+psycopg://postgres@127.0.0.1:9/test")
    with pytest.raises(AssertionError, match="did not create"):
        server.drop_database("test")  # refused before any connection is made
    with pytest.raises(AssertionError, match="did not create"):
        services.drop_postgres_database("postgresql+psycopg://postgres@127.0.0.1:9/hplearn")


def test_the_given_database_is_only_the_one_connected_to():
    server = services.PostgresServer("postgresql+psycopg://postgres@db.example:5432/test")
    assert server.url(f"{services.RUN_PREFIX}_app") == (
        f"postgresql+psycopg://postgres@db.example:5432/{services.RUN_PREFIX}_app")
    assert server.created == set()


def test_app_database_is_the_runs_own(app):
    url = app.config["DATABASE_URL"]
    if conftest.ON_POSTGRES:
        assert url.rsplit("/", 1)[1] == f"{services.RUN_PREFIX}_app"
        assert f"{services.RUN_PREFIX}_app" in services.postgres().created
    else:
        assert url.startswith("sqlite:///") and "pytest" in url  # a file in the test's tmp_path


def test_redis_is_the_suites_own_server_unless_one_is_given(redis_url):
    if services.GIVEN_REDIS:
        assert redis_url == services.GIVEN_REDIS
        return
    own = services._redis[0]
    assert own.process.poll() is None
    assert redis_url.startswith(f"redis://127.0.0.1:{own.port}/")
    assert str(own.port) != SHARED_PORT
