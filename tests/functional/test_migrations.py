"""The Alembic migrations build exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from hplearn.app import create_app
from hplearn.extensions import db
from tests.conftest import make_test_config


def test_migrations_match_models(tmp_path):
    # Always a fresh SQLite file: the shared PostgreSQL test database holds create_all's schema.
    app = create_app(make_test_config(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'm.sqlite3'}"))
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert differences == [], "models changed without a migration: run `hplearn db migrate`"


def test_init_command_creates_database(tmp_path):
    app = create_app(make_test_config(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'i.sqlite3'}"))
    result = app.test_cli_runner().invoke(args=["init"])
    assert result.exit_code == 0, result.output
    assert "database ready" in result.output
