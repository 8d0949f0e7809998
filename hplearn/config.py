"""Configuration: defaults in code, then the instance folder, then HPLEARN_* variables."""

import os
import secrets
from pathlib import Path

ENV_PREFIX = "HPLEARN"


class Defaults:
    """Settings every deployment starts from."""

    SEARCH_BACKEND = "whoosh"
    REDIS_URL = None
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None
    MAX_CONTENT_LENGTH = 512 * 1024 * 1024
    PER_PAGE = 20
    MAX_PER_PAGE = 50
    LINK_CHECK_TIMEOUT = 5.0
    LINK_CHECK_CONCURRENCY = 8
    CONTENT_DIR = str(Path(__file__).resolve().parent.parent / "content")
    JSON_AS_ASCII = False
    # Media uploads (issue 4): per-kind size limits in bytes; env: HPLEARN_MEDIA_MAX_BYTES__video=…
    MEDIA_MAX_BYTES = {
        "video": 500 * 1024 * 1024,
        "document": 50 * 1024 * 1024,
        "image": 10 * 1024 * 1024,
        "captions": 2 * 1024 * 1024,
    }
    # e.g. "/protected-media/": nginx sends the bytes (X-Accel-Redirect), see docs/deploy.md.
    MEDIA_ACCEL_REDIRECT = None


def instance_path_from_env() -> str:
    """Return the absolute instance folder named by HPLEARN_INSTANCE (default ./instance)."""
    return str(Path(os.environ.get(f"{ENV_PREFIX}_INSTANCE", "instance")).resolve())


def load_config(app, overrides=None) -> None:
    """Fill app.config from defaults, the instance folder, the environment and overrides."""
    app.config.from_object(Defaults)
    app.config.from_pyfile("hplearn.cfg", silent=True)
    app.config.from_prefixed_env(ENV_PREFIX)
    if overrides:
        app.config.update(overrides)
    _derive_database_uri(app)
    _ensure_secret_key(app)


def _derive_database_uri(app) -> None:
    url = app.config.get("DATABASE_URL")
    if url:
        app.config["SQLALCHEMY_DATABASE_URI"] = _normalise_database_url(url)
    elif not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = (
            "sqlite:///" + os.path.join(app.instance_path, "hplearn.sqlite3")
        )
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "connect_args": {"timeout": 30},
        }


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
    scratch.write_text(text)
    scratch.chmod(0o600)
    try:
        os.link(scratch, path)
    except FileExistsError:
        pass
    finally:
        scratch.unlink()
