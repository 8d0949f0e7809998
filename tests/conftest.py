"""Shared fixtures: app, client, runner, login, and a database per test.

The suite uses only services it starts or is given (see tests/services.py): with
HPLEARN_TEST_POSTGRES_SERVER (or the older HPLEARN_TEST_DATABASE_URL) it runs on PostgreSQL, in
databases of its own on that server; otherwise on SQLite, each test in its own file copied from a
schema built once. Locally a missing service or browser skips the tests that need it; with CI=true
it fails them.
"""

from __future__ import annotations

import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from hplearn.app import create_app
from hplearn.extensions import db
from tests import factories, services, speedups
from tests.services import IN_CI, ON_POSTGRES, skip_or_fail  # noqa: F401  (imported from here)
from tests.smtp import smtp_stub  # noqa: F401  (a fixture: a local SMTP server)

speedups.install()

DEFAULT_PASSWORD = factories.DEFAULT_PASSWORD
_databases: dict[str, object] = {}


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    """Temporary files in memory (tests/services.py: memory_folder), unless --basetemp is given."""
    if hasattr(config, "workerinput") or config.option.basetemp:
        return  # (an xdist worker gets a subfolder of the controller's)
    folder = services.memory_folder()
    if folder is not None:
        config.option.basetemp = str(services.new_basetemp(folder))
        config.hplearn_basetemp = Path(config.option.basetemp)


def pytest_sessionfinish(session, exitstatus):
    """Drop this process's databases and stop the services it started (per xdist worker)."""
    services.shutdown()
    template = _databases.pop("sqlite_template_folder", None)
    if template:
        shutil.rmtree(template, ignore_errors=True)
    session.config.hplearn_failed = exitstatus != 0


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    basetemp = getattr(config, "hplearn_basetemp", None)
    if basetemp is not None and exitstatus != 0:
        terminalreporter.write_line(f"temporary files of this run kept in {basetemp}")


def pytest_unconfigure(config):
    """The run's temporary files go when it passed; a failed run's stay for a look inside."""
    basetemp = getattr(config, "hplearn_basetemp", None)
    if basetemp is not None and not getattr(config, "hplearn_failed", True):
        services.remove_basetemp(basetemp)


def pytest_collection_modifyitems(config, items):
    """The slowest tests first (servers, then browsers), so that xdist's workers share them."""

    def weight(item) -> int:
        if item.get_closest_marker("production"):
            return 0
        if item.get_closest_marker("slow"):
            return 1
        return 2 if "/e2e/" in item.nodeid or item.nodeid.startswith("tests/e2e/") else 3

    items.sort(key=weight)  # (stable: the same order in every worker)


def _postgres_database_url() -> str:
    """This process's PostgreSQL database for the app fixture: created on first use."""
    if "postgres" not in _databases:
        _databases["postgres"] = services.postgres().create_database("app")
    return _databases["postgres"]


def make_test_config(tmp_path, **overrides) -> dict:
    """The configuration every test app starts from."""
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
    }
    if "DATABASE_URL" not in overrides:
        config["DATABASE_URL"] = (_postgres_database_url() if ON_POSTGRES
                                  else f"sqlite:///{tmp_path / 'test.sqlite3'}")
    config.update(overrides)
    return config


def _sqlite_template() -> Path:
    """An SQLite file holding the empty schema, built once per process by create_all()."""
    if "sqlite_template" not in _databases:
        folder = Path(tempfile.mkdtemp(prefix="hplearn-test-schema-"))
        _databases["sqlite_template_folder"] = folder
        path = folder / "schema.sqlite3"
        application = create_app(make_test_config(folder, DATABASE_URL=f"sqlite:///{path}"))
        with application.app_context():
            db.create_all()
            db.session.remove()
            db.engine.dispose()
        _databases["sqlite_template"] = path
    return _databases["sqlite_template"]


def _copy_sqlite_schema(config: dict) -> bool:
    """Give a test's SQLite file (one that does not exist yet) the schema by copying the template."""
    url = config["DATABASE_URL"]
    if not url.startswith("sqlite:///") or url == "sqlite:///:memory:":
        return False
    path = Path(url.removeprefix("sqlite:///"))
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_sqlite_template(), path)
    return True


def _prepare_schema(url: str) -> None:
    if url == _databases.get("postgres"):
        if not _databases.get("postgres_schema"):
            db.create_all()  # a database this run created, empty: its schema is made once
            _databases["postgres_schema"] = True
        # Emptied after every test that used this fixture; a test that made its own app on the
        # same database may have left rows: start from empty tables all the same.
        _empty_tables()
        return
    db.create_all()


def _empty_tables() -> None:
    """Empty every table and restart its id sequence, as TRUNCATE ... RESTART IDENTITY would.

    TRUNCATE costs about 10 ms a table, full or empty; a DELETE of the few rows a test wrote, in
    reverse dependency order, costs well under one (an integrity error falls back on TRUNCATE).
    """
    tables = db.metadata.sorted_tables
    probe = " UNION ALL ".join(f"SELECT '{t.name}' WHERE EXISTS (SELECT 1 FROM \"{t.name}\")"
                               for t in tables)
    written = {name for (name,) in db.session.execute(text(probe))}
    try:
        for table in reversed(tables):
            if table.name in written:
                db.session.execute(text(f'DELETE FROM "{table.name}"'))
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        names = ", ".join(f'"{name}"' for name in written)
        db.session.execute(text(f"TRUNCATE {names} CASCADE"))
    used = db.session.scalars(text("SELECT quote_ident(sequencename) FROM pg_sequences "
                                   "WHERE schemaname = current_schema() "
                                   "AND last_value IS NOT NULL")).all()
    for sequence in used:
        db.session.execute(text(f"ALTER SEQUENCE {sequence} RESTART"))
    db.session.commit()


def empty_database(url: str) -> None:
    """After a test: empty this run's shared PostgreSQL database (an SQLite file is the test's own).

    Inside the app context of an app on `url`.
    """
    db.session.remove()
    if url == _databases.get("postgres"):
        _empty_tables()


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


@contextmanager
def running_app(config: dict):
    """An app on config's database (the schema made, every table empty), inside an app context."""
    copied = _copy_sqlite_schema(config)
    application = create_app(config)
    application.test_client_class = IsolatedClient
    url = config["DATABASE_URL"]
    with application.app_context():
        if not copied:
            _prepare_schema(url)
        factories.bind(db.session)
        yield application
        empty_database(url)
        db.engine.dispose()


@pytest.fixture
def app(app_config):
    """An app with an empty database, inside an app context."""
    with running_app(app_config) as application:
        yield application


@pytest.fixture
def redis_url():
    """The URL of a Redis database for this test alone, empty (see tests/services.py)."""
    with services.redis_database() as url:
        yield url


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
    return factories.first_school()


@pytest.fixture
def other_school(app):
    """Another school, for tests of school scoping."""
    return factories.second_school()


@pytest.fixture
def student(school):
    """A grade-7 student of `school`."""
    return factories.grade7_student(school)


@pytest.fixture
def teacher(school):
    """A maths teacher of `school`."""
    return factories.maths_teacher(school)


@pytest.fixture
def school_admin(school):
    """The admin of `school`."""
    return factories.admin_of(school)


@pytest.fixture
def district_admin(app):
    """A district admin."""
    return factories.district_admin()
