"""Steps the browser tests share: signing in through the form, checking a page fits a phone."""

from __future__ import annotations

from tests.factories import DEFAULT_PASSWORD


def sign_in(page, base_url, username, next_url):
    """Sign in through the real form and land on next_url."""
    page.goto(f"{base_url}/auth/login?next={next_url}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def assert_fits(page):
    """The page scrolls no wider than a 360 px screen."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"page is {width}px wide on a 360px screen"
