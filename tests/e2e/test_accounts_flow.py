"""In a phone-sized browser with CSRF on: an admin creates a student, who must change the password."""

import pytest

from tests.conftest import DEFAULT_PASSWORD, make_test_config


@pytest.fixture
def app_config(tmp_path):
    return make_test_config(tmp_path, WTF_CSRF_ENABLED=True)


def _sign_in(page, base, username, password):
    page.goto(base + "/auth/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def _fits_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 360


def test_new_student_signs_in_with_one_time_password(live_server, page, school_admin):
    from playwright.sync_api import expect

    base = live_server.url
    _sign_in(page, base, school_admin.username, DEFAULT_PASSWORD)
    page.goto(base + "/admin/users/new")
    assert _fits_phone(page)
    page.get_by_label("用户名").fill("newkid01")
    page.get_by_label("角色").select_option("student")
    page.get_by_label("年级（学生）").fill("3")
    page.get_by_role("button", name="创建账号").click()
    password = page.locator(".otp").inner_text()
    assert len(password) == 9
    page.goto(base + "/admin/users/")
    assert "newkid01" in page.content() and _fits_phone(page)
    page.get_by_role("button", name="退出（sadmin1）").click()

    _sign_in(page, base, "newkid01", password)
    page.wait_for_url("**/auth/password**")
    page.get_by_label("当前密码").fill(password)
    page.get_by_label("新密码", exact=True).fill("my-own-pass-77")
    page.get_by_label("再次输入新密码").fill("my-own-pass-77")
    page.get_by_role("button", name="保存新密码").click()
    expect(page.locator("body")).to_contain_text("密码已修改")  # (waits for the next page)
    page.goto(base + "/browse")
    assert page.url.endswith("/browse")
