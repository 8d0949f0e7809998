"""Failed sign-ins slow guessers without locking owners out (issue 11, item 5).

The back-off per (account, address) pair lives in the database (SQLite or PostgreSQL, as the
suite runs); the per-address ceiling in Flask-Limiter's storage, memory or Redis.
"""

from datetime import timedelta

import pytest

from hplearn.accounts.models import SignInAttempt
from hplearn.accounts.services import throttle
from hplearn.extensions import db
from hplearn.timeutil import utcnow
from tests.conftest import DEFAULT_PASSWORD, make_test_config

LIMITS = {"RATELIMIT_ENABLED": True, "LOGIN_LIMIT_PER_ADDRESS": "12 per 15 minutes",
          "LOGIN_FREE_FAILURES": 3, "LOGIN_BACKOFF_MAX_SECONDS": 8,
          "LOGIN_ACCOUNT_SLOW_AFTER": 6}
WRONG = "wrong-1234"


@pytest.fixture(params=["memory", "redis"])
def app_config(request, tmp_path):
    limits = {"RATELIMIT_ENABLED": True} if request.param == "defaults" else LIMITS
    config = make_test_config(tmp_path, **limits)
    if request.param == "behind one proxy":
        config["PROXY_COUNT"] = 1
    if request.param == "redis":
        pytest.importorskip("redis")
        config["REDIS_URL"] = request.getfixturevalue("redis_url")  # this test's own database
    return config


class Clock:
    """The throttle's idea of now, moved by hand: no test sleeps."""

    def __init__(self):
        self.now = utcnow()

    def __call__(self):
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch):
    moved = Clock()
    monkeypatch.setattr(throttle, "utcnow", moved)
    return moved


@pytest.fixture
def delays(monkeypatch):
    """The slow-down's sleeps, recorded instead of slept."""
    slept = []
    monkeypatch.setattr(throttle, "_sleep", slept.append)
    return slept


def _sign_in(client, username, password, address="10.0.0.1", **environ):
    return client.post("/auth/login", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address, **environ})


def _fail(client, username, address="10.0.0.1", **environ):
    return _sign_in(client, username, WRONG, address, **environ)


def _succeed(client, user, address="10.0.0.1", **environ):
    return _sign_in(client, user.username, DEFAULT_PASSWORD, address, **environ)


def _api(client, username, password, address="10.0.0.1"):
    return client.post("/api/v1/auth/login", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def test_storage_follows_configuration(app, client, student):
    from hplearn.extensions import limiter

    expected = "redis" if app.config.get("REDIS_URL") else "memory"
    assert type(limiter.storage).__name__.lower().startswith(expected)
    _fail(client, student.username)
    if expected == "redis":
        import redis

        assert redis.Redis.from_url(app.config["REDIS_URL"]).keys("*sign-in-address*")
    with app.app_context():
        assert db.session.query(SignInAttempt).count() == 1  # the pair's count: the database


def test_a_pair_waits_after_its_free_failures_with_the_time_in_chinese(app, client, student,
                                                                       clock):
    for _ in range(3):
        assert _fail(client, student.username).status_code == 422
    response = _fail(client, student.username)
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "请 1 秒后再试" in page and 'name="username"' in page
    assert response.headers["Retry-After"] == "1"
    # The right password waits too on this pair: a guesser must not learn it found it.
    assert _succeed(client, student).status_code == 429


def test_the_owner_elsewhere_signs_in_with_the_right_password(app, client, student, clock):
    for _ in range(10):
        clock.advance(60)
        _fail(client, student.username, "10.0.0.1")
    assert _fail(client, student.username, "10.0.0.1").status_code == 429
    assert _succeed(client, student, "10.0.0.2").status_code == 302


def test_the_wait_doubles_up_to_the_cap_and_refusals_do_not_extend_it(client, student, clock):
    for _ in range(3):
        _fail(client, student.username)
    waits = []
    for _ in range(5):
        refused = _fail(client, student.username)
        assert refused.status_code == 429
        assert _fail(client, student.username).headers["Retry-After"] == refused.headers[
            "Retry-After"]  # hammering during the wait counts for nothing
        waits.append(int(refused.headers["Retry-After"]))
        clock.advance(waits[-1])
        assert _fail(client, student.username).status_code == 422
    assert waits == [1, 2, 4, 8, 8]


def test_the_same_pair_signs_in_after_the_wait_and_starts_afresh(client, student, clock):
    for _ in range(6):
        _fail(client, student.username)
        clock.advance(5)
    assert _succeed(client, student).status_code == 429
    clock.advance(8)
    assert _succeed(client, student).status_code == 302
    client.post("/auth/logout")
    for _ in range(3):
        assert _fail(client, student.username).status_code == 422


def test_page_and_api_share_the_count_and_the_api_says_when_to_retry(client, student, clock):
    for _ in range(2):
        _fail(client, student.username)
    assert _api(client, "STU1 ", WRONG).status_code == 401  # the same account, as typed
    limited = _api(client, student.username, DEFAULT_PASSWORD)
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "1"
    error = limited.get_json()["error"]
    assert error["code"] == "rate_limited" and "请 1 秒后再试" in error["message"]
    assert _api(client, student.username, DEFAULT_PASSWORD, "10.0.0.9").status_code == 200


def test_unknown_usernames_are_counted_like_real_ones(client, clock):
    for _ in range(3):
        assert _fail(client, "no-such-user").status_code == 422
    assert _fail(client, "no-such-user").status_code == 429


def test_an_account_failed_on_from_many_addresses_is_slowed_never_locked(client, student,
                                                                        clock, delays):
    for number in range(6):
        assert _fail(client, student.username, f"10.1.0.{number}").status_code == 422
    assert delays == []
    # Slowed: one free failure per address, and a short wait in the server for every attempt.
    assert _fail(client, student.username, "10.2.0.1").status_code == 422
    assert _fail(client, student.username, "10.2.0.1").status_code == 429
    assert _succeed(client, student, "10.2.0.2").status_code == 302  # the owner gets in
    assert delays == [1.0, 1.0]


@pytest.mark.parametrize("app_config", ["defaults"], indirect=True)
def test_fifty_failures_from_a_school_address_lock_nobody_out(app, client, student, teacher,
                                                              clock):
    for number in range(50):  # a school's evening of mistypes, behind one NAT address
        assert _fail(client, f"pupil{number % 25}", "10.3.0.1").status_code == 422
    assert _succeed(client, teacher, "10.3.0.1").status_code == 302
    assert _succeed(app.test_client(), student, "10.3.0.1").status_code == 302


def test_the_address_ceiling_still_stops_spraying(client, teacher):
    for number in range(12):
        assert _fail(client, f"guess{number}").status_code == 422
    response = _succeed(client, teacher)
    assert response.status_code == 429
    assert "网络地址" in response.get_data(as_text=True) and "Retry-After" in response.headers
    assert _succeed(client, teacher, address="10.9.9.9").status_code == 302


def test_an_ipv6_network_is_one_address(client, student, clock):
    for host in range(3):
        _fail(client, student.username, f"2001:db8:1:2::{host + 1}")
    assert _fail(client, student.username, "2001:db8:1:2::ffff").status_code == 429
    assert _succeed(client, student, "2001:db8:1:3::1").status_code == 302


def test_successful_sign_ins_do_not_count(app, student):
    for _ in range(8):
        client = app.test_client()
        assert _succeed(client, student).status_code == 302
    assert _fail(app.test_client(), student.username).status_code == 422


def test_other_accounts_are_not_slowed_by_one_account(client, student, teacher, clock):
    for _ in range(5):
        _fail(client, student.username, "10.0.0.1")
    assert _succeed(client, teacher, "10.0.0.1").status_code == 302


def test_parallel_attempts_of_a_pair_get_no_more_through_than_one(app, student, clock):
    from hplearn.accounts import services

    with app.test_request_context():
        for _ in range(2):
            with pytest.raises(services.InvalidCredentials):
                services.authenticate(student.username, WRONG, "10.0.0.1")
        throttle.begin(student.username, "10.0.0.1")  # still checking its password
        with pytest.raises(services.SignInThrottled):
            throttle.begin(student.username, "10.0.0.1")


def test_attempts_are_forgotten_after_a_day(app, student, clock):
    for _ in range(4):
        _fail(app.test_client(), student.username)
    clock.advance(24 * 3600 + 1)
    with app.app_context():
        assert throttle.forget_old_attempts() == 3  # the fourth waited: not an attempt
        assert db.session.query(SignInAttempt).count() == 0
    assert _fail(app.test_client(), student.username).status_code == 422


@pytest.mark.parametrize("app_config", ["memory"], indirect=True)
def test_forged_forwarded_for_does_not_escape_the_limits(app, client, student, teacher, clock):
    # No proxy configured (the default): X-Forwarded-For is the client's own text, ignored.
    for number in range(3):
        _fail(client, student.username, HTTP_X_FORWARDED_FOR=f"198.51.100.{number}")
    assert _fail(client, student.username,
                 HTTP_X_FORWARDED_FOR="198.51.100.99").status_code == 429


behind_one_proxy = pytest.mark.parametrize("app_config", ["behind one proxy"], indirect=True)


@behind_one_proxy
def test_behind_one_proxy_only_the_address_it_adds_counts(app, client, student, clock, caplog):
    app.logger.addHandler(caplog.handler)
    for number in range(3):  # nginx appends the real client to whatever the client sent
        forged = f"198.51.100.{number}, 10.4.0.1"
        assert _fail(client, student.username, "127.0.0.1",
                     HTTP_X_FORWARDED_FOR=forged).status_code == 422
    assert _fail(client, student.username, "127.0.0.1",
                 HTTP_X_FORWARDED_FOR="198.51.100.9, 10.4.0.1").status_code == 429
    assert _succeed(client, student, "127.0.0.1",
                    HTTP_X_FORWARDED_FOR="10.4.0.2").status_code == 302
    assert "PROXY_COUNT" not in caplog.text


@behind_one_proxy
def test_a_request_past_the_proxy_is_warned_about_once(app, client, caplog):
    app.logger.addHandler(caplog.handler)
    client.get("/auth/login", environ_base={"REMOTE_ADDR": "203.0.113.5"})
    client.get("/auth/login", environ_base={"REMOTE_ADDR": "203.0.113.6"})
    warnings = [r.getMessage() for r in caplog.records if "PROXY_COUNT" in r.getMessage()]
    assert len(warnings) == 1
    assert "PROXY_COUNT is 1" in warnings[0] and "203.0.113.5" in warnings[0]
