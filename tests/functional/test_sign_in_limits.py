"""Failed sign-ins are limited per account and per address, in memory or in Redis."""

import pytest

from tests.conftest import DEFAULT_PASSWORD, make_test_config

LIMITS = {"RATELIMIT_ENABLED": True, "LOGIN_LIMIT_PER_ACCOUNT": "3 per 15 minutes",
          "LOGIN_LIMIT_PER_ADDRESS": "6 per 15 minutes"}


@pytest.fixture(params=["memory", "redis"])
def app_config(request, tmp_path):
    config = make_test_config(tmp_path, **LIMITS)
    if request.param == "redis":
        pytest.importorskip("redis")
        config["REDIS_URL"] = request.getfixturevalue("redis_url")  # this test's own database
    return config


def _fail(client, username, address="10.0.0.1"):
    return client.post("/auth/login", data={"username": username, "password": "wrong-1234"},
                       environ_base={"REMOTE_ADDR": address})


def _succeed(client, user, address="10.0.0.1"):
    return client.post("/auth/login",
                       data={"username": user.username, "password": DEFAULT_PASSWORD},
                       environ_base={"REMOTE_ADDR": address})


def test_storage_follows_configuration(app, client, student):
    from hplearn.extensions import limiter

    expected = "redis" if app.config.get("REDIS_URL") else "memory"
    assert type(limiter.storage).__name__.lower().startswith(expected)
    _fail(client, student.username)
    if expected == "redis":
        import redis

        assert redis.Redis.from_url(app.config["REDIS_URL"]).keys("*sign-in-account*")


def test_account_is_limited_after_failures_with_a_clear_message(app, client, student):
    for _ in range(3):
        assert _fail(client, student.username).status_code == 422
    response = _fail(client, student.username)
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "登录失败次数太多" in page and 'name="username"' in page
    assert "Retry-After" in response.headers
    # Even the right password waits: a guesser must not learn it has found it.
    assert _succeed(client, student, address="10.0.0.2").status_code == 429


def test_account_limit_holds_across_addresses_and_the_api(client, student):
    _fail(client, student.username, "10.0.0.1")
    _fail(client, student.username, "10.0.0.2")
    api = client.post("/api/v1/auth/login", json={"username": "STU1", "password": "nope-1234"},
                      environ_base={"REMOTE_ADDR": "10.0.0.3"})
    assert api.status_code == 401
    limited = client.post("/api/v1/auth/login",
                          json={"username": "stu1", "password": "nope-1234"},
                          environ_base={"REMOTE_ADDR": "10.0.0.4"})
    assert limited.status_code == 429
    assert limited.get_json()["error"]["code"] == "rate_limited"
    assert "登录失败次数太多" in limited.get_json()["error"]["message"]


def test_address_is_limited_across_accounts(client, teacher):
    for number in range(6):
        assert _fail(client, f"guess{number}").status_code == 422
    response = _succeed(client, teacher)
    assert response.status_code == 429
    assert "网络地址" in response.get_data(as_text=True)
    assert _succeed(client, teacher, address="10.9.9.9").status_code == 302


def test_successful_sign_ins_do_not_count(app, student):
    for _ in range(8):
        client = app.test_client()
        assert _succeed(client, student).status_code == 302
    assert _fail(app.test_client(), student.username).status_code == 422


def test_other_accounts_are_not_locked_by_one_account(client, student, teacher):
    for _ in range(3):
        _fail(client, student.username, "10.0.0.1")
    assert _succeed(client, teacher, "10.0.0.5").status_code == 302
