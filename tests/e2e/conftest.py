"""Real-browser fixtures: a live hplearn server in a thread and a Chromium page driven by Playwright.

The browser is Debian's chromium (/usr/bin/chromium); Playwright never downloads one. Locally a
missing browser skips these tests; with CI=true it fails them. Any console error or uncaught page
error fails the test that caused it.
"""

from __future__ import annotations

import os
import shutil
import threading
import time

import pytest
from werkzeug.serving import make_server

from tests.conftest import skip_or_fail

CHROMIUM = os.environ.get("HPLEARN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]

pytestmark = pytest.mark.e2e


class LiveServer:
    """The app served over HTTP on a free loopback port."""

    def __init__(self, app):
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self):
        self._thread.start()

    def stop(self):
        self._server.shutdown()
        self._thread.join(timeout=5)


@pytest.fixture
def live_server(app):
    """Serve `app` (and its test database) for a browser; .url is its base address."""
    server = LiveServer(app)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session."""
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        skip_or_fail(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


class ConsoleErrors(list):
    """Console errors and page errors seen by a page."""


@pytest.fixture
def page(browser):
    """A fresh browser page at phone size; fails the test on any console or page error."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
    new_page = context.new_page()
    errors = ConsoleErrors()
    new_page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    new_page.on("pageerror", lambda e: errors.append(str(e)))
    new_page.console_errors = errors
    yield new_page
    context.close()
    assert not errors, f"browser console errors: {errors}"


def wait_until(page, expression: str, timeout: float = 15.0) -> None:
    """Poll a JavaScript expression until it is true.

    Playwright's wait_for_function evaluates a string inside the page, which the site's
    Content-Security-Policy (no 'unsafe-eval') rightly refuses; page.evaluate is not affected.
    """
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {expression}")
        page.wait_for_timeout(100)
