"""Configuration: defaults in code, then the instance folder, then HPLEARN_* variables."""

import os
import secrets
from pathlib import Path

ENV_PREFIX = "HPLEARN"
# Read verbatim: from_prefixed_env would turn a key like "1234" into a number.
SEARCH_BACKENDS = ("whoosh", "postgres")
STRING_SETTINGS = ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "SEARCH_BACKEND", "MEDIA_DIR")


class ConfigError(ValueError):
    """A setting hplearn cannot work with; the message names the setting and the fix."""


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
    # Failed sign-ins allowed per window; an address is often a whole school behind one NAT.
    LOGIN_LIMIT_PER_ACCOUNT = "5 per 15 minutes"
    LOGIN_LIMIT_PER_ADDRESS = "50 per 15 minutes"
    WTF_CSRF_TIME_LIMIT = None
    MAX_CONTENT_LENGTH = 512 * 1024 * 1024
    PER_PAGE = 20
    MAX_PER_PAGE = 50
    LINK_CHECK_TIMEOUT = 5.0
    LINK_CHECK_CONCURRENCY = 8
    CONTENT_DIR = str(Path(__file__).resolve().parent.parent / "content")
    JSON_AS_ASCII = False
    # Production (docs/deploy.md): page and search cache, proxies in front of gunicorn.
    CACHE_TTL = 300
    CACHE_MAX_LOCAL_ENTRIES = 512
    CACHE_PAGES = True
    PROXY_COUNT = 0
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
    _read_instance_file(app)
    app.config.from_prefixed_env(ENV_PREFIX)
    for name in STRING_SETTINGS:
        if f"{ENV_PREFIX}_{name}" in os.environ:
            app.config[name] = os.environ[f"{ENV_PREFIX}_{name}"]
    if overrides:
        app.config.update(overrides)
    _check_settings(app.config)
    _derive_database_uri(app)
    _secure_cookies_over_https(app)
    _ensure_secret_key(app)


def _read_instance_file(app) -> None:
    path = Path(app.instance_path) / "hplearn.cfg"
    try:
        app.config.from_pyfile(path, silent=True)
    except Exception as error:  # noqa: BLE001 - any mistake in the file is reported the same way
        raise ConfigError(f"cannot read {path}: {type(error).__name__}: {error}") from None


def _check_settings(config) -> None:
    # Settings whose default is a positive number must stay one, or pages would fail later.
    for name, default in vars(Defaults).items():
        if not name.isupper() or isinstance(default, bool) or not isinstance(default, (int, float)):
            continue
        value = config.get(name)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (
            value <= 0 < default
        ):
            raise ConfigError(f"{name} must be a positive number, not {value!r}")
    if config.get("SEARCH_BACKEND") not in SEARCH_BACKENDS:
        raise ConfigError(
            f"SEARCH_BACKEND must be one of {', '.join(SEARCH_BACKENDS)}, "
            f"not {config.get('SEARCH_BACKEND')!r}"
        )


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
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "connect_args": {"timeout": 30},
        }


def _secure_cookies_over_https(app) -> None:
    # HPLEARN_SESSION_COOKIE_SECURE=true (served over HTTPS) marks the remember cookie too.
    if app.config.get("SESSION_COOKIE_SECURE"):
        app.config["REMEMBER_COOKIE_SECURE"] = True


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
