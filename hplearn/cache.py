"""Caching where it pays: anonymous renders of some pages, and search results.

Every entry is keyed by the *generation*, a token that changes after each commit that touches
a table a feature watches (watch_tables: the catalog watches resources, topics and platforms);
changed data is therefore never served from the cache, and old entries simply expire. Features
also name the pages whose anonymous renders are cached (cache_anonymous_pages).

With HPLEARN_REDIS_URL the entries and the generation live in Redis and are shared by every
worker and server; without it (or while Redis is unreachable) they live in each process, and
the generation is a small file in the instance folder so that the workers of one machine and
the `hplearn import` command still agree.

Only data that is the same for everyone is cached: page renders only for anonymous visitors
without flashed messages, and search results before anything personal is added to them.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from flask import Flask, current_app, g, has_app_context, has_request_context, request, session
from flask_login import current_user
from sqlalchemy import inspect

log = logging.getLogger(__name__)

GENERATION_KEY = "hplearn:cache:generation"
KEY_PREFIX = "hplearn:cache:"
GENERATION_FILE = "cache-generation"
CHANGED = "hplearn_catalog_changed"
REDIS_RETRY_SECONDS = 15
MEMO_MAX_ENTRIES = 256
GENERATION_OF_REQUEST = "hplearn.cache.generation"


class LocalStore:
    """A small thread-safe dict with expiry and caps on entries and bytes (least recently used
    goes first)."""

    def __init__(self, max_entries: int = 512, max_bytes: int = 32 * 1024 * 1024):
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._max_entries = max_entries
        self._max_bytes = max_bytes
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        """The stored value, or None if missing or expired."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            expires, value = entry
            if expires < time.monotonic():
                self._drop(key)
                return None
            self._entries.move_to_end(key)
            return value

    def set(self, key: str, value: bytes, ttl: int) -> None:
        """Store value for ttl seconds (not at all if it alone is over a quarter of the bytes)."""
        if len(value) > self._max_bytes // 4:
            return
        with self._lock:
            self._drop(key)
            self._entries[key] = (time.monotonic() + ttl, value)
            self._bytes += len(value)
            while len(self._entries) > self._max_entries or self._bytes > self._max_bytes:
                self._drop(next(iter(self._entries)))

    def _drop(self, key: str) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= len(entry[1])

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0


class CatalogCache:
    """The app's cache: Redis when configured and reachable, this process otherwise."""

    def __init__(self, app: Flask):
        self.ttl = app.config["CACHE_TTL"]
        self.local = LocalStore(app.config["CACHE_MAX_LOCAL_ENTRIES"],
                                app.config["CACHE_MAX_LOCAL_BYTES"])
        self._generation_file = Path(app.instance_path) / GENERATION_FILE
        self._redis = None
        self._redis_url = app.config.get("REDIS_URL")
        self._down_until = 0.0
        self._was_down = False
        self._lock = threading.Lock()
        # Python objects computed in this process from cached data, for the generation in
        # _memo_generation only (memo()).
        self._memo: OrderedDict[str, object] = OrderedDict()
        self._memo_generation = ""
        # What features registered (watch_tables, cache_anonymous_pages).
        self.watched_tables: frozenset[str] = frozenset()
        self.ignored_columns: frozenset[str] = frozenset()
        self.cached_pages: frozenset[str] = frozenset()
        self.page_query_args: frozenset[str] = frozenset()
        if self._redis_url:
            import redis

            self._redis = redis.Redis.from_url(
                self._redis_url, socket_timeout=0.5, socket_connect_timeout=0.5,
            )

    def follows(self, table: str) -> bool:
        """Whether a change to this table starts a new generation (a feature watches it)."""
        return table in self.watched_tables

    @property
    def shared(self) -> bool:
        """Whether entries are currently shared through Redis."""
        return self._reachable_redis() is not None

    def _reachable_redis(self):
        if self._redis is None or time.monotonic() < self._down_until:
            return None
        return self._redis

    def _redis_failed(self, error: Exception) -> None:
        with self._lock:
            self._down_until = time.monotonic() + REDIS_RETRY_SECONDS
            if not self._was_down:
                self._was_down = True
                _logger().warning(
                    "cache: Redis at %s unreachable (%s); caching in this process until it "
                    "returns", _without_password(self._redis_url), type(error).__name__,
                )

    def _redis_call(self, action: Callable):
        client = self._reachable_redis()
        if client is None:
            return None
        import redis

        try:
            if self._was_down:
                self._recovered(client)
            result = action(client)
        except redis.RedisError as error:
            self._redis_failed(error)
            return None
        return result

    def _recovered(self, client) -> None:
        # Changes made while Redis was away did not reach its generation: start afresh.
        with self._lock:
            if not self._was_down:
                return
            self._was_down = False
        _logger().warning("cache: Redis at %s reachable again; shared caching resumed",
                    _without_password(self._redis_url))
        client.incr(GENERATION_KEY)

    def generation(self) -> str:
        """The current catalog generation (shared through Redis when possible).

        Read once per request: every entry a request reads or writes belongs to the generation
        it started in (an entry computed before another server's change is never stored under
        the generation that change started)."""
        if has_request_context():
            known = request.environ.get(GENERATION_OF_REQUEST)
            if known is None:
                known = request.environ[GENERATION_OF_REQUEST] = self._read_generation()
            return known
        return self._read_generation()

    def _read_generation(self) -> str:
        shared = self._redis_call(lambda client: client.get(GENERATION_KEY))
        if shared is not None or self.shared:
            return "r" + (shared or b"0").decode()
        try:
            return "f" + self._generation_file.read_text().strip()
        except OSError:
            return "f0"

    def bump(self) -> None:
        """Start a new generation: every entry cached so far is out of date."""
        self._redis_call(lambda client: client.incr(GENERATION_KEY))
        self.local.clear()
        with self._lock:
            self._memo.clear()
        if has_request_context():
            request.environ.pop(GENERATION_OF_REQUEST, None)
        try:
            _write_atomically(self._generation_file, secrets.token_hex(8))
        except OSError as error:
            _logger().warning("cache: cannot write %s: %s", self._generation_file, error)

    def get(self, key: str) -> bytes | None:
        """The cached value of key in the current generation, or None."""
        full_key = f"{KEY_PREFIX}{self.generation()}:{key}"
        if self.shared:
            return self._redis_call(lambda client: client.get(full_key))
        return self.local.get(full_key)

    def set(self, key: str, value: bytes, ttl: int | None = None) -> None:
        """Cache value under key in the current generation."""
        full_key = f"{KEY_PREFIX}{self.generation()}:{key}"
        ttl = ttl or self.ttl
        if self.shared:
            self._redis_call(lambda client: client.set(full_key, value, ex=ttl))
        else:
            self.local.set(full_key, value, ttl)

    def remember_json(self, key: str, compute: Callable[[], object]):
        """The JSON-able value cached under key, computing and storing it on a miss."""
        cached = self.get(key)
        if cached is not None:
            return json.loads(cached)
        value = compute()
        self.set(key, json.dumps(value, ensure_ascii=False).encode())
        return value

    def memo(self, key: str, compute: Callable[[], object]):
        """compute()'s value, kept in this process until the generation changes.

        For values derived from cached data that cost more to rebuild on every request than
        to keep (decoded rows, counts): compute() must depend only on data the generation
        watches. At most MEMO_MAX_ENTRIES values, least recently used dropped first."""
        generation = self.generation()
        with self._lock:
            if self._memo_generation != generation:
                self._memo.clear()
                self._memo_generation = generation
            if key in self._memo:
                self._memo.move_to_end(key)
                return self._memo[key]
        value = compute()
        with self._lock:
            if self._memo_generation == generation:
                self._memo[key] = value
                while len(self._memo) > MEMO_MAX_ENTRIES:
                    self._memo.popitem(last=False)
        return value


def _logger() -> logging.Logger:
    return current_app.logger if has_app_context() else log


def _without_password(url: str | None) -> str:
    if not url or "@" not in url:
        return url or ""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://…@{rest.rpartition('@')[2]}"


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    scratch.write_text(text)
    os.replace(scratch, path)


def catalog_cache(app: Flask | None = None) -> CatalogCache:
    """The cache of app (default: the current app)."""
    app = app or current_app
    return app.extensions["hplearn_cache"]


# --- invalidation: a commit that changed cached data starts a new generation ---------------


def watch_tables(app: Flask, tables, ignored_columns=()) -> None:
    """Features name the tables whose changes make cached pages and searches stale.

    ignored_columns: columns of those tables that change often and that no cached page shows
    closely enough to care (view counters). A bulk statement that only touches such columns
    says so with `.execution_options(cache_neutral=True)`.
    """
    cache = catalog_cache(app)
    cache.watched_tables |= frozenset(tables)
    cache.ignored_columns |= frozenset(ignored_columns)


def cache_anonymous_pages(app: Flask, endpoints, query_args=("page",)) -> None:
    """Cache anonymous renders of these endpoints (the same for every visitor).

    query_args: the query arguments the pages read. The cache key holds only those, sorted and
    short; a request with any other argument (or a long value) is served but not cached, so
    nobody fills the cache with one entry per made-up URL.
    """
    cache = catalog_cache(app)
    cache.cached_pages |= frozenset(endpoints)
    cache.page_query_args |= frozenset(query_args)


def _touches_watched(cache: CatalogCache, instance) -> bool:
    table = getattr(instance, "__table__", None)
    return table is not None and table.name in cache.watched_tables


def _changed_columns_matter(cache: CatalogCache, instance) -> bool:
    state = inspect(instance)
    return any(
        state.attrs[attr.key].history.has_changes()
        for attr in state.mapper.column_attrs if attr.key not in cache.ignored_columns
    )


def _note_flush(session, flush_context) -> None:
    if session.info.get(CHANGED):
        return
    cache = catalog_cache()
    if any(_touches_watched(cache, o) for o in (*session.new, *session.deleted)) or any(
        _touches_watched(cache, o) and _changed_columns_matter(cache, o) for o in session.dirty
    ):
        session.info[CHANGED] = True


def _note_bulk_statement(execute_state) -> None:
    table = getattr(execute_state.statement, "table", None)
    if getattr(table, "name", None) not in catalog_cache().watched_tables:
        return
    if execute_state.execution_options.get("cache_neutral"):
        return
    execute_state.session.info[CHANGED] = True


def _after_commit(session) -> None:
    if session.info.pop(CHANGED, False):
        catalog_cache().bump()


def _after_rollback(session) -> None:
    session.info.pop(CHANGED, None)


# --- page cache: anonymous renders of the pages in CACHED_PAGES -----------------------------

PAGE_ARG_MAX = 32


def _page_is_cacheable() -> bool:
    cache = catalog_cache()
    return (
        request.method == "GET"
        and request.endpoint in cache.cached_pages
        and current_app.config["CACHE_PAGES"]
        and set(request.args) <= cache.page_query_args
        and all(len(value) <= PAGE_ARG_MAX for value in request.args.values())
        and not current_user.is_authenticated
        and not session.get("_flashes")
    )


def _page_key() -> str:
    args = "&".join(f"{name}={request.args[name]}" for name in sorted(request.args))
    return f"page:{request.path[:200]}?{args}"


def _serve_cached_page():
    if not _page_is_cacheable():
        return None
    g.hplearn_page_cacheable = True
    body = catalog_cache().get(_page_key())
    if body is None:
        return None
    response = current_app.response_class(body, mimetype="text/html")
    response.headers["X-Cache"] = "hit"
    return response


def _store_page(response):
    if not g.pop("hplearn_page_cacheable", False) or "X-Cache" in response.headers:
        return response
    personal = session.modified or "csrf_token" in g or response.headers.get("Set-Cookie")
    if response.status_code == 200 and response.mimetype == "text/html" and not personal:
        catalog_cache().set(_page_key(), response.get_data())
        response.headers["X-Cache"] = "miss"
    return response


def init_app(app: Flask) -> None:
    """Create the app's cache, follow commits (the "cache" phase) and serve cached pages."""
    from hplearn import dispatch

    app.extensions["hplearn_cache"] = CatalogCache(app)
    dispatch.on_flush(app, _note_flush)
    dispatch.on_bulk(app, _note_bulk_statement)
    dispatch.after_commit(app, "cache", _after_commit)
    dispatch.on_rollback(app, _after_rollback)
    app.before_request(_serve_cached_page)
    app.after_request(_store_page)
