"""The home page loads in a real browser without console errors."""

from tests.factories import TopicFactory


def test_home_page_in_browser(live_server, page):
    TopicFactory(slug="aiguo", name="爱国主义教育")
    page.goto(live_server.url + "/")
    assert page.title().startswith("和平学习")
    page.get_by_role("link", name="爱国主义教育").click()
    page.wait_for_url("**/topics/aiguo")
    assert page.locator("h1").inner_text() == "爱国主义教育"
