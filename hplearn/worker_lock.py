"""One active worker among many: the lock the worker holds while it runs the periodic jobs.

Every lock has the same three calls: `acquire()` (without waiting: True if this worker now holds
it), `held()` (True while it still does: a lost connection or an expired key says False) and
`release()`. The worker that does not get it waits and asks again; when the holder dies its
lock goes with it and the next worker takes over:

- PostgresLock: `pg_try_advisory_lock` on a connection of its own, kept open while held;
  PostgreSQL releases it the moment that connection (or its process) ends.
- RedisLock: a key set only if absent, with a time to live that a thread of the holder renews;
  a holder that dies stops renewing and the key expires.
- FileLock: an exclusive lock on a file beside the SQLite database (`flock`), released by the
  operating system when the process ends; for one machine, as SQLite is.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import secrets
import threading
from pathlib import Path

from flask import Flask
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)

LOCK_NAME = "hplearn.worker"
# Advisory locks are per database, so sites sharing a PostgreSQL server do not meet.
ADVISORY_KEY = int.from_bytes(hashlib.sha256(LOCK_NAME.encode()).digest()[:8], "big", signed=True)
REDIS_TTL_SECONDS = 30


class _OutageLog:
    """Says once that a lock's server is unreachable, and once that it is back (not every beat)."""

    def __init__(self, server: str):
        self.server = server
        self.down = False

    def unreachable(self, error: Exception) -> None:
        """Log the first failure of an outage."""
        if not self.down:
            log.warning("worker lock: %s unreachable (%s); retrying", self.server,
                        type(error).__name__)
        self.down = True

    def reachable(self) -> None:
        """Log the end of an outage."""
        if self.down:
            log.info("worker lock: %s reachable again", self.server)
        self.down = False


class WorkerLockError(ValueError):
    """WORKER_LOCK names a lock this site cannot have; the message says what to set."""


class PostgresLock:
    """A session-level advisory lock held on a dedicated connection."""

    kind = "postgres"

    def __init__(self, engine: Engine, key: int = ADVISORY_KEY):
        self.engine = engine
        self.key = key
        self._connection = None
        self._outage = _OutageLog("PostgreSQL")

    def acquire(self) -> bool:
        """Take the lock if no other session holds it."""
        self.release()
        connection = None
        try:
            # Autocommit: an idle connection must not hold a transaction open for hours.
            connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            got = connection.exec_driver_sql(f"SELECT pg_try_advisory_lock({self.key})").scalar()
        except SQLAlchemyError as error:
            self._outage.unreachable(error)
            if connection is not None:
                connection.invalidate()
                connection.close()
            return False
        self._outage.reachable()
        if got:
            self._connection = connection
            return True
        connection.close()
        return False

    def held(self) -> bool:
        """Whether the lock's connection is still alive (its lock dies with it)."""
        if self._connection is None:
            return False
        try:
            self._connection.exec_driver_sql("SELECT 1")
            return True
        except SQLAlchemyError as error:
            log.warning("worker lock: its PostgreSQL connection was lost (%s)", type(error).__name__)
            self._drop()
            return False

    def release(self) -> None:
        """Give the lock up (closing its connection)."""
        if self._connection is None:
            return
        with contextlib.suppress(SQLAlchemyError):  # gone with its connection otherwise
            self._connection.exec_driver_sql(f"SELECT pg_advisory_unlock({self.key})")
        self._drop()

    def _drop(self) -> None:
        with contextlib.suppress(SQLAlchemyError):
            self._connection.invalidate()
            self._connection.close()
        self._connection = None


class RedisLock:
    """A Redis key with a time to live, renewed by a thread of the holder."""

    kind = "redis"
    _RENEW = ("if redis.call('get', KEYS[1]) == ARGV[1] then "
              "return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end")
    _DELETE = ("if redis.call('get', KEYS[1]) == ARGV[1] then "
               "return redis.call('del', KEYS[1]) else return 0 end")

    def __init__(self, url: str, key: str = f"{LOCK_NAME}.lock", ttl: float = REDIS_TTL_SECONDS):
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.errors = redis.RedisError
        self.key = key
        self.ttl_ms = int(ttl * 1000)
        self._token: str | None = None
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None
        self._outage = _OutageLog("Redis")

    def acquire(self) -> bool:
        """Set the key if it is absent; then renew it every third of its time to live."""
        self.release()
        token = secrets.token_hex(16)
        try:
            got = self.client.set(self.key, token, nx=True, px=self.ttl_ms)
        except self.errors as error:
            self._outage.unreachable(error)
            return False
        self._outage.reachable()
        if not got:
            return False
        self._token = token
        self._stop = threading.Event()
        self._renewer = threading.Thread(target=self._renew_until_stopped, daemon=True,
                                         name="hplearn-worker-lock")
        self._renewer.start()
        return True

    def held(self) -> bool:
        """Whether the key still holds this worker's token."""
        return self._token is not None and self._renew()

    def release(self) -> None:
        """Stop renewing and delete the key if it is still this worker's."""
        if self._token is None:
            return
        self._stop.set()
        with contextlib.suppress(self.errors):  # otherwise it expires by itself
            self.client.eval(self._DELETE, 1, self.key, self._token)
        self._token = None

    def _renew(self) -> bool:
        token = self._token
        try:
            renewed = token is not None and self.client.eval(self._RENEW, 1, self.key, token,
                                                             self.ttl_ms) == 1
        except self.errors as error:
            log.warning("worker lock: cannot renew it in Redis (%s)", type(error).__name__)
            renewed = False
        if not renewed and self._token == token:
            self._token = None
            self._stop.set()
        return renewed

    def _renew_until_stopped(self) -> None:
        stop = self._stop
        while not stop.wait(self.ttl_ms / 3000) and self._renew():
            pass


class FileLock:
    """An exclusive lock on a file, released by the operating system when the process ends."""

    kind = "file"

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._handle = None

    def acquire(self) -> bool:
        """Lock the file if no other process (or lock object) has it locked."""
        self.release()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+b")  # noqa: SIM115 (kept open while the lock is held)
        if not _try_lock(handle):
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n".encode())
        handle.flush()
        self._handle = handle
        return True

    def held(self) -> bool:
        """Whether this object still holds the lock."""
        return self._handle is not None

    def release(self) -> None:
        """Unlock and close the file."""
        if self._handle is not None:
            self._handle.close()  # closing the file releases the lock
            self._handle = None


def _try_lock(handle) -> bool:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False


def lock_for(app: Flask, engine: Engine):
    """The lock this app's workers share, as WORKER_LOCK says (auto: by the database)."""
    kind = app.config["WORKER_LOCK"]
    is_postgres = engine.dialect.name == "postgresql"
    if kind == "auto":
        kind = "postgres" if is_postgres else "redis" if app.config.get("REDIS_URL") else "file"
    if kind == "postgres":
        if not is_postgres:
            raise WorkerLockError("HPLEARN_WORKER_LOCK=postgres 需要 PostgreSQL 数据库"
                                  "（HPLEARN_DATABASE_URL），请改为 auto 或 file。")
        return PostgresLock(engine)
    if kind == "redis":
        if not app.config.get("REDIS_URL"):
            raise WorkerLockError("HPLEARN_WORKER_LOCK=redis 需要设置 HPLEARN_REDIS_URL，"
                                  "请设置它或改为 auto。")
        return RedisLock(app.config["REDIS_URL"])
    return FileLock(_lock_file(app, engine))


def _lock_file(app: Flask, engine: Engine) -> Path:
    database = make_url(str(engine.url)).database
    if engine.dialect.name == "sqlite" and database and database != ":memory:":
        return Path(f"{database}.worker-lock")
    return Path(app.instance_path) / "worker.lock"
