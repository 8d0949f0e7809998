"""Faults in production: services going away, processes killed, disks full. Loopback only.

The PostgreSQL restart restarts a PostgreSQL cluster the suite started for it (tests/services.py),
never the machine's server.
"""

from __future__ import annotations

import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from tests.servers import (
    ROOT,
    Browser,
    GunicornServer,
    closed_port_url,
    drop_postgres_database,
    hplearn,
    own_postgres,
    prepared_site,
    server_environment,
)

pytestmark = [pytest.mark.production, pytest.mark.slow]

PASSWORD = "fault-tests-pass-42"
IMPORT_ROWS = 6000
HEADER = ("external_id,title,stage,grade,subject,edition,volume,school_type,resource_type,url,"
          "cover_url,source,summary,kind\n")


def _catalog_csv(path: Path, rows: int) -> Path:
    lines = [HEADER] + [
        f"k-{n},第{n}课 分数的意义,小学,5,数学,人教版,五年级下册,,,https://example.org/{n},,"
        f"kill,分数与除法的关系 {n},article\n"
        for n in range(rows)
    ]
    path.write_text("".join(lines), encoding="utf-8")
    return path


def _resource_count(database: Path) -> int:
    try:
        with sqlite3.connect(database, timeout=5) as connection:
            return connection.execute("SELECT count(*) FROM resources").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def test_import_killed_half_way_finishes_on_rerun_without_duplicates(tmp_path):
    env = server_environment(tmp_path / "instance", SECRET_KEY="fault-tests")
    hplearn(env, "init")
    database = tmp_path / "instance" / "hplearn.sqlite3"
    csv_file = _catalog_csv(tmp_path / "big.csv", IMPORT_ROWS)

    importer = subprocess.Popen(
        [sys.executable, "-m", "hplearn", "import", str(csv_file)], env=env, cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while _resource_count(database) == 0 and time.monotonic() < deadline:
        assert importer.poll() is None, "the import finished before it could be killed"
        time.sleep(0.05)
    importer.send_signal(signal.SIGKILL)
    importer.wait(timeout=10)
    half = _resource_count(database)
    assert 0 < half < IMPORT_ROWS

    hplearn(env, "import", str(csv_file), timeout=300)

    with sqlite3.connect(database) as connection:
        total, distinct = connection.execute(
            "SELECT count(*), count(DISTINCT external_id) FROM resources WHERE source = 'kill'"
        ).fetchone()
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert total == distinct == IMPORT_ROWS


def _get(url: str, timeout: float = 15) -> tuple[int, dict]:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status, dict(response.headers)


def test_redis_gone_the_site_keeps_serving_and_says_so(tmp_path):
    env = server_environment(tmp_path / "instance", SECRET_KEY="fault-tests",
                             REDIS_URL=closed_port_url())
    hplearn(env, "init")
    hplearn(env, "import", str(_catalog_csv(tmp_path / "few.csv", 3)))
    hplearn(env, "schools", "create", "hp001", "和平区第一小学")
    hplearn(env, "users", "create", "stu1", "--role", "student", "--school", "hp001",
            "--grade", "7", "--password", PASSWORD)
    with GunicornServer(env, tmp_path / "gunicorn.log", workers=1) as server:
        assert _get(server.url + "/")[0] == 200
        status, headers = _get(server.url + "/")
        assert status == 200 and headers.get("X-Cache") == "hit"  # cached in the process
        visitor = Browser(server.url)
        statuses = [
            visitor.request("POST", "/api/v1/auth/login",
                            {"username": "stu1", "password": "wrong"})[0]
            for _ in range(6)
        ]
        assert statuses == [401] * 5 + [429]  # limits still counted, in the process
        assert visitor.request("GET", "/browse")[0] == 200
        assert visitor.request("GET", "/resources/1")[0] == 200  # a view for the statistics
        assert visitor.request("GET", "/api/v1/search?q=分数")[0] == 200
        log = server.log()
    assert "cache: Redis at redis://127.0.0.1:" in log and "caching in this process" in log
    assert "Rate limit storage unreachable - falling back to in-memory storage" in log
    assert "stats: Redis unavailable" in log and "buffering in process" in log
    assert "Traceback" not in log


class Load:
    """Readers, a student asking and a teacher answering, recording every outcome."""

    def __init__(self, server_url: str, student: Browser, teacher: Browser):
        self.server_url = server_url
        self.student, self.teacher = student, teacher
        self.outcomes: list[tuple[str, int | str, float]] = []
        self.asked: list[int] = []
        self.answered: list[int] = []
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def _timed(self, kind: str, browser: Browser, method: str, path: str, body=None):
        started = time.monotonic()
        try:
            status, answer = browser.request(method, path, body, timeout=40)
        except OSError as error:
            status, answer = type(error).__name__, None
        with self._lock:
            self.outcomes.append((kind, status, time.monotonic() - started))
        return status, answer

    def _read(self) -> None:
        reader = Browser(self.server_url)
        while not self._stop.is_set():
            self._timed("read", reader, "GET", "/browse?page=1")

    def _ask(self) -> None:
        number = 0
        while not self._stop.is_set():
            number += 1
            status, question = self._timed("ask", self.student, "POST", "/api/v1/questions", {
                "title": f"重启时提的问题{number}", "body": "二次函数的顶点坐标怎么求？",
                "subject": "数学", "grade": 8, "anonymous": False, "private": False,
            })
            if status == 201:
                self.asked.append(question["id"])

    def _answer(self) -> None:
        while not self._stop.is_set():
            status, queue = self._timed("queue", self.teacher, "GET", "/api/v1/teacher/queue")
            if status != 200 or not queue["results"]:
                time.sleep(0.05)
                continue
            question_id = queue["results"][0]["id"]
            status, _ = self._timed("claim", self.teacher, "POST",
                                    f"/api/v1/questions/{question_id}/claim")
            if status != 200:
                continue
            status, answer = self._timed("answer", self.teacher, "POST",
                                         f"/api/v1/questions/{question_id}/answer",
                                         {"body": "配方成顶点式 y = a(x - h)² + k。"})
            if status == 201:
                self.answered.append(answer["id"])

    def __enter__(self) -> Load:
        self._threads = [threading.Thread(target=self._read) for _ in range(2)] + [
            threading.Thread(target=self._ask), threading.Thread(target=self._answer)]
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)


def _stored_ids(url: str, table: str) -> set[int]:
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as connection:
        return {row[0] for row in connection.execute(f"SELECT id FROM {table}")}


@pytest.mark.postgres
def test_postgres_restart_mid_load_recovers_without_losing_questions(tmp_path):
    postgres = own_postgres()  # restarted below: the suite's own cluster, nobody else's
    url = postgres.create_database("restart")
    env = server_environment(tmp_path / "instance", SECRET_KEY="fault-tests", DATABASE_URL=url)
    try:
        hplearn(env, "init")
        hplearn(env, "schools", "create", "hp001", "和平区第一中学", "--stage", "初中")
        hplearn(env, "users", "create", "stu1", "--role", "student", "--school", "hp001",
                "--grade", "8", "--password", PASSWORD)
        hplearn(env, "users", "create", "tea1", "--role", "teacher", "--school", "hp001",
                "--subject", "数学", "--teaches-grade", "8", "--password", PASSWORD)
        with GunicornServer(env, tmp_path / "gunicorn.log", workers=2) as server:
            student, teacher = Browser(server.url), Browser(server.url)
            student.sign_in("stu1", PASSWORD)
            teacher.sign_in("tea1", PASSWORD)
            with Load(server.url, student, teacher) as load:
                time.sleep(3)
                postgres.own.restart()
                time.sleep(5)
            after = [_get(server.url + "/browse")[0] for _ in range(5)]
            log = server.log()
        assert after == [200] * 5, "the app did not recover by itself"
        failures = [o for o in load.outcomes if o[1] not in (200, 201, 409)]
        assert all(o[1] in (500, 503) for o in failures), failures
        assert max(o[2] for o in load.outcomes) < 35, "a request hung"
        assert load.asked and load.answered
        assert set(load.asked) <= _stored_ids(url, "questions")
        assert set(load.answered) <= _stored_ids(url, "answers")
        assert "Traceback" not in log
    finally:
        drop_postgres_database(url)


# --- a full disk on media upload --------------------------------------------------------------

MP4_HEAD = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"


def _video(size: int) -> bytes:
    return MP4_HEAD + b"\x00" * (size - len(MP4_HEAD))


def _upload(client, size: int):
    import io

    return client.post("/api/v1/media", data={
        "kind": "video", "file": (io.BytesIO(_video(size)), "课堂实录.mp4"),
    }, content_type="multipart/form-data")


def _tiny_tmpfs(path: Path, size_kb: int) -> None:
    path.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs",
                              str(path)], capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")


@pytest.fixture
def full_media_disk(tmp_path):
    """A 128 KB tmpfs as the media folder."""
    folder = tmp_path / "media"
    _tiny_tmpfs(folder, 128)
    yield folder
    subprocess.run(["umount", "-l", str(folder)], check=False)


@pytest.fixture
def app_config(tmp_path):
    from tests.conftest import make_test_config

    return make_test_config(tmp_path, MEDIA_DIR=str(tmp_path / "media"))


def test_full_disk_on_upload_is_a_clear_error_and_leaves_nothing(app, client, login,
                                                                  school_admin, full_media_disk):
    from hplearn.extensions import db
    from hplearn.media.models import Media

    login(school_admin)
    response = _upload(client, 300 * 1024)  # (under 500 KB: no spooled temporary file)
    assert response.status_code == 507
    assert "存储空间已满" in response.get_json()["error"]["message"]
    assert list(full_media_disk.iterdir()) == []
    assert db.session.query(Media).count() == 0

    small = _upload(client, 32 * 1024)
    assert small.status_code == 201, small.get_json()
    assert len(list(full_media_disk.iterdir())) == 1


def test_disk_filling_while_writing_leaves_no_partial_file(app, client, login, school_admin,
                                                           tmp_path, monkeypatch):
    import errno

    from hplearn.media import uploads

    written = []

    def fill_up(stream, target, limit, first):
        target.write(first)
        written.append(len(first))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(uploads, "_copy_limited", fill_up)
    login(school_admin)
    response = _upload(client, 32 * 1024)
    assert response.status_code == 507
    assert response.get_json()["error"]["code"] == "storage_full"
    assert written and list((tmp_path / "media").iterdir()) == []


# --- the Whoosh index deleted or corrupted ------------------------------------------------------

def _searchable_catalog(instance: Path) -> None:
    env = server_environment(instance, SECRET_KEY="fault-tests")
    hplearn(env, "init")
    hplearn(env, "import", str(_catalog_csv(instance.parent / "few.csv", 30)))


@pytest.fixture
def searchable_site(tmp_path):
    """A gunicorn server (Whoosh search) over a few imported resources.

    The instance folder is a copy of one the command line set up (once per process).
    """
    prepared_site("searchable", tmp_path / "instance", _searchable_catalog)
    env = server_environment(tmp_path / "instance", SECRET_KEY="fault-tests")
    with GunicornServer(env, tmp_path / "gunicorn.log", workers=2) as server:
        yield env, server, tmp_path / "instance" / "search-index"


def _rest_of_the_site_works(visitor: Browser) -> None:
    for path in ("/", "/browse?grade=5", "/api/v1/resources?per_page=5"):
        assert visitor.request("GET", path)[0] == 200, path


def _search_says_so_then_reindex_repairs(env, visitor: Browser) -> None:
    status, body = visitor.request("GET", "/api/v1/search?q=分数")
    assert status == 503 and body["error"]["code"] == "search_unavailable"
    status, page = visitor.request("GET", "/search?q=分数")
    assert "搜索暂时不可用" in page
    _rest_of_the_site_works(visitor)

    hplearn(env, "reindex")

    status, body = visitor.request("GET", "/api/v1/search?q=分数")
    assert status == 200 and body["total"] == 30


def test_deleted_search_index_is_reported_and_reindex_repairs_it(searchable_site):
    env, server, index = searchable_site
    visitor = Browser(server.url)
    assert visitor.request("GET", "/api/v1/search?q=分数")[1]["total"] == 30
    shutil.rmtree(index)
    _search_says_so_then_reindex_repairs(env, visitor)


def test_corrupted_search_index_is_reported_and_reindex_repairs_it(searchable_site):
    env, server, index = searchable_site
    visitor = Browser(server.url)
    assert visitor.request("GET", "/api/v1/search?q=分数")[1]["total"] == 30
    server.stop()  # workers already reading the index keep what they loaded: start afresh
    for segment in (index / "live").iterdir():
        segment.write_bytes(b"\x00garbage" * 64)
    server.start()
    _search_says_so_then_reindex_repairs(env, visitor)
