"""Unbound Flask extensions, initialised by the app factory."""

import click
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import CheckConstraint, MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base whose constraints get predictable names (needed by Alembic)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class _MigrateConfig:
    """app.extensions["migrate"] as Flask-Migrate reads it, its Migrate made on first use."""

    def __init__(self, db: SQLAlchemy, directory: str) -> None:
        self.db = db
        self.directory = directory
        self._migrate = None

    @property
    def migrate(self):
        if self._migrate is None:
            from flask_migrate import Migrate

            self._migrate = Migrate(db=self.db, directory=self.directory)
        return self._migrate

    @property
    def configure_args(self) -> dict:
        return self.migrate.alembic_ctx_kwargs

    @property
    def metadata(self):
        return self.db.metadata


class _DbCommands(click.Command):
    """`hplearn db …`: Flask-Migrate's group, imported when it is run (click runs the command
    its context names, so the real group parses, helps and invokes)."""

    def make_context(self, info_name, args, parent=None, **extra):
        from flask_migrate.cli import db as commands

        return commands.make_context(info_name, args, parent=parent, **extra)


class LazyMigrate:
    """Flask-Migrate bound without importing it: Flask-Migrate, Alembic, Mako and Pygments cost
    ~11 MB a process, and only `hplearn init` and `hplearn db …` migrate (issue 16 item 6)."""

    def init_app(self, app, db: SQLAlchemy, directory: str) -> None:
        """What Migrate.init_app does: the config Flask-Migrate's functions read, the commands."""
        app.extensions["migrate"] = _MigrateConfig(db, str(directory))
        app.cli.add_command(_DbCommands("db", help="Perform database migrations."))


db = SQLAlchemy(model_class=Base)
migrate = LazyMigrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def one_of(column: str, values) -> CheckConstraint:
    """A CHECK that a string column holds one of values (an enum), named ck_<table>_<column>."""
    listed = ", ".join("'" + str(value).replace("'", "''") + "'" for value in values)
    return CheckConstraint(f"{column} IN ({listed})", name=column)
