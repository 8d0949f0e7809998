"""With CSRF protection on: forms and API calls without a valid token are refused with 400."""

import re

import pytest

from tests.conftest import DEFAULT_PASSWORD, make_test_config


@pytest.fixture
def app_config(tmp_path):
    return make_test_config(tmp_path, WTF_CSRF_ENABLED=True)


def _form_token(client, path="/auth/login") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def _api_login(client, user):
    response = client.post("/api/v1/auth/login",
                           json={"username": user.username, "password": DEFAULT_PASSWORD})
    assert response.status_code == 200
    return response.get_json()["csrf_token"]


def test_login_form_without_token_is_refused(client, student):
    response = client.post("/auth/login",
                           data={"username": student.username, "password": DEFAULT_PASSWORD})
    assert response.status_code == 400
    assert "安全令牌" in response.get_data(as_text=True)


def test_login_form_with_forged_token_is_refused(client, student):
    _form_token(client)
    response = client.post("/auth/login", data={
        "username": student.username, "password": DEFAULT_PASSWORD, "csrf_token": "forged.token",
    })
    assert response.status_code == 400


def test_login_form_with_token_is_accepted(client, student):
    token = _form_token(client)
    response = client.post("/auth/login", data={
        "username": student.username, "password": DEFAULT_PASSWORD, "csrf_token": token,
    })
    assert response.status_code == 302


def test_admin_form_without_token_is_refused(client, school_admin, student):
    _api_login(client, school_admin)
    response = client.post(f"/admin/users/{student.id}/deactivate")
    assert response.status_code == 400
    assert student.active


def test_admin_form_with_token_is_accepted(client, school_admin, student):
    _api_login(client, school_admin)
    token = _form_token(client, "/admin/users/")
    response = client.post(f"/admin/users/{student.id}/deactivate", data={"csrf_token": token})
    assert response.status_code == 302


def test_api_call_without_header_is_a_json_400(client, school_admin, school):
    _api_login(client, school_admin)
    response = client.post(f"/api/v1/schools/{school.code}/users",
                           json={"username": "kid0001", "role": "student"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "csrf_failed"


def test_api_call_with_forged_header_is_refused(client, school_admin, school):
    _api_login(client, school_admin)
    response = client.post(f"/api/v1/schools/{school.code}/users",
                           json={"username": "kid0001", "role": "student"},
                           headers={"X-CSRFToken": "forged"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "csrf_failed"


def test_api_call_with_header_is_accepted(client, school_admin, school):
    token = _api_login(client, school_admin)
    response = client.post(f"/api/v1/schools/{school.code}/users",
                           json={"username": "kid0001", "role": "student"},
                           headers={"X-CSRFToken": token})
    assert response.status_code == 201


def test_api_logout_needs_the_header(client, student):
    token = _api_login(client, student)
    assert client.post("/api/v1/auth/logout").status_code == 400
    assert client.post("/api/v1/auth/logout", headers={"X-CSRFToken": token}).status_code == 200


def test_api_login_accepts_only_json(client, student):
    # Exempt from the token (no session yet), so it must not accept a cross-site form post.
    response = client.post("/api/v1/auth/login",
                           data={"username": student.username, "password": DEFAULT_PASSWORD})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"


def test_account_edit_form_needs_its_token(client, school_admin, student):
    _api_login(client, school_admin)
    refused = client.post(f"/admin/users/{student.id}/edit", data={"grade": "9"})
    assert refused.status_code == 400 and "安全令牌" in refused.get_data(as_text=True)
    assert student.grade == 7
    token = _form_token(client, f"/admin/users/{student.id}/edit")
    accepted = client.post(f"/admin/users/{student.id}/edit",
                           data={"grade": "9", "csrf_token": token})
    assert accepted.status_code == 302 and student.grade == 9


def test_account_patch_and_promotion_need_the_token(client, school_admin, student, school):
    token = _api_login(client, school_admin)
    url = f"/api/v1/schools/{school.code}/users/{student.id}"
    refused = client.patch(url, json={"grade": 9})
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "csrf_failed"
    assert client.patch(url, json={"grade": 9}, headers={"X-CSRFToken": token}).status_code == 200
    assert client.post("/admin/users/promote", data={"confirm": "y"}).status_code == 400
    assert student.grade == 9 and school.promoted_school_year is None
