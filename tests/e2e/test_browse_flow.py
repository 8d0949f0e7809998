"""A student on a 360 px phone: home page -> topic -> resource, in a real browser."""

from __future__ import annotations

import pytest

from tests.factories import PlatformFactory, ResourceFactory, TopicFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo_catalog(app):
    """A topic with an article, a textbook on a platform that asks for a login, more topics."""
    topic = TopicFactory(slug="aiguo", name="爱国主义教育", summary="了解国旗、国歌和家乡的历史")
    TopicFactory(slug="shengtai", name="生态文明教育", summary="垃圾分类、节约用水")
    ResourceFactory(title="国旗的故事", topic=topic, stage="小学", grade=3, subject="道德与法治",
                    body="## 升旗仪式\n\n每周一早上，全校师生在操场举行**升旗仪式**。")
    # A long unbroken title must wrap rather than widen the page.
    ResourceFactory(title="Photosynthesis" + "x" * 120, topic=topic, subject="生物学")
    for n in range(3):
        ResourceFactory(title=f"语文阅读{n}", subject="语文", grade=8, tags=["阅读"])
    PlatformFactory(name="国家中小学智慧教育平台", url="https://basic.smartedu.cn/", needs_login=True)
    return topic


def _assert_page_is_sound(page) -> None:
    assert page.locator("h1").count() == 1
    assert page.locator("main").count() == 1
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 360


def test_home_to_topic_to_resource(live_server, page, demo_catalog):
    page.goto(live_server.url + "/")
    assert page.title().startswith("和平学习")
    _assert_page_is_sound(page)

    page.get_by_role("link", name="爱国主义教育").click()
    page.wait_for_url("**/topics/aiguo")
    _assert_page_is_sound(page)
    assert page.locator("h1").inner_text() == "爱国主义教育"

    page.get_by_role("link", name="国旗的故事").click()
    page.wait_for_url("**/resources/*")
    _assert_page_is_sound(page)
    assert page.locator("h1").inner_text() == "国旗的故事"
    assert page.locator(".prose strong").inner_text() == "升旗仪式"


def test_browse_filters_work_without_javascript(live_server, browser, demo_catalog):
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="zh-CN", java_script_enabled=False
    )
    page = context.new_page()
    try:
        page.goto(live_server.url + "/browse")
        _assert_page_is_sound(page)
        page.get_by_label("学科").select_option("语文")
        page.get_by_role("button", name="筛选").click()
        page.wait_for_url("**/browse?*")
        assert "共 3 个资源" in page.locator(".result-count").inner_text()
        _assert_page_is_sound(page)
    finally:
        context.close()


@pytest.mark.parametrize(
    ("path", "status"), [("/platforms", 200), ("/no-such-page", 404), ("/browse?grade=abc", 400)]
)
def test_other_pages_fit_a_phone(live_server, page, demo_catalog, path, status):
    response = page.goto(live_server.url + path)
    assert response.status == status
    _assert_page_is_sound(page)
    # Chromium reports the error page's own status on the console; that one is expected.
    expected = f"the server responded with a status of {status}"
    page.console_errors[:] = [e for e in page.console_errors if expected not in e]


def test_browse_with_long_editions_fits_a_phone(live_server, page, demo_catalog):
    # The 版本 drop-down once made /browse 435 px wide on a 360 px screen.
    ResourceFactory(title="义务教育教科书·英语（三年级起点）三年级上册", kind="textbook", subject="英语",
                    grade=3, edition="外研社版（三年级起点）（主编：桂诗春、陈琳、Simon Greenall）")
    page.goto(live_server.url + "/browse")
    _assert_page_is_sound(page)
    page.goto(live_server.url + "/browse?subject=%E8%8B%B1%E8%AF%AD")
    _assert_page_is_sound(page)
