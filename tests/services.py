"""The services the test suite uses: only those it starts itself or is given explicitly.

Environment (all optional):
  HPLEARN_TEST_POSTGRES_SERVER  a PostgreSQL server, e.g. postgresql+psycopg://postgres@127.0.0.1:5432:
                                the whole suite runs on PostgreSQL, in databases it creates there
                                (named hplearn_t<8 hex>_..., a new random prefix per run and per
                                xdist worker) and drops at the end. A database in the URL is only
                                the one connected to for CREATE/DROP DATABASE (default postgres).
  HPLEARN_TEST_DATABASE_URL     the older spelling: its server part is used as above; the database
                                it names is connected to, never emptied, changed or dropped.
  HPLEARN_TEST_REDIS_URL        a Redis database the suite may empty. Tests that use it hold a lock
                                file, so one of them runs at a time, even across workers and runs.

Without them the suite starts what it needs, lazily, once per process (per xdist worker), and
stops it at the end: redis-server on a free loopback port in a temporary folder, and for the
tests that need PostgreSQL on an SQLite run, a PostgreSQL cluster of its own (initdb in a
temporary folder, as the postgres user when run as root). A service that can be neither given nor
started skips the tests that need it; with CI=true it fails them.

Nothing here ever empties, drops or restarts what the suite did not create.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import glob
import hashlib
import itertools
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
RUN_PREFIX = f"hplearn_t{secrets.token_hex(4)}"
START_TIMEOUT = 30


def skip_or_fail(reason: str):
    """Skip locally; in CI a missing service or browser is a failure."""
    if IN_CI:
        pytest.fail(f"{reason} (required in CI)")
    pytest.skip(reason)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())


# --- PostgreSQL --------------------------------------------------------------------------------


def given_postgres_url() -> str | None:
    """The PostgreSQL server the environment gives the suite, if any."""
    return (os.environ.get("HPLEARN_TEST_POSTGRES_SERVER")
            or os.environ.get("HPLEARN_TEST_DATABASE_URL") or None)


GIVEN_POSTGRES = given_postgres_url()  # (read once: some tests clear HPLEARN_* variables)
GIVEN_REDIS = os.environ.get("HPLEARN_TEST_REDIS_URL") or None
ON_POSTGRES = GIVEN_POSTGRES is not None


def _libpq(url) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


class PostgresServer:
    """A PostgreSQL server on which this process creates, and drops, only its own databases."""

    def __init__(self, url: str, own: OwnPostgres | None = None):
        from sqlalchemy.engine import make_url

        parsed = make_url(url)
        if parsed.drivername in ("postgres", "postgresql"):
            parsed = parsed.set(drivername="postgresql+psycopg")
        self._server = parsed.set(database=None)
        self._maintenance = parsed.set(database=parsed.database or "postgres")
        self.own = own
        self.created: set[str] = set()

    def __str__(self) -> str:
        return self._server.render_as_string(hide_password=True)

    def url(self, name: str) -> str:
        """The SQLAlchemy URL of one database on this server."""
        return self._server.set(database=name).render_as_string(hide_password=False)

    def _connect(self):
        import psycopg

        return psycopg.connect(_libpq(self._maintenance), autocommit=True, connect_timeout=5)

    def check(self) -> None:
        """Raise psycopg.OperationalError unless the server answers."""
        with self._connect() as connection:
            connection.execute("SELECT 1")

    def create_database(self, suffix: str, template: str | None = None) -> str:
        """Create RUN_PREFIX_suffix (again, if this run made it before); return its URL."""
        name = f"{RUN_PREFIX}_{suffix}"
        with self._connect() as connection:
            if name in self.created:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            copy = f' TEMPLATE "{template}"' if template else ""
            connection.execute(f'CREATE DATABASE "{name}"{copy}')
        self.created.add(name)
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop a database this process created; refuse any other."""
        if name not in self.created:
            raise AssertionError(f"refusing to drop {name!r}: this test run did not create it")
        with self._connect() as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.created.discard(name)

    def drop_created(self) -> None:
        """Drop every database this process created."""
        for name in sorted(self.created):
            with contextlib.suppress(Exception):
                self.drop_database(name)


def _postgres_bindir() -> Path | None:
    candidates = []
    if shutil.which("pg_config"):
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            candidates.append(subprocess.run(["pg_config", "--bindir"], capture_output=True,
                                             text=True, check=True).stdout.strip())
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                         key=lambda p: int(p.split("/")[-2]) if p.split("/")[-2].isdigit() else 0,
                         reverse=True)
    if shutil.which("initdb"):
        candidates.append(str(Path(shutil.which("initdb")).parent))
    for folder in candidates:
        if folder and (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    return None


class OwnPostgres:
    """A PostgreSQL cluster of this process: a temporary folder, a free port, trust on loopback."""

    def __init__(self):
        bindir = _postgres_bindir()
        if bindir is None:
            raise RuntimeError("no PostgreSQL programs (initdb, pg_ctl) installed")
        self._bindir = bindir
        self._as = []
        self.folder = Path(tempfile.mkdtemp(prefix="hplearn-test-pg-"))
        if os.geteuid() == 0:  # initdb refuses root: the cluster belongs to the postgres user
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError as error:
                raise RuntimeError("running as root and there is no postgres user") from error
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]
        self.data = self.folder / "data"
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync", "--no-instructions")
        self.port = 0
        self.start()

    def _run(self, program: str, *args: str, timeout: float = 120) -> None:
        result = subprocess.run([*self._as, str(self._bindir / program), *args],
                                capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0:
            raise RuntimeError(f"{program} failed: {result.stdout[-1500:]} {result.stderr[-1500:]}")

    def _pg_ctl(self, action: str, *args: str) -> None:
        self._run("pg_ctl", action, "-D", str(self.data), "-w", "-t", str(START_TIMEOUT), *args)

    def _options(self) -> str:
        # Durability is not under test here: fsync off keeps create/drop database fast.
        return (f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.folder} "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                "-c max_connections=200")

    def start(self) -> None:
        """Start on a free port (another if the one picked was taken meanwhile)."""
        for attempt in range(3):
            self.port = free_port()
            try:
                self._pg_ctl("start", "-l", str(self.folder / "server.log"), "-o", self._options())
                return
            except RuntimeError:
                if attempt == 2:
                    raise

    def restart(self) -> None:
        """Restart (fast shutdown), as an operator restarting the database would."""
        self._pg_ctl("restart", "-m", "fast", "-l", str(self.folder / "server.log"),
                     "-o", self._options())

    @property
    def url(self) -> str:
        """Its SQLAlchemy URL, database postgres."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        """Stop it and remove its folder."""
        with contextlib.suppress(Exception):
            self._pg_ctl("stop", "-m", "immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


_postgres: dict[str, PostgresServer] = {}


def own_postgres() -> PostgresServer:
    """This process's own PostgreSQL cluster (started on first use); skip or fail if impossible."""
    if "own" not in _postgres:
        try:
            cluster = OwnPostgres()
        except (RuntimeError, OSError, subprocess.SubprocessError) as error:
            skip_or_fail(f"cannot start a PostgreSQL for the tests: {_one_line(error)}")
        _postgres["own"] = PostgresServer(cluster.url, own=cluster)
    return _postgres["own"]


def postgres() -> PostgresServer:
    """The server for PostgreSQL databases: the one given, else this process's own."""
    given = GIVEN_POSTGRES
    if given is None:
        return own_postgres()
    if "given" not in _postgres:
        import psycopg

        server = PostgresServer(given)
        try:
            server.check()
        except psycopg.OperationalError as error:
            skip_or_fail(f"PostgreSQL at {server} unreachable: {_one_line(error)}")
        _postgres["given"] = server
    return _postgres["given"]


def fresh_postgres_database(suffix: str) -> str:
    """Create (or create again) this run's database PREFIX_suffix; return its URL."""
    return postgres().create_database(suffix)


def drop_postgres_database(url: str) -> None:
    """Drop a database made by fresh_postgres_database (and nothing else)."""
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    for server in _postgres.values():
        if name in server.created:
            server.drop_database(name)
            return
    raise AssertionError(f"refusing to drop {name!r}: this test run did not create it")


def _die_with_parent() -> None:
    """In the child: be sent SIGTERM when the test process dies, however it dies (Linux)."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


# --- Redis -------------------------------------------------------------------------------------


class OwnRedis:
    """redis-server of this process: a free loopback port, a temporary folder, no persistence."""

    DATABASES = 64

    def __init__(self):
        if not shutil.which("redis-server"):
            raise RuntimeError("redis-server is not installed")
        self.folder = Path(tempfile.mkdtemp(prefix="hplearn-test-redis-"))
        self.process: subprocess.Popen | None = None
        self._numbers = itertools.count()
        for attempt in range(3):
            self.port = free_port()
            if self._start():
                return
            if attempt == 2:
                raise RuntimeError(f"redis-server did not start: {self._log()[-1500:]}")

    def _log(self) -> str:
        log = self.folder / "redis.log"
        return log.read_text(errors="replace") if log.exists() else ""

    def _start(self) -> bool:
        import redis

        self.process = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
             "--appendonly", "no", "--dir", str(self.folder), "--databases", str(self.DATABASES),
             "--logfile", str(self.folder / "redis.log")],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=_die_with_parent,
        )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                redis.Redis(port=self.port, socket_connect_timeout=1).ping()
                return True
            except redis.RedisError:
                time.sleep(0.05)
        self.process.kill()
        return False

    def database(self) -> str:
        """The URL of a database no earlier test of this process used, emptied."""
        import redis

        url = f"redis://127.0.0.1:{self.port}/{next(self._numbers) % self.DATABASES}"
        redis.Redis.from_url(url).flushdb()
        return url

    def stop(self) -> None:
        """Stop it and remove its folder."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        shutil.rmtree(self.folder, ignore_errors=True)


_redis: list[OwnRedis] = []


@contextlib.contextmanager
def redis_database():
    """A Redis database for one test alone, empty; yields its URL."""
    given = GIVEN_REDIS
    if given:
        yield from _given_redis(given)
        return
    if not _redis:
        try:
            _redis.append(OwnRedis())
        except (RuntimeError, OSError) as error:
            skip_or_fail(f"cannot start a Redis for the tests: {_one_line(error)}")
    yield _redis[0].database()


def _given_redis(url: str):
    import redis

    digest = hashlib.sha256(url.encode()).hexdigest()[:16]
    lock_path = Path(tempfile.gettempdir()) / f"hplearn-test-redis-{digest}.lock"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the given database is for one test at a time
        try:
            redis.Redis.from_url(url, socket_connect_timeout=2).flushdb()
        except redis.RedisError as error:
            skip_or_fail(f"Redis at {url} unreachable: {error}")
        try:
            yield url
        finally:
            with contextlib.suppress(redis.RedisError):
                redis.Redis.from_url(url, socket_connect_timeout=2).flushdb()


# --- temporary files --------------------------------------------------------------------------

BASETEMP_PREFIX = "hplearn-pytest-"


def memory_folder() -> Path | None:
    """Where the run's temporary files go: HPLEARN_TEST_TMP, else /dev/shm (memory) if usable.

    Every test writes an SQLite database, an instance folder and a search index; on a disk each
    commit waits for fsync and the cleanup for thousands of unlinks. In memory neither costs.
    """
    given = os.environ.get("HPLEARN_TEST_TMP")
    if given:
        return Path(given)
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK | os.X_OK):
        return shm
    return None


def new_basetemp(folder: Path) -> Path:
    """A new folder for this run's temporary files (pytest's basetemp is its run/ subfolder)."""
    _remove_stale_basetemps(folder)
    run = Path(tempfile.mkdtemp(prefix=BASETEMP_PREFIX, dir=folder))
    (run / "pid").write_text(str(os.getpid()))
    return run / "run"


def _remove_stale_basetemps(folder: Path) -> None:
    """Folders kept by earlier runs that failed (for a look inside), once their run has ended."""
    for old in folder.glob(BASETEMP_PREFIX + "*"):
        try:
            if old.stat().st_uid != os.getuid():
                continue
            pid = int((old / "pid").read_text())
        except (OSError, ValueError):
            continue
        try:
            os.kill(pid, 0)
            continue  # that run goes on
        except ProcessLookupError:
            shutil.rmtree(old, ignore_errors=True)
        except PermissionError:
            continue


def remove_basetemp(basetemp: Path) -> None:
    """Remove a folder made by new_basetemp."""
    shutil.rmtree(basetemp.parent, ignore_errors=True)


# --- the end -----------------------------------------------------------------------------------


_cleanups: list = []


def on_shutdown(function) -> None:
    """Call function() when the process's services stop (at the end of the run)."""
    _cleanups.append(function)


def shutdown() -> None:
    """Drop this process's databases and stop the services it started."""
    while _cleanups:
        with contextlib.suppress(Exception):
            _cleanups.pop()()
    for server in list(_postgres.values()):
        if server.own is None:
            server.drop_created()
        else:
            server.own.stop()
    _postgres.clear()
    for server in _redis:
        server.stop()
    _redis.clear()


atexit.register(shutdown)
