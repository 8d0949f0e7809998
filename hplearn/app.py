"""The application factory."""

from __future__ import annotations

import logging
import sys

from flask import Flask

from hplearn import config as app_config
from hplearn.extensions import csrf, db, limiter, login_manager, migrate


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
    app_config.load_config(app, config)
    app.json.ensure_ascii = app.config["JSON_AS_ASCII"]  # Chinese as UTF-8, not \u escapes
    register_logging(app)
    register_extensions(app)
    register_proxy(app)
    register_blueprints(app)
    register_cache(app)
    register_error_handlers(app)
    register_template_helpers(app)
    register_commands(app)
    return app


def register_logging(app: Flask) -> None:
    """Log to stderr in English, one line per record."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    app.logger.handlers[:] = [handler]
    app.logger.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    app.logger.propagate = False
    # Flask-Limiter says when its storage (Redis) is unreachable; make that reach the log too.
    limiter_logger = logging.getLogger("flask-limiter")
    limiter_logger.handlers[:] = [handler]
    limiter_logger.propagate = False


def register_extensions(app: Flask) -> None:
    """Bind the unbound extensions to this app."""
    db.init_app(app)
    _guard_session_teardown(app)
    migrate.init_app(app, db, directory=app.config.get("MIGRATIONS_DIR", _migrations_dir()))
    csrf.init_app(app)
    login_manager.init_app(app)
    _configure_limiter(app)
    from hplearn.accounts import services as account_services

    login_manager.user_loader(account_services.load_user)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "请先登录。"
    login_manager.session_protection = "strong"
    from hplearn.accounts.views import unauthorized

    login_manager.unauthorized_handler(unauthorized)


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


def _configure_limiter(app: Flask) -> None:
    redis_url = app.config.get("REDIS_URL")
    app.config.setdefault("RATELIMIT_STORAGE_URI", redis_url or "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    limiter.init_app(app)


def register_cache(app: Flask) -> None:
    """The page and search cache, invalidated when the catalog changes.

    After the blueprints: its after-commit hook must run after the search index's, or a search
    between the two could cache old results under the new generation.
    """
    from hplearn import cache

    cache.init_app(app)


def register_proxy(app: Flask) -> None:
    """Behind nginx (PROXY_COUNT proxies), take the client address and scheme from it."""
    if app.config["PROXY_COUNT"] < 0:
        raise app_config.ConfigError("PROXY_COUNT must be 0 or more")
    if app.config["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


def _migrations_dir() -> str:
    from pathlib import Path

    return str(Path(__file__).resolve().parent.parent / "migrations")


def register_blueprints(app: Flask) -> None:
    """Mount every feature's blueprint."""
    from hplearn.accounts.admin_views import bp as account_admin_bp
    from hplearn.accounts.views import bp as accounts_bp
    from hplearn.admin.views import bp as admin_bp
    from hplearn.api import bp as api_bp
    from hplearn.catalog.views import bp as catalog_bp
    from hplearn.search.views import bp as search_bp
    from hplearn.stats.views import bp as stats_bp

    app.register_blueprint(catalog_bp)
    app.register_blueprint(accounts_bp, url_prefix="/auth")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    app.register_blueprint(account_admin_bp, url_prefix="/admin/users")
    app.register_blueprint(search_bp)
    app.register_blueprint(stats_bp, url_prefix="/stats")
    register_content_blueprints(app)
    register_qa(app)


def register_content_blueprints(app: Flask) -> None:
    """Issue 4: collections, resource management, the audit log and media."""
    from hplearn.audit.views import bp as audit_bp
    from hplearn.catalog.admin_views import bp as resource_admin_bp
    from hplearn.collections.views import bp as collections_bp
    from hplearn.media.views import bp as media_bp

    app.register_blueprint(collections_bp, url_prefix="/collections")
    app.register_blueprint(resource_admin_bp, url_prefix="/admin/resources")
    app.register_blueprint(audit_bp, url_prefix="/admin/audit")
    app.register_blueprint(media_bp)


def register_qa(app: Flask) -> None:
    """The Q&A board and the notifications inbox it feeds."""
    from hplearn import notifications, qa
    from hplearn.notifications.views import bp as notifications_bp
    from hplearn.qa.views import bp as qa_bp

    qa.init_app(app)
    notifications.init_app(app)
    app.register_blueprint(qa_bp, url_prefix="/qa")
    app.register_blueprint(notifications_bp, url_prefix="/notifications")


def register_error_handlers(app: Flask) -> None:
    """HTML error pages for the site, JSON errors for the API."""
    from hplearn.errors import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    """Filters and globals templates may use."""
    from hplearn.templating import register

    register(app)


def register_commands(app: Flask) -> None:
    """Attach the hplearn CLI commands to app.cli."""
    from hplearn.cli import register

    register(app)
