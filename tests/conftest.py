"""Shared fixtures: app, client, runner, login, and a database per test.

Set HPLEARN_TEST_DATABASE_URL to run the suite on PostgreSQL instead of SQLite.
Locally, a missing PostgreSQL or browser skips the tests that need it; with CI=true it fails.
"""

from __future__ import annotations

import os

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from hplearn.app import create_app
from hplearn.extensions import db
from tests import factories

TEST_DATABASE_URL = os.environ.get("HPLEARN_TEST_DATABASE_URL")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
DEFAULT_PASSWORD = factories.DEFAULT_PASSWORD
_schema_ready = False


def skip_or_fail(reason: str):
    """Skip locally; in CI a missing service or browser is a failure."""
    if IN_CI:
        pytest.fail(f"{reason} (required in CI)")
    pytest.skip(reason)


def make_test_config(tmp_path, **overrides) -> dict:
    """The configuration every test app starts from."""
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "DATABASE_URL": TEST_DATABASE_URL or f"sqlite:///{tmp_path / 'test.sqlite3'}",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
    }
    config.update(overrides)
    return config


def _prepare_schema() -> None:
    global _schema_ready
    if TEST_DATABASE_URL and not _schema_ready:
        # A persistent PostgreSQL test database may hold an older schema, which drop_all()
        # cannot always take apart (constraints it expects may not exist): start clean once.
        with db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        _schema_ready = True
    db.create_all()


def _empty_tables() -> None:
    names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    db.session.commit()


@pytest.fixture
def app_config(tmp_path):
    """Overridable: tests may request a changed config by overriding this fixture."""
    return make_test_config(tmp_path)


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in its own app context, as in production.

    Without this, requests would reuse the test's app context: flask.g (and the user
    Flask-Login caches there) and the database session would leak from one request to the next.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        # The test's own session may hold rows the request changed: reload them on next access.
        db.session.expire_all()
        return response


@pytest.fixture
def app(app_config):
    """An app with an empty database, inside an app context."""
    application = create_app(app_config)
    application.test_client_class = IsolatedClient
    with application.app_context():
        try:
            _prepare_schema()
        except Exception as error:
            if TEST_DATABASE_URL:
                skip_or_fail(f"PostgreSQL at HPLEARN_TEST_DATABASE_URL unreachable: {error}")
            raise
        factories.bind(db.session)
        yield application
        db.session.remove()
        if TEST_DATABASE_URL:
            _empty_tables()
        db.engine.dispose()


@pytest.fixture
def client(app):
    """A test client."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner bound to the app."""
    return app.test_cli_runner()


class AuthActions:
    """Sign in and out through the real sign-in form."""

    def __init__(self, client):
        self._client = client

    def __call__(self, user_or_name, password: str = DEFAULT_PASSWORD):
        username = getattr(user_or_name, "username", user_or_name)
        return self._client.post(
            "/auth/login", data={"username": username, "password": password}
        )

    def logout(self):
        """Sign out."""
        return self._client.post("/auth/logout")


@pytest.fixture
def login(client):
    """login(user) signs the client in; login.logout() signs it out."""
    return AuthActions(client)


@pytest.fixture
def school(app):
    """A primary school."""
    return factories.SchoolFactory(code="hp001", name="和平区第一小学")


@pytest.fixture
def other_school(app):
    """Another school, for tests of school scoping."""
    return factories.SchoolFactory(code="hp002", name="和平区第二中学", stage="初中")


@pytest.fixture
def student(school):
    """A grade-7 student of `school`."""
    return factories.UserFactory(username="stu1", role="student", school=school, grade=7)


@pytest.fixture
def teacher(school):
    """A maths teacher of `school`."""
    return factories.UserFactory(
        username="tea1", role="teacher", school=school, subjects=["数学"], grades=[7, 8, 9]
    )


@pytest.fixture
def school_admin(school):
    """The admin of `school`."""
    return factories.UserFactory(username="sadmin1", role="school_admin", school=school)


@pytest.fixture
def district_admin(app):
    """A district admin."""
    return factories.UserFactory(username="dadmin", role="district_admin", school=None)
