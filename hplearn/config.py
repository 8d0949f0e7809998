"""The core's settings, and what is derived from them (database URI, secret key, cookies).

Features declare their own settings in their package (see hplearn.settings); this table holds
the ones the core and Flask's extensions read.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from hplearn.settings import ConfigError, Setting, declare

__all__ = ["CORE_SETTINGS", "ConfigError", "instance_path_from_env", "load_core_settings"]

CONTENT_DIR = str(Path(__file__).resolve().parent.parent / "content")
SEARCH_BACKENDS = ("whoosh", "postgres")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")

CORE_SETTINGS = (
    Setting("DATABASE_URL", "str", None, "SQLAlchemy URL: `sqlite:///…` or `postgresql+psycopg://…` "
            "(`postgres://…` and `postgresql://…` are accepted and mean psycopg 3)", optional=True,
            default_text="`sqlite:///<instance>/hplearn.sqlite3`"),
    Setting("SEARCH_BACKEND", "str", "whoosh", "`whoosh` (index in the instance folder) or `postgres` "
            "(PostgreSQL full-text search)", choices=SEARCH_BACKENDS),
    Setting("SECRET_KEY", "str", None, "signs sessions; set the same value on every server of one site",
            optional=True, secret=True,
            default_text="generated once into `<instance>/secret_key` (mode 0600) and reused; never "
                         "written when this variable or `SECRET_KEY` in `hplearn.cfg` is set"),
    Setting("REDIS_URL", "str", None, "optional `redis://…` shared storage for rate limits and caches, "
            "needed when several server processes run", optional=True,
            default_text="none: each process keeps its own"),
    Setting("SITE_URL", "str", "", "the site's public address (`https://…`): absolute URLs in the API "
            "and in mail are built from it, never from the request's Host header",
            check=lambda value: _check_site_url(value)),
    Setting("CONTENT_DIR", "str", CONTENT_DIR, "the folder of demo and starter content, word lists "
            "and synonyms", default_text="`content/` of the checkout"),
    Setting("LOG_LEVEL", "str", "INFO", "how much goes to standard error", choices=LOG_LEVELS),
    Setting("PROXY_COUNT", "int", 0, "the number of reverse proxies in front of the server (nginx: 1); "
            "the client address and scheme are taken from them. Must equal the proxies really "
            "there: with more, clients forge their address in `X-Forwarded-For` (a warning is "
            "logged when a request arrives without it)", minimum=0),
    Setting("PER_PAGE", "int", 20, "results per page of lists and searches", positive=True),
    Setting("MAX_PER_PAGE", "int", 50, "the largest `per_page` a client may ask for", positive=True),
    Setting("MAX_CONTENT_LENGTH", "int", 512 * 1024 * 1024, "the largest request body in bytes, "
            "of any route (uploads included)", positive=True),
    Setting("MAX_BODY_BYTES", "int", 512 * 1024, "the largest request body in bytes of a route "
            "that takes no upload (JSON, forms; sign-in too); upload routes take their kind's "
            "`MEDIA_MAX_BYTES`", positive=True),
    Setting("SESSION_COOKIE_SECURE", "bool", False, "send cookies over HTTPS only: set `true` behind "
            "HTTPS (the remember cookie follows)"),
    Setting("CACHE_TTL", "int", 300, "seconds a cached page or search result is kept", positive=True),
    Setting("CACHE_MAX_LOCAL_ENTRIES", "int", 512, "entries each process keeps without Redis",
            positive=True),
    Setting("CACHE_MAX_LOCAL_BYTES", "int", 32 * 1024 * 1024, "bytes of cached pages and search "
            "results each process keeps without Redis", positive=True),
    Setting("CACHE_PAGES", "bool", True, "cache anonymous renders of the home and topic pages"),
    Setting("RUN_JOBS_IN_PROCESS", "bool", True, "`hplearn run` also runs the periodic jobs and "
            "sends the mail outbox in a thread of its own; set `false` when `hplearn worker` runs "
            "them (gunicorn never does)"),
    Setting("WORKER_LOCK", "str", "auto", "how one worker among many is chosen to run the jobs: "
            "`postgres` (an advisory lock), `redis` (a key with a time to live), `file` (a lock "
            "file beside the SQLite database, one machine only) or `auto` (postgres on "
            "PostgreSQL, else redis with `HPLEARN_REDIS_URL`, else file)",
            choices=("auto", "postgres", "redis", "file")),
)

# Flask and extension settings hplearn fixes for every site (not meant to be changed).
FIXED = {
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,
    "JSON_AS_ASCII": False,
    "RATELIMIT_HEADERS_ENABLED": False,  # errors.error_headers says why
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    "RATELIMIT_SWALLOW_ERRORS": True,
}


def _check_site_url(value: str) -> None:
    from hplearn.security import check_site_url

    check_site_url(value)


def instance_path_from_env() -> str:
    """Return the absolute instance folder named by HPLEARN_INSTANCE (default ./instance)."""
    return str(Path(os.environ.get("HPLEARN_INSTANCE", "instance")).resolve())


def load_core_settings(app) -> None:
    """Declare the core's settings and derive what depends on them."""
    for name, value in FIXED.items():
        app.config[name] = value.copy() if isinstance(value, dict) else value
    declare(app, CORE_SETTINGS, owner="core")
    _derive_database_uri(app)
    if app.config["SESSION_COOKIE_SECURE"]:
        app.config["REMEMBER_COOKIE_SECURE"] = True
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")
    _ensure_secret_key(app)


def _derive_database_uri(app) -> None:
    url = app.config.get("DATABASE_URL")
    if url:
        app.config["SQLALCHEMY_DATABASE_URI"] = _normalise_database_url(url)
    elif not app.config.get("SQLALCHEMY_DATABASE_URI"):
        # With HPLEARN_SECRET_KEY set nothing else creates the folder the database goes in.
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = (
            "sqlite:///" + os.path.join(app.instance_path, "hplearn.sqlite3")
        )
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 30}}


def _normalise_database_url(url: str) -> str:
    # Plain postgres:// URLs would pick psycopg2, which we do not install.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _ensure_secret_key(app) -> None:
    if app.config.get("SECRET_KEY"):
        return
    key_file = Path(app.instance_path) / "secret_key"
    if not key_file.exists():
        _write_once(key_file, secrets.token_hex(32))
    app.config["SECRET_KEY"] = key_file.read_text().strip()


def _write_once(path: Path, text: str) -> None:
    # Several workers may start at once: write aside, then link, so the first one wins whole.
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(f".{path.name}.{os.getpid()}")
    descriptor = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)
    try:
        os.link(scratch, path)
    except FileExistsError:
        pass
    finally:
        scratch.unlink()
