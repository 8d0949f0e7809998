"""Real servers for the production tests: gunicorn on loopback, PostgreSQL databases, Redis.

Environment (all optional):
  HPLEARN_TEST_POSTGRES_SERVER   server for the databases these tests create
                                 (default postgresql+psycopg://postgres@127.0.0.1:5432/)
  HPLEARN_TEST_SERVER_DB_PREFIX  their name prefix (default: the database name of
                                 HPLEARN_TEST_DATABASE_URL, else hplearn_test)
  HPLEARN_TEST_REDIS_URL         Redis database they may empty (default redis://127.0.0.1:6379/15)
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlsplit

from tests.conftest import skip_or_fail

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_POSTGRES_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"
START_TIMEOUT = 60


def postgres_server_url() -> str:
    """The PostgreSQL server (URL without a database) the production tests use."""
    return os.environ.get("HPLEARN_TEST_POSTGRES_SERVER", DEFAULT_POSTGRES_SERVER)


def database_name(suffix: str) -> str:
    """A database name of this test run: PREFIX_suffix."""
    prefix = os.environ.get("HPLEARN_TEST_SERVER_DB_PREFIX")
    if not prefix:
        test_url = os.environ.get("HPLEARN_TEST_DATABASE_URL", "")
        prefix = urlsplit(test_url).path.strip("/") if test_url else "hplearn_test"
    return f"{prefix}_{suffix}"


def _libpq_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def _with_database(server_url: str, name: str) -> str:
    parts = urlsplit(server_url)
    return parts._replace(path="/" + name).geturl()


def fresh_postgres_database(suffix: str) -> str:
    """Create (or empty) the database PREFIX_suffix; skip or fail when PostgreSQL is away."""
    import psycopg

    name = database_name(suffix)
    server = postgres_server_url()
    try:
        with psycopg.connect(_libpq_url(_with_database(server, "postgres")), autocommit=True,
                             connect_timeout=5) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        skip_or_fail(f"PostgreSQL at {server} unreachable: {' '.join(str(error).split())}")
    return _with_database(server, name)


def drop_postgres_database(url: str) -> None:
    """Drop a database made by fresh_postgres_database."""
    import psycopg

    name = urlsplit(url).path.strip("/")
    with psycopg.connect(_libpq_url(_with_database(url, "postgres")), autocommit=True,
                         connect_timeout=5) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def fresh_redis() -> str:
    """The test Redis database, emptied; skip or fail when Redis is away."""
    import redis

    url = os.environ.get("HPLEARN_TEST_REDIS_URL", DEFAULT_REDIS_URL)
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).flushdb()
    except redis.RedisError as error:
        skip_or_fail(f"Redis at {url} unreachable: {error}")
    return url


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def closed_port_url(scheme: str = "redis") -> str:
    """An address on loopback where nothing answers."""
    return f"{scheme}://127.0.0.1:{free_port()}/0"


def server_environment(instance: Path, **settings: str) -> dict[str, str]:
    """os.environ without HPLEARN_* settings, plus the instance folder and settings given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HPLEARN_")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["HPLEARN_INSTANCE"] = str(instance)
    env.update({f"HPLEARN_{key}": value for key, value in settings.items()})
    return env


def hplearn(env: dict, *args: str, timeout: float = 180, check: bool = True,
            input_text: str | None = None) -> subprocess.CompletedProcess:
    """Run `python -m hplearn ARGS` with env; fail with its output if it fails and check."""
    result = subprocess.run(
        [sys.executable, "-m", "hplearn", *args], env=env, cwd=ROOT, capture_output=True,
        text=True, timeout=timeout, input=input_text,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"hplearn {' '.join(args)} -> {result.returncode}\n"
                             f"{result.stdout[-2000:]}\n{result.stderr[-3000:]}")
    return result


class GunicornServer:
    """gunicorn -c gunicorn.conf.py wsgi:app on a loopback port, as a context manager."""

    def __init__(self, env: dict, log_path: Path, workers: int = 2):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**env, "HPLEARN_BIND": f"127.0.0.1:{self.port}",
                    "HPLEARN_WORKERS": str(workers)}
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> GunicornServer:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        """Start and wait until the home page answers."""
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "wsgi:app"],
                env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited with {self.process.returncode}\n"
                                     f"{self.log()[-3000:]}")
            try:
                with urllib.request.urlopen(self.url + "/", timeout=5):
                    return
            except (OSError, urllib.error.URLError):
                time.sleep(0.3)
        self.stop()
        raise AssertionError(f"gunicorn did not answer within {START_TIMEOUT} s\n"
                             f"{self.log()[-3000:]}")

    def stop(self) -> None:
        """Stop gracefully, then firmly."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def log(self) -> str:
        """What the server wrote so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


class Browser:
    """A tiny HTTP client with its own cookie jar (one user's browser or app)."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.cookies = CookieJar()
        self.csrf_token: str | None = None
        self._opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def on(self, base_url: str) -> Browser:
        """The same cookies and token, talking to another server."""
        other = Browser(base_url)
        other.cookies, other.csrf_token = self.cookies, self.csrf_token
        other._opener = self._opener
        return other

    def request(self, method: str, path: str, body: dict | None = None,
                timeout: float = 30) -> tuple[int, dict | str]:
        """Send a request; JSON bodies in and out. Returns (status, parsed body)."""
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if data is not None else {}
        if self.csrf_token and method not in ("GET", "HEAD"):
            headers["X-CSRFToken"] = self.csrf_token
        request = urllib.request.Request(self.base_url + _quoted(path), data=data,
                                         method=method, headers=headers)
        try:
            with self._opener.open(request, timeout=timeout) as response:
                return response.status, _parsed(response)
        except urllib.error.HTTPError as error:
            return error.code, _parsed(error)

    def post_form(self, path: str, fields: dict, timeout: float = 30) -> tuple[int, str]:
        """Submit an HTML form (urlencoded) and follow the redirect, as a browser does."""
        data = urllib.parse.urlencode(fields).encode()
        request = urllib.request.Request(self.base_url + path, data=data, method="POST")
        try:
            with self._opener.open(request, timeout=timeout) as response:
                return response.status, _parsed(response)
        except urllib.error.HTTPError as error:
            return error.code, _parsed(error)

    def sign_in(self, username: str, password: str) -> dict:
        """Sign in through the API and keep the CSRF token."""
        status, body = self.request("POST", "/api/v1/auth/login",
                                    {"username": username, "password": password})
        assert status == 200, body
        self.csrf_token = body["csrf_token"]
        return body["user"]


def _quoted(path: str) -> str:
    return urllib.parse.quote(path, safe="/?&=%:+,")


def _parsed(response) -> dict | str:
    text = response.read().decode("utf-8", errors="replace")
    if response.headers.get_content_type() == "application/json":
        return json.loads(text)
    return text
