"""Sign-in, sessions, forced password change, open redirects, deactivation."""

import pytest

from tests import factories
from tests.conftest import DEFAULT_PASSWORD, make_test_config


def test_session_cookie_is_httponly_and_lax(client, login, student):
    response = login(student)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie


@pytest.fixture
def https_app_config(tmp_path, monkeypatch):
    monkeypatch.setenv("HPLEARN_SESSION_COOKIE_SECURE", "true")
    return make_test_config(tmp_path)


def test_secure_cookie_when_configured_for_https(https_app_config, tmp_path):
    from hplearn.app import create_app

    app = create_app(https_app_config)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


def test_password_is_hashed_with_werkzeug_default(student):
    assert student.password_hash.startswith("scrypt:")
    assert DEFAULT_PASSWORD not in student.password_hash
    # The factory's hash has cheap parameters (tests/factories.py); the app's own is the default.
    from werkzeug.security import generate_password_hash

    default_method = generate_password_hash("x").split("$")[0]
    student.set_password("another-pass-42")
    assert student.password_hash.startswith(default_method + "$")
    assert default_method.startswith("scrypt:")
    assert student.check_password("another-pass-42") and not student.check_password(DEFAULT_PASSWORD)


@pytest.mark.parametrize("target", [
    "//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)",
    "/\r\nLocation: http://evil.example", "\\\\evil.example", " //evil.example",
])
def test_next_cannot_leave_the_site(client, student, target):
    response = client.post(
        "/auth/login", query_string={"next": target},
        data={"username": student.username, "password": DEFAULT_PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_next_within_the_site_is_followed(client, student):
    response = client.post(
        "/auth/login", query_string={"next": "/browse?grade=7"},
        data={"username": student.username, "password": DEFAULT_PASSWORD},
    )
    assert response.headers["Location"] == "/browse?grade=7"


def test_anonymous_admin_page_comes_back_after_sign_in(client, school_admin):
    response = client.get("/admin/users/?role=teacher")
    assert response.status_code == 302
    assert "next=/admin/users/?role%3Dteacher" in response.headers["Location"].replace("%2F", "/")
    again = client.post(response.headers["Location"],
                        data={"username": school_admin.username, "password": DEFAULT_PASSWORD})
    assert again.headers["Location"] == "/admin/users/?role=teacher"


def test_logout_needs_post(client, login, student):
    login(student)
    assert client.get("/auth/logout").status_code == 405
    assert "退出" in client.get("/").get_data(as_text=True)


def test_deactivated_user_cannot_sign_in(client, login, school):
    user = factories.UserFactory(username="gone01", school=school, active=False)
    response = login(user)
    assert response.status_code == 422
    assert "已停用" in response.get_data(as_text=True)
    assert client.post("/api/v1/auth/login",
                       json={"username": "gone01", "password": DEFAULT_PASSWORD}).status_code == 401


def test_deactivation_ends_existing_sessions(app, client, login, school_admin, student):
    student_client = app.test_client()
    signed_in = student_client.post(
        "/auth/login", data={"username": student.username, "password": DEFAULT_PASSWORD})
    assert signed_in.status_code == 302
    assert student_client.get("/auth/password").status_code == 200
    login(school_admin)
    assert client.post(f"/admin/users/{student.id}/deactivate").status_code == 302
    response = student_client.get("/auth/password")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_unknown_user_and_wrong_password_look_the_same(client, login, student):
    unknown = login("nobody", "whatever-123").get_data(as_text=True)
    wrong = login(student, "wrong-123").get_data(as_text=True)
    assert "用户名或密码不正确" in unknown and "用户名或密码不正确" in wrong


def test_username_is_case_insensitive(client, student):
    response = client.post("/auth/login",
                           data={"username": "STU1", "password": DEFAULT_PASSWORD})
    assert response.status_code == 302


class TestForcedPasswordChange:
    @pytest.fixture
    def fresh(self, school):
        return factories.UserFactory(username="fresh01", school=school, must_change_password=True)

    def test_pages_redirect_to_change_page(self, client, login, fresh):
        login(fresh)
        response = client.get("/browse")
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/auth/password")

    def test_api_answers_403_password_change_required(self, client, login, fresh):
        login(fresh)
        response = client.get("/api/v1/resources")
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == "password_change_required"

    def test_changing_the_password_lifts_the_block(self, client, login, fresh):
        login(fresh)
        response = client.post("/auth/password", data={
            "current_password": DEFAULT_PASSWORD, "new_password": "my-own-pass-77",
            "confirm_password": "my-own-pass-77",
        })
        assert response.status_code == 302
        assert client.get("/browse").status_code == 200
        login.logout()
        assert login(fresh, "my-own-pass-77").status_code == 302

    def test_logout_still_works(self, client, login, fresh):
        login(fresh)
        assert client.post("/auth/logout").status_code == 302


@pytest.mark.parametrize(("current", "new", "confirm", "message"), [
    ("wrong-pass-1", "my-own-pass-77", "my-own-pass-77", "当前密码不正确"),
    (DEFAULT_PASSWORD, "short1", "short1", "至少 8 位"),
    (DEFAULT_PASSWORD, "onlyletters", "onlyletters", "字母和数字"),
    (DEFAULT_PASSWORD, "12345678901", "12345678901", "字母和数字"),
    (DEFAULT_PASSWORD, "my-own-pass-77", "my-own-pass-78", "不一致"),
    (DEFAULT_PASSWORD, "xstu1x-pass-9", "xstu1x-pass-9", "不能包含用户名"),
    (DEFAULT_PASSWORD, DEFAULT_PASSWORD, DEFAULT_PASSWORD, "不能和当前密码相同"),
    (DEFAULT_PASSWORD, "a1" * 65, "a1" * 65, "不能超过"),
])
def test_password_change_rules(client, login, student, current, new, confirm, message):
    login(student)
    response = client.post("/auth/password", data={
        "current_password": current, "new_password": new, "confirm_password": confirm,
    })
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_api_password_change(client, student):
    client.post("/api/v1/auth/login", json={"username": "stu1", "password": DEFAULT_PASSWORD})
    bad = client.post("/api/v1/auth/password",
                      json={"current_password": DEFAULT_PASSWORD, "new_password": "short"})
    assert bad.status_code == 422
    good = client.post("/api/v1/auth/password",
                       json={"current_password": DEFAULT_PASSWORD, "new_password": "better-pass-5"})
    assert good.status_code == 200
    assert good.get_json()["user"]["must_change_password"] is False


def test_password_reset_ends_existing_sessions(app, client, login, school_admin, student):
    student_client = app.test_client()
    student_client.post("/auth/login",
                        data={"username": student.username, "password": DEFAULT_PASSWORD})
    login(school_admin)
    assert client.post(f"/admin/users/{student.id}/reset-password").status_code == 200
    response = student_client.get("/auth/password")
    assert "/auth/login" in response.headers["Location"]


def test_own_password_change_keeps_this_session_and_ends_others(app, client, login, student):
    other_device = app.test_client()
    other_device.post("/auth/login",
                      data={"username": student.username, "password": DEFAULT_PASSWORD})
    login(student)
    response = client.post("/auth/password", data={
        "current_password": DEFAULT_PASSWORD, "new_password": "my-own-pass-77",
        "confirm_password": "my-own-pass-77",
    })
    assert response.status_code == 302
    assert client.get("/auth/password").status_code == 200
    assert other_device.get("/auth/password").status_code == 302


def test_forged_session_ids_are_refused(student):
    from hplearn.accounts.services import load_user

    assert load_user(student.get_id()) == student
    assert load_user("abc") is None
    assert load_user(str(student.id)) is None
    assert load_user(f"{student.id}.0000000000000000") is None
