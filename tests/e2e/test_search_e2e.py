"""Search in a real browser at phone size: autocomplete, results, facet links."""

from tests.factories import ResourceFactory


def test_autocomplete_then_facets(live_server, page):
    ResourceFactory(title="古诗三首", subject="语文", stage="小学", grade=3, view_count=9)
    ResourceFactory(title="古诗词鉴赏", subject="语文", stage="初中", grade=8, view_count=3)
    ResourceFactory(title="勾股定理", subject="数学")
    page.goto(live_server.url + "/search")
    page.locator("#search-q").press_sequentially("gushi", delay=40)
    options = page.locator("#search-q-suggestions li")
    options.first.wait_for()
    assert options.all_inner_texts() == ["古诗三首", "古诗词鉴赏"]
    options.first.click()
    page.wait_for_url("**/search?q=*")
    assert page.locator(".hit mark").first.inner_text() == "古诗三首"
    page.locator("#search-q").fill("古诗")
    page.locator("#search-q").press("Enter")
    page.wait_for_url("**/search?q=%E5%8F%A4%E8%AF%97")
    assert "找到 2 个资源" in page.locator(".result-count").inner_text()
    page.locator(".facets a", has_text="初中").click()
    page.wait_for_url("**stage=*")
    assert "找到 1 个资源" in page.locator(".result-count").inner_text()
    assert page.locator(".hit .card-title").inner_text() == "古诗词鉴赏"


def test_search_page_fits_a_phone(live_server, page):
    for n in range(3):
        ResourceFactory(title=f"中学生心理健康教育第{n}课：认识情绪，学会调节压力与焦虑", subject="心理健康")
    page.goto(live_server.url + "/search?q=xljk")
    assert page.locator(".hit").count() == 3
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
