"""Two gunicorn servers on one PostgreSQL database and one Redis: nothing lives in one process.

A resource created through one server is found by search through the other; a question asked on
one is claimed on the other (and the other's second claim is refused); failed sign-ins count
across both; a session started on one is valid on the other.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.servers import (
    Browser,
    GunicornServer,
    drop_postgres_database,
    hplearn,
    prepared_database,
    server_environment,
)

pytestmark = [pytest.mark.production, pytest.mark.postgres, pytest.mark.slow]

PASSWORD = "multi-server-pass-42"
SHARED_SECRET = "multi-server-shared-secret"


def _init_and_accounts(database: str) -> None:
    """hplearn init, a school and its people, through the command line."""
    instance = Path(tempfile.mkdtemp(prefix="hplearn-test-multi-"))  # (init writes nothing there)
    env = server_environment(instance, DATABASE_URL=database, SEARCH_BACKEND="postgres",
                             SECRET_KEY=SHARED_SECRET)
    hplearn(env, "init")
    hplearn(env, "schools", "create", "hp001", "和平区第一中学", "--stage", "初中")
    for username, *role in (
        ("dadmin", "--role", "district_admin"),
        ("stu1", "--role", "student", "--school", "hp001", "--grade", "8"),
        ("tea1", "--role", "teacher", "--school", "hp001", "--subject", "数学",
         "--teaches-grade", "8"),
        ("tea2", "--role", "teacher", "--school", "hp001", "--subject", "数学",
         "--teaches-grade", "8"),
    ):
        hplearn(env, "users", "create", username, *role, "--password", PASSWORD)
    shutil.rmtree(instance, ignore_errors=True)


@pytest.fixture
def two_servers(tmp_path, redis_url):
    """Servers A and B: own instance folders, shared database, Redis, secret and media.

    The database is a fresh copy of one the command line set up (once per process).
    """
    database = prepared_database("multi", _init_and_accounts)
    shared = {"DATABASE_URL": database, "REDIS_URL": redis_url, "SEARCH_BACKEND": "postgres",
              "SECRET_KEY": SHARED_SECRET, "MEDIA_DIR": str(tmp_path / "shared-media")}
    env_a = server_environment(tmp_path / "instance-a", **shared)
    env_b = server_environment(tmp_path / "instance-b", **shared)
    try:
        with GunicornServer(env_a, tmp_path / "a.log") as a, \
                GunicornServer(env_b, tmp_path / "b.log") as b:
            yield a, b
            for server in (a, b):
                assert "Traceback" not in server.log(), server.log()[-3000:]
    finally:
        drop_postgres_database(database)


def _form_token(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _create_and_publish(admin: Browser, title: str) -> int:
    """Through the resource admin pages, as an admin would."""
    status, page = admin.request("GET", "/admin/resources/new")
    assert status == 200, page
    status, page = admin.post_form("/admin/resources/new", {
        "csrf_token": _form_token(page), "title": title, "summary": "用两台服务器检验共享状态",
        "body": "勾股定理的十六种证明。", "kind": "article", "stage": "初中", "grade": "8",
        "subject": "数学",
    })
    assert status == 200, page[:2000]
    resource_id = int(re.search(r"/admin/resources/(\d+)/publish", page).group(1))
    status, page = admin.post_form(f"/admin/resources/{resource_id}/publish",
                                   {"csrf_token": _form_token(page)})
    assert status == 200, page[:2000]
    return resource_id


def test_a_resource_created_on_one_server_is_found_by_search_on_the_other(two_servers):
    a, b = two_servers
    admin = Browser(a.url)
    admin.sign_in("dadmin", PASSWORD)
    visitor_b = Browser(b.url)
    status, before = visitor_b.request("GET", "/api/v1/search?q=勾股定理的证明")
    assert status == 200 and before["total"] == 0  # (and this empty answer is now cached)

    resource_id = _create_and_publish(admin, "勾股定理的证明")

    status, after = visitor_b.request("GET", "/api/v1/search?q=勾股定理的证明")
    assert status == 200
    assert [r["id"] for r in after["results"]] == [resource_id]
    status, page = visitor_b.request("GET", "/")
    assert "勾股定理的证明" in page  # the home page cache was invalidated on B as well


def test_a_question_asked_on_one_server_is_claimed_on_the_other(two_servers):
    a, b = two_servers
    student = Browser(a.url)
    student.sign_in("stu1", PASSWORD)
    status, question = student.request("POST", "/api/v1/questions", {
        "title": "一元二次方程怎么配方？", "body": "x² + 6x + 5 = 0 配方以后是什么？",
        "subject": "数学", "grade": 8, "anonymous": False, "private": False,
    })
    assert status == 201, question

    teacher_b = Browser(b.url)
    teacher_b.sign_in("tea1", PASSWORD)
    status, queue = teacher_b.request("GET", "/api/v1/teacher/queue")
    assert question["id"] in [q["id"] for q in queue["results"]]
    status, claimed = teacher_b.request("POST", f"/api/v1/questions/{question['id']}/claim")
    assert status == 200 and claimed["status"] == "claimed"

    other_teacher_a = Browser(a.url)
    other_teacher_a.sign_in("tea2", PASSWORD)
    status, refused = other_teacher_a.request("POST",
                                              f"/api/v1/questions/{question['id']}/claim")
    assert status == 409, refused

    status, answer = teacher_b.on(a.url).request(
        "POST", f"/api/v1/questions/{question['id']}/answer", {"body": "(x + 3)² = 4。"})
    assert status == 201, answer  # B's session and CSRF token are valid on A
    status, seen = student.on(b.url).request("GET", f"/api/v1/questions/{question['id']}")
    assert status == 200 and len(seen["answers"]) == 1


def test_failed_sign_ins_count_across_both_servers(two_servers):
    a, b = two_servers
    statuses = [
        Browser(server.url).request("POST", "/api/v1/auth/login",
                                    {"username": "stu1", "password": "wrong"})[0]
        for server in (a, b, a, b, a, b)
    ]
    assert statuses == [401] * 5 + [429]
