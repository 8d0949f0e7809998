"""The after-school loop in a phone-sized browser: the admin publishes, a student signs up, the
allocation runs, the programme's teacher takes attendance, a parent reads the guide."""

from __future__ import annotations

from hplearn.afterschool import services
from tests import factories
from tests.afterschool_fixtures import TERM, programme_data
from tests.e2e.helpers import assert_fits, sign_in


def test_publish_sign_up_allocate_and_take_attendance(live_server, page, app):
    school = factories.SchoolFactory(code="e2e-zx", name="和平区演示中学", stage="初中")
    admin = factories.UserFactory(username="e2e_admin", role="school_admin", school=school)
    coach = factories.UserFactory(username="e2e_coach", role="teacher", school=school,
                                  display_name="周老师")
    student = factories.UserFactory(username="e2e_kid", role="student", school=school, grade=8,
                                    display_name="李小雨")
    services.create_programme(admin, school, TERM, programme_data(coach, name="篮球"))
    base = live_server.url
    today = services.today().isoformat()

    sign_in(page, base, admin.username, f"/afterschool/manage/{school.code}?term={TERM}")
    page.fill("#opens", today)
    page.fill("#closes", today)
    page.get_by_role("button", name="发布指南").click()
    page.wait_for_load_state()
    assert "指南已发布" in page.content()
    assert_fits(page)
    page.context.clear_cookies()

    page.goto(f"{base}/schools/{school.code}/afterschool?term={TERM}")  # a parent, not signed in
    assert page.get_by_role("heading", name="和平区演示中学课后服务指南").is_visible()
    assert page.locator(".qr svg").is_visible()
    assert_fits(page)

    sign_in(page, base, student.username, f"/afterschool/mine?term={TERM}")
    page.select_option("#choice0", label=page.locator("#choice0 option").nth(1).inner_text())
    page.get_by_role("button", name="提交报名").click()
    page.wait_for_load_state()
    assert "报名已保存" in page.content()
    assert_fits(page)
    page.context.clear_cookies()

    sign_in(page, base, admin.username, f"/afterschool/manage/{school.code}?term={TERM}")
    page.get_by_role("button", name="立即截止报名").click()
    page.wait_for_load_state()
    page.fill("#seed", "2025")
    page.get_by_role("button", name="开始分配").click()
    page.wait_for_load_state()
    assert "分配完成：1 个名额" in page.content() and "随机种子 2025" in page.content()
    page.context.clear_cookies()

    day = services.today()
    sign_in(page, base, coach.username, f"/afterschool/teach?term={TERM}")
    page.get_by_role("link", name="今天点名").click()
    page.wait_for_load_state()
    if day.isoweekday() <= 5:
        page.get_by_label("请假").check()
        page.get_by_role("button", name="保存点名").click()
        page.wait_for_load_state()
        assert "请假 1 人" in page.content()
    assert_fits(page)
