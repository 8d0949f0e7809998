"""The migration that stores students' aliases, on SQLite and PostgreSQL (issue 11, item 2).

Every existing account gets its own random code; a display name that was the old, id-derived
alias becomes the new alias, and a real display name is left alone.
"""

from __future__ import annotations

import hashlib

import pytest
from flask_migrate import upgrade

from hplearn.accounts.models import ALIAS_ALPHABET, User
from hplearn.extensions import db
from tests import factories
from tests.migration_apps import app_at_revision, execute, insert_school, insert_user

BEFORE = "b4c1e7a9d2f6"
THIS = "a7c4e2b9d1f3"


@pytest.fixture
def migrated_app(tmp_path):
    """An app on an empty database migrated to just before the alias column."""
    with app_at_revision(tmp_path, "alias", BEFORE) as app:
        yield app


def _old_alias(user_id: int) -> str:
    digest = hashlib.blake2b(f"hplearn-alias:{user_id}".encode(), digest_size=3).hexdigest()
    return f"同学{digest.upper()}"


def test_upgrade_gives_every_account_a_random_alias(migrated_app):
    insert_school()
    for user_id, name in ((1, _old_alias(1)), (2, "王小明"), (3, "")):
        insert_user(user_id, "student", name)
    upgrade(revision=THIS)
    rows = dict(execute("SELECT id, alias_code FROM users").all())
    names = dict(execute("SELECT id, display_name FROM users").all())
    assert len(set(rows.values())) == 3
    assert all(len(code) == 8 and set(code) <= set(ALIAS_ALPHABET) for code in rows.values())
    assert f"同学{rows[1]}" != _old_alias(1)
    assert names == {1: f"同学{rows[1]}", 2: "王小明", 3: ""}


def test_the_alias_is_stored_and_read_back(app, school):
    student = factories.UserFactory(username="stu1", role="student", school=school)
    alias, student_id = student.alias, student.id
    db.session.expunge_all()
    assert db.session.get(User, student_id).alias == alias
    assert execute("SELECT alias_code FROM users WHERE id = :id", id=student_id).scalar_one() == alias[2:]
