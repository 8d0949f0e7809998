"""An app on an empty database of its own, migrated to one revision, for migration tests."""

from __future__ import annotations

import os
from contextlib import contextmanager

from flask_migrate import upgrade
from sqlalchemy import text

from hplearn.app import create_app
from hplearn.extensions import db
from tests import services
from tests.conftest import ON_POSTGRES, make_test_config


@contextmanager
def app_at_revision(tmp_path, name: str, revision: str):
    """Its own SQLite file, or a PostgreSQL database of this run (dropped afterwards)."""
    url = (services.fresh_postgres_database(f"{name}{os.getpid()}") if ON_POSTGRES
           else f"sqlite:///{tmp_path / f'{name}.sqlite3'}")
    app = create_app(make_test_config(tmp_path, DATABASE_URL=url))
    with app.app_context():
        upgrade(revision=revision)
        yield app
        db.session.remove()
        db.engine.dispose()
    if ON_POSTGRES:
        services.drop_postgres_database(url)


def execute(sql: str, **values):
    """Run one SQL statement in its own transaction (the models may be ahead of the schema)."""
    with db.engine.begin() as connection:
        return connection.execute(text(sql), values)


def insert_school() -> None:
    """School 1, in plain SQL."""
    execute("INSERT INTO schools (id, code, name, stage, created_at) "
            "VALUES (1, 's1', '一校', '小学', CURRENT_TIMESTAMP)")


def insert_user(user_id: int, role: str, display_name: str = "") -> None:
    """An account of school 1 named u<id>, in plain SQL with the columns every revision has."""
    execute("INSERT INTO users (id, username, display_name, password_hash, role, school_id, "
            "subjects, grades, is_counsellor, active, must_change_password, created_at) "
            "VALUES (:id, :username, :name, '', :role, 1, '[]', '[]', false, true, false, "
            "CURRENT_TIMESTAMP)", id=user_id, username=f"u{user_id}", name=display_name, role=role)
