"""The migration that stores students' aliases, on SQLite and PostgreSQL (issue 11, item 2).

Every existing account gets its own random code; a display name that was the old, id-derived
alias becomes the new alias, and a real display name is left alone.
"""

from __future__ import annotations

import hashlib
import os

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from hplearn.accounts.models import ALIAS_ALPHABET, User
from hplearn.app import create_app
from hplearn.extensions import db
from tests import factories, services
from tests.conftest import ON_POSTGRES, make_test_config

BEFORE = "f3c8d1e5a027"
THIS = "a7c4e2b9d1f3"


@pytest.fixture
def migrated_app(tmp_path):
    """An app on an empty database migrated to just before the alias column."""
    url = (services.fresh_postgres_database(f"alias{os.getpid()}") if ON_POSTGRES
           else f"sqlite:///{tmp_path / 'alias.sqlite3'}")
    app = create_app(make_test_config(tmp_path, DATABASE_URL=url))
    with app.app_context():
        upgrade(revision=BEFORE)
        yield app
        db.session.remove()
        db.engine.dispose()
    if ON_POSTGRES:
        services.drop_postgres_database(url)


def _old_alias(user_id: int) -> str:
    digest = hashlib.blake2b(f"hplearn-alias:{user_id}".encode(), digest_size=3).hexdigest()
    return f"同学{digest.upper()}"


def _execute(sql: str, **values):
    with db.engine.begin() as connection:
        return connection.execute(text(sql), values)


def test_upgrade_gives_every_account_a_random_alias(migrated_app):
    _execute("INSERT INTO schools (id, code, name, stage, created_at) "
             "VALUES (1, 's1', '一校', '小学', CURRENT_TIMESTAMP)")
    for user_id, name in ((1, _old_alias(1)), (2, "王小明"), (3, "")):
        _execute("INSERT INTO users (id, username, display_name, password_hash, role, school_id, "
                 "subjects, grades, is_counsellor, active, must_change_password, created_at) "
                 "VALUES (:id, :username, :name, '', 'student', 1, '[]', '[]', false, true, false, "
                 "CURRENT_TIMESTAMP)", id=user_id, username=f"u{user_id}", name=name)
    upgrade(revision=THIS)
    rows = dict(_execute("SELECT id, alias_code FROM users").all())
    names = dict(_execute("SELECT id, display_name FROM users").all())
    assert len(set(rows.values())) == 3
    assert all(len(code) == 8 and set(code) <= set(ALIAS_ALPHABET) for code in rows.values())
    assert f"同学{rows[1]}" != _old_alias(1)
    assert names == {1: f"同学{rows[1]}", 2: "王小明", 3: ""}


def test_the_alias_is_stored_and_read_back(app, school):
    student = factories.UserFactory(username="stu1", role="student", school=school)
    alias, student_id = student.alias, student.id
    db.session.expunge_all()
    assert db.session.get(User, student_id).alias == alias
    assert _execute("SELECT alias_code FROM users WHERE id = :id", id=student_id).scalar_one() == alias[2:]
