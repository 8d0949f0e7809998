"""Real servers for the production tests: gunicorn on loopback, PostgreSQL databases, Redis.

PostgreSQL databases and Redis come from tests/services.py: only services the suite started or
was given, never a fixed database of a shared server.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from http.cookiejar import CookieJar
from pathlib import Path

from tests import services
from tests.services import (  # noqa: F401  (used by the production tests)
    drop_postgres_database,
    free_port,
    fresh_postgres_database,
    own_postgres,
)

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 60
_prepared: dict[str, object] = {}


def prepared_site(name: str, instance: Path, build: Callable[[Path], None]) -> None:
    """Make `instance` a copy of the instance folder that build(folder) fills with the hplearn
    commands a test runs before it starts. They run once per process; each test gets a copy."""
    if name not in _prepared:
        folder = Path(tempfile.mkdtemp(prefix="hplearn-test-site-",
                                       dir=services.memory_folder())) / "instance"
        build(folder)
        _prepared[name] = folder
        services.on_shutdown(lambda: shutil.rmtree(folder.parent, ignore_errors=True))
    shutil.copytree(_prepared[name], instance, symlinks=True)


def prepared_database(name: str, build: Callable[[str], None]) -> str:
    """A new PostgreSQL database of this run, a copy (CREATE DATABASE ... TEMPLATE) of the one
    build(url) fills with the hplearn commands a test runs before it starts, once per process."""
    from sqlalchemy.engine import make_url

    server = services.postgres()
    if name not in _prepared:
        template = server.create_database(f"{name}_template")
        build(template)
        _prepared[name] = make_url(template).database
    return server.create_database(name, template=_prepared[name])


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


class PortTaken(Exception):
    """gunicorn could not bind the port picked for it."""


class GunicornServer:
    """gunicorn -c gunicorn.conf.py wsgi:app on a loopback port, as a context manager."""

    def __init__(self, env: dict, log_path: Path, workers: int = 2):
        self.env = {**env, "HPLEARN_WORKERS": str(workers)}
        self._use_port(free_port())
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def _use_port(self, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.env["HPLEARN_BIND"] = f"127.0.0.1:{port}"

    def __enter__(self) -> GunicornServer:
        for attempt in range(3):
            try:
                self.start()
                return self
            except PortTaken:
                if attempt == 2:
                    raise
                self._use_port(free_port())  # another process took the port meanwhile
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        """Start and wait until the home page answers."""
        log_start = self.log_path.stat().st_size if self.log_path.exists() else 0
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "wsgi:app"],
                env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if "Connection in use" in self.log()[log_start:]:
                self.stop()  # (and what answers on the port is not this server)
                raise PortTaken(self.port)
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
