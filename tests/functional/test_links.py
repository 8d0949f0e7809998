"""hplearn links check against a local HTTP server, and the /admin/links report."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from hplearn.catalog import links
from hplearn.catalog.models import LinkCheck
from hplearn.extensions import db
from tests.factories import PlatformFactory, ResourceFactory


class Handler(BaseHTTPRequestHandler):
    """200, 404, 500, a slow page, a redirect, and a page that refuses HEAD."""

    def do_HEAD(self):
        if self.path == "/no-head":
            self._reply(405)
        else:
            self.do_GET()

    def do_GET(self):
        if self.path.startswith("/ok") or self.path == "/no-head":
            self._reply(200)
        elif self.path == "/missing":
            self._reply(404)
        elif self.path == "/error":
            self._reply(500)
        elif self.path == "/slow":
            time.sleep(1.5)
            self._reply(200)
        elif self.path == "/moved":
            self._reply(302, location="/ok")
        elif self.path == "/moved-away":
            self._reply(301, location="/missing")
        else:
            self._reply(404)

    def _reply(self, status, location=None):
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    """A local HTTP server on 127.0.0.1; yields its base URL."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.mark.parametrize(
    ("path", "ok", "status"),
    [("/ok", True, 200), ("/missing", False, 404), ("/error", False, 500),
     ("/moved", True, 200), ("/moved-away", False, 404), ("/no-head", True, 200)],
)
def test_check_url(server, path, ok, status):
    result = links.check_url(server + path, timeout=2)
    assert (result.ok, result.status_code) == (ok, status)
    assert result.elapsed_ms >= 0


def test_slow_page_times_out(server):
    result = links.check_url(server + "/slow", timeout=0.3)
    assert not result.ok and result.status_code is None
    assert result.error == "timeout"


def test_refused_connection_is_broken():
    result = links.check_url("http://127.0.0.1:9/", timeout=1)
    assert not result.ok and result.error


def test_command_records_every_external_url(app, runner, server):
    ResourceFactory(title="好资源", url=server + "/ok", cover_url=server + "/ok-cover")
    ResourceFactory(title="坏资源", url=server + "/missing")
    ResourceFactory(title="内部资源", url=None, media_url="/media/3")
    PlatformFactory(name="坏平台", url=server + "/error")
    PlatformFactory(name="未填平台", url=None)
    result = runner.invoke(args=["links", "check", "--timeout", "2", "--concurrency", "3"])
    assert result.exit_code == 0, result.output
    assert "checked 4 links: 2 ok, 2 broken" in result.output
    checks = {c.url: c for c in db.session.scalars(select(LinkCheck))}
    assert set(checks) == {server + p for p in ("/ok", "/ok-cover", "/missing", "/error")}
    assert checks[server + "/missing"].status_code == 404 and not checks[server + "/missing"].ok
    assert checks[server + "/ok"].ok and checks[server + "/ok"].elapsed_ms is not None


def test_urls_no_longer_used_are_forgotten(app, server):
    resource = ResourceFactory(url=server + "/missing")
    links.check_links(links.external_urls(), timeout=2, concurrency=2)
    resource.url = server + "/ok"
    db.session.commit()
    links.check_links(links.external_urls(), timeout=2, concurrency=2)
    assert list(db.session.scalars(select(LinkCheck.url))) == [server + "/ok"]


def test_bad_options_are_refused(runner):
    result = runner.invoke(args=["links", "check", "--concurrency", "0"])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_admin_sees_broken_links_with_their_users(app, client, login, school_admin, server):
    ResourceFactory(title="坏资源", url=server + "/missing")
    ResourceFactory(title="好资源", url=server + "/ok")
    PlatformFactory(name="坏平台", url=server + "/missing")
    links.check_links(links.external_urls(), timeout=2, concurrency=2)
    login(school_admin)
    page = client.get("/admin/links")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert server + "/missing" in html and "HTTP 404" in html
    assert "坏资源" in html and "坏平台" in html
    assert "好资源" not in html


def test_admin_page_before_any_check(app, client, login, district_admin):
    login(district_admin)
    assert "hplearn links check" in client.get("/admin/links").get_data(as_text=True)


def test_students_and_teachers_are_refused(app, client, login, student, teacher):
    login(student)
    assert client.get("/admin/links").status_code == 403
    login.logout()
    login(teacher)
    assert client.get("/admin/links").status_code == 403


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get("/admin/links")
    assert response.status_code in (302, 401)
    if response.status_code == 302:
        assert "/auth/login" in response.headers["Location"]
