"""The migration that adds the role and status CHECK constraints, on SQLite and PostgreSQL.

Values that differ only by case or spaces are corrected; any other value stops the upgrade
with a message that names it; afterwards the database refuses values outside the enums.
"""

from __future__ import annotations

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError

from hplearn.catalog.models import Resource
from hplearn.extensions import db
from tests.migration_apps import app_at_revision, execute, insert_school, insert_user

BEFORE = "f09fd06b232c"
THIS = "d3a8c6f41e27"


@pytest.fixture
def migrated_app(tmp_path):
    """An app on an empty database: its own SQLite file, or a PostgreSQL database of this run."""
    with app_at_revision(tmp_path, "enum", BEFORE) as app:
        yield app


def _add_school_and_user(role: str) -> None:
    insert_school()
    insert_user(1, role)


def test_upgrade_corrects_case_and_spaces(migrated_app):
    _add_school_and_user(" Teacher ")
    upgrade(revision=THIS)
    assert execute("SELECT role FROM users").scalar_one() == "teacher"


def test_upgrade_refuses_an_unknown_value_and_names_it(migrated_app, capfd):
    _add_school_and_user("parent")
    with pytest.raises(SystemExit) as stopped:  # Flask-Migrate logs the error and exits 1
        upgrade(revision=THIS)
    assert stopped.value.code == 1
    assert "users.role = 'parent' in 1 row" in capfd.readouterr().err
    db.engine.dispose()
    assert execute("SELECT role FROM users").scalar_one() == "parent"  # nothing changed


def test_after_upgrade_the_database_refuses_values_outside_the_enums(migrated_app):
    _add_school_and_user("student")
    upgrade(revision=THIS)
    names = {c["name"] for c in inspect(db.engine).get_check_constraints("users")}
    assert "ck_users_role" in names
    with pytest.raises(IntegrityError):
        execute("UPDATE users SET role = 'parent'")
    db.session.add(Resource(source="t", external_id="r1", title="资源", kind="article",
                            status="deleted"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_downgrade_removes_the_constraints(migrated_app):
    _add_school_and_user("student")
    upgrade(revision=THIS)
    downgrade(revision=BEFORE)
    execute("UPDATE users SET role = 'parent'")
    assert execute("SELECT role FROM users").scalar_one() == "parent"
