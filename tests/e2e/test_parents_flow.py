"""A family's loop on a 360 px phone: the parent binds a child with the school's code, signs
the child up, writes to the school, the school answers, and the parent reads the answer."""

from __future__ import annotations

from hplearn.parents import services as parents
from tests import factories
from tests.afterschool_fixtures import TERM, compliant_guide
from tests.e2e.helpers import assert_fits, sign_in


def test_bind_sign_up_write_and_read_the_answer(live_server, page, app):
    school = factories.SchoolFactory(code="e2e-zx", name="和平区演示中学", stage="初中")
    admin = factories.UserFactory(username="e2e_admin", role="school_admin", school=school)
    coach = factories.UserFactory(username="e2e_coach", role="teacher", school=school)
    child = factories.UserFactory(username="e2e_kid", role="student", school=school, grade=8,
                                  display_name="李小雨")
    parent = factories.UserFactory(username="e2e_mum", role="parent", school=None,
                                   display_name="李妈妈")
    compliant_guide(admin, school, coach)
    code, _ = parents.issue_binding_code(admin, school, child)
    base = live_server.url

    sign_in(page, base, parent.username, "/parents/")
    page.fill("#code", f"{code[:5]}-{code[5:]}")
    page.get_by_role("button", name="绑定").click()
    page.wait_for_load_state()
    assert "已绑定孩子：李小雨" in page.content()
    assert_fits(page)

    page.goto(f"{base}/parents/?term={TERM}")
    page.get_by_role("link", name="为孩子报名或修改志愿").click()
    page.wait_for_load_state()
    page.select_option("#choice0", label=page.locator("#choice0 option").nth(1).inner_text())
    page.get_by_role("button", name="提交报名").click()
    page.wait_for_load_state()
    assert "报名已保存" in page.content() and "李小雨" in page.content()
    assert "等待家长确认" not in page.content()  # a parent's own sign-up needs no confirmation
    assert_fits(page)

    page.goto(f"{base}/parents/feedback")
    page.select_option("#category", "课后服务")
    page.fill("#body", "希望篮球活动周五也能开放。")
    page.get_by_label("匿名（学校看不到我的姓名）").check()
    page.get_by_role("button", name="提交").click()
    page.wait_for_load_state()
    assert "已提交" in page.content() and "待答复" in page.content()
    assert_fits(page)
    page.context.clear_cookies()

    sign_in(page, base, admin.username, "/parents/school/feedback")
    inbox = page.locator("section[aria-labelledby=inbox-h]").inner_text()
    assert "匿名家长" in inbox and "李妈妈" not in inbox
    page.fill("textarea[name=body]", "谢谢建议，下学期起周五开放。")
    page.get_by_role("button", name="发送答复").click()
    page.wait_for_load_state()
    assert "已答复" in page.content()
    assert_fits(page)
    page.context.clear_cookies()

    sign_in(page, base, parent.username, "/parents/feedback")
    assert "下学期起周五开放" in page.content() and "已答复" in page.content()
    assert_fits(page)
