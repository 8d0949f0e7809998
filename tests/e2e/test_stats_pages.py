"""The statistics dashboard in a real browser at phone size, without JavaScript of its own."""

from hplearn.stats import events
from hplearn.stats.period import today
from hplearn.stats.rollup import build_day
from tests.factories import DEFAULT_PASSWORD, ResourceFactory, UserFactory


def _sign_in(page, base_url, username):
    page.goto(base_url + "/auth/login?next=/stats/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/stats/")


def test_school_dashboard_on_a_phone(live_server, page, school, school_admin):
    resource = ResourceFactory(title="勾股定理")
    for number in range(6):
        student = UserFactory(username=f"e2e{number}", role="student", school=school)
        events.record_view(resource, user=student)
    events.flush()
    build_day(today())
    _sign_in(page, live_server.url, school_admin.username)
    assert page.locator("h1").inner_text().startswith("使用统计")
    chart = page.get_by_role("img", name="按学科：浏览次数")
    assert chart.is_visible()
    assert page.get_by_role("cell", name="6").first.is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"page is {width}px wide on a 360px screen"
    page.fill("input[name=from]", today().replace(day=1).isoformat())
    page.get_by_role("button", name="查看").click()
    page.wait_for_url("**/stats/?from=*")
    assert page.get_by_role("link", name="勾股定理").is_visible()
