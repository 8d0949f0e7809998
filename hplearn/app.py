"""The application factory: the core, then every feature through its one door.

A feature is one package under hplearn/ with one `init_app(app)` that registers everything it
brings: blueprints, API routes, settings, search document types, cache kinds, after-commit
handlers, signals, CLI commands, periodic jobs, demo content and template helpers. Adding a
feature means adding its name to FEATURES (docs/architecture.md shows how).
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import sys

from flask import Flask

from hplearn import bodylimits, settings
from hplearn import config as app_config
from hplearn.extensions import csrf, db, limiter, login_manager, migrate

# In this order: a feature may use the core and the services and models of those before it,
# never their views and never one after it (the import-linter contracts in setup.cfg check).
FEATURES = (
    "audit",
    "notifications",
    "accounts",
    "catalog",
    "media",
    "resource_admin",
    "collections",
    "qa",
    "stats",
    "afterschool",
    "parents",
    "homework",
    "news",
    "exercises",
    "contributions",
    "learning",
    "admin",
)


def create_app(config: dict | None = None) -> Flask:
    """Build a configured hplearn application; config overrides everything else (tests)."""
    app = Flask(
        __name__,
        instance_path=(config or {}).get("INSTANCE_PATH") or app_config.instance_path_from_env(),
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="../static",
    )
    from hplearn.request_class import HplearnRequest

    app.request_class = HplearnRequest
    settings.start(app, config)
    app_config.load_core_settings(app)
    settings.pass_on_undeclared(app)
    app.json.ensure_ascii = app.config["JSON_AS_ASCII"]  # Chinese as UTF-8, not \u escapes
    register_logging(app)
    load_models()
    register_core(app)
    for name in FEATURES:
        importlib.import_module(f"hplearn.{name}").init_app(app)
    from hplearn import api

    api.register(app)
    settings.finish(app)
    return app


def load_models() -> None:
    """Import every feature's models, so relationships between features resolve (idempotent)."""
    importlib.import_module("hplearn.scheduler")  # the core's own table: job_runs
    for name in FEATURES:
        if importlib.util.find_spec(f"hplearn.{name}.models") is not None:
            importlib.import_module(f"hplearn.{name}.models")


def register_logging(app: Flask) -> None:
    """Log to stderr in English, one line per record."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    app.logger.handlers[:] = [handler]
    app.logger.setLevel(app.config["LOG_LEVEL"])
    app.logger.propagate = False
    # Flask-Limiter says when its storage (Redis) is unreachable; make that reach the log too.
    limiter_logger = logging.getLogger("flask-limiter")
    limiter_logger.handlers[:] = [handler]
    limiter_logger.propagate = False


def register_core(app: Flask) -> None:
    """What every feature stands on: extensions, commit dispatch, search, cache, errors, CLI."""
    from hplearn import cache, dispatch, errors, inputs, jobs, security, templating
    from hplearn.cli import register_core_commands
    from hplearn.search import engine

    # First: a body over its route's limit is refused before anything reads it (inputs' check
    # reads JSON bodies, the sign-in limiter form bodies); then inputs' converter before any
    # route and its check before any other hook.
    bodylimits.init_app(app)
    inputs.init_app(app)
    register_extensions(app)
    register_proxy(app)
    dispatch.init_app(app)
    engine.init_app(app)
    cache.init_app(app)
    errors.register(app)
    security.init_app(app)
    templating.register(app)
    jobs.init_app(app)
    register_core_commands(app)


def register_extensions(app: Flask) -> None:
    """Bind the unbound extensions to this app."""
    db.init_app(app)
    _guard_session_teardown(app)
    migrate.init_app(app, db, directory=app.config.get("MIGRATIONS_DIR", _migrations_dir()))
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)


def _guard_session_teardown(app: Flask) -> None:
    """Swap Flask-SQLAlchemy's session teardown for one that survives a dead connection.

    When PostgreSQL restarts after the response is built, the teardown's ROLLBACK fails; the
    stock teardown lets that escape the WSGI app, so the server logs a traceback and the client
    gets a bare 500 for a page that had rendered fine.
    """
    app.teardown_appcontext_funcs.remove(db._teardown_session)
    app.teardown_appcontext(remove_session_safely)


def remove_session_safely(exc: BaseException | None = None) -> None:
    """End the request's database session; a connection lost meanwhile is logged, not raised."""
    from flask import current_app
    from sqlalchemy.exc import SQLAlchemyError

    try:
        db.session.remove()
    except SQLAlchemyError as error:
        db.session.registry.clear()  # remove() stops before this when close() raises
        current_app.logger.warning(
            "database session closed with an error: %s: %s",
            type(error).__name__, " ".join(str(error).split())[:300],
        )


def register_proxy(app: Flask) -> None:
    """Behind nginx (PROXY_COUNT proxies), take the client address and scheme from it.

    PROXY_COUNT must equal the proxies really in front: one more, and every client can name
    its own address in X-Forwarded-For (see security.ProxyCountCheck, which warns).
    """
    if app.config["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        from hplearn.security import ProxyCountCheck

        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
        app.wsgi_app = ProxyCountCheck(app.wsgi_app, count, app.logger)


def _migrations_dir() -> str:
    from pathlib import Path

    return str(Path(__file__).resolve().parent.parent / "migrations")
