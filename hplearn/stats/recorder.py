"""Buffering usage events and writing them in batches (see docs/statistics.md).

Each app has one Recorder: events go to a bounded in-process buffer, or with HPLEARN_REDIS_URL
to a Redis list shared by every app server, and a background thread writes them every
STATS_FLUSH_SECONDS or as soon as STATS_BATCH_SIZE wait (and once more at exit).
"""

from __future__ import annotations

import atexit
import json
import logging
import threading
import time
from collections import OrderedDict, deque
from datetime import date, datetime

log = logging.getLogger("hplearn.stats")

REDIS_KEY = "hplearn:stats:events"

DEFAULTS = {
    "STATS_BATCH_SIZE": 500,
    "STATS_BUFFER_MAX": 5000,
    "STATS_FLUSH_SECONDS": 2.0,
    "STATS_BACKGROUND_FLUSH": None,  # None: on, except when TESTING
    "STATS_REDIS_MAX": 1_000_000,
}


def setting(app, name: str):
    """A statistics setting from app.config, or its default."""
    return app.config.get(name, DEFAULTS.get(name))


class SchoolCodeCache:
    """code -> school id, refreshed every minute (schools change rarely)."""

    def __init__(self, ttl: float = 60.0):
        self.ttl = ttl
        self._ids: dict[str, int] = {}
        self._loaded_at = 0.0
        self._lock = threading.Lock()

    def lookup(self, code: str) -> int | None:
        code = (code or "").strip()
        if not code or len(code) > 32:
            return None
        with self._lock:
            if time.monotonic() - self._loaded_at > self.ttl or code not in self._ids:
                self._reload()
            return self._ids.get(code)

    def _reload(self) -> None:
        from sqlalchemy import select

        from hplearn.accounts.models import School
        from hplearn.extensions import db

        rows = db.session.execute(select(School.code, School.id)).all()
        self._ids = dict(rows)
        self._loaded_at = time.monotonic()


def _to_json(event: dict) -> str:
    def encode(value):
        if isinstance(value, (date, datetime)):
            return value.isoformat()
        raise TypeError(type(value).__name__)

    return json.dumps(event, default=encode, separators=(",", ":"))


def _from_json(text) -> dict:
    event = json.loads(text)
    event["occurred_at"] = datetime.fromisoformat(event["occurred_at"])
    event["day"] = date.fromisoformat(event["day"])
    return event


class MemoryQueue:
    """A bounded in-process buffer; when full, the oldest events are dropped (and logged)."""

    def __init__(self, capacity: int):
        self._events: deque = deque()
        self.capacity = capacity
        self._lock = threading.Lock()
        self.dropped = 0

    def push(self, event: dict) -> int:
        with self._lock:
            if len(self._events) >= self.capacity:
                self._events.popleft()
                self.dropped += 1
                if self.dropped % 1000 == 1:
                    log.error("stats buffer full: %d events dropped so far", self.dropped)
            self._events.append(event)
            return len(self._events)

    def take(self, count: int) -> list[dict]:
        with self._lock:
            return [self._events.popleft() for _ in range(min(count, len(self._events)))]

    def __len__(self) -> int:
        return len(self._events)


class RedisQueue:
    """A Redis list shared by every app server; trimmed to STATS_REDIS_MAX events."""

    def __init__(self, url: str, capacity: int):
        import redis

        self._client = redis.Redis.from_url(
            url, socket_connect_timeout=0.2, socket_timeout=0.2
        )
        self._capacity = capacity

    def push(self, event: dict) -> int:
        pipe = self._client.pipeline(transaction=False)
        pipe.rpush(REDIS_KEY, _to_json(event))
        pipe.ltrim(REDIS_KEY, -self._capacity, -1)
        return pipe.execute()[0]

    def take(self, count: int) -> list[dict]:
        pipe = self._client.pipeline(transaction=True)
        pipe.lrange(REDIS_KEY, 0, count - 1)
        pipe.ltrim(REDIS_KEY, count, -1)
        return [_from_json(item) for item in pipe.execute()[0]]

    def __len__(self) -> int:
        return int(self._client.llen(REDIS_KEY))


class Recorder:
    """Buffers one app's events and writes them in batches."""

    REDIS_RETRY_SECONDS = 30.0

    def __init__(self, app):
        self.app = app
        self.batch_size = int(setting(app, "STATS_BATCH_SIZE"))
        self.interval = float(setting(app, "STATS_FLUSH_SECONDS"))
        self.memory = MemoryQueue(int(setting(app, "STATS_BUFFER_MAX")))
        redis_url = app.config.get("REDIS_URL")
        self.redis = RedisQueue(redis_url, int(setting(app, "STATS_REDIS_MAX"))) if redis_url else None
        self._redis_down_until = 0.0
        background = setting(app, "STATS_BACKGROUND_FLUSH")
        self.background = (not app.testing) if background is None else bool(background)
        self.school_ids = SchoolCodeCache()
        self._recent_views: OrderedDict[str, None] = OrderedDict()
        self._recent_lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def add(self, event: dict) -> None:
        """Queue one event; wake the writer when a batch is ready."""
        if self._seen_recently(event.get("dedupe_key")):
            return
        size = self._push(event)
        if size >= self.batch_size:
            if self.background:
                self._wake.set()
            else:
                self.flush()
        if self.background:
            self._ensure_thread()

    def _seen_recently(self, key: str | None) -> bool:
        # Reloads of the same page are common; skip them before they reach the database.
        if key is None:
            return False
        with self._recent_lock:
            if key in self._recent_views:
                return True
            self._recent_views[key] = None
            if len(self._recent_views) > 20000:
                self._recent_views.popitem(last=False)
        return False

    def _push(self, event: dict) -> int:
        if self.redis is not None and time.monotonic() >= self._redis_down_until:
            try:
                return self.redis.push(event)
            except Exception as error:  # noqa: BLE001
                self._redis_down_until = time.monotonic() + self.REDIS_RETRY_SECONDS
                log.warning("stats: Redis unavailable (%s), buffering in process", error)
        return self.memory.push(event)

    def flush(self) -> int:
        """Write everything queued (this process's buffer and the shared Redis list)."""
        written = 0
        with self._flush_lock, self.app.app_context():
            for queue in self._queues():
                while batch := queue.take(self.batch_size):
                    count = self._write(batch)
                    if count is None:
                        return written
                    written += count
        return written

    def _queues(self):
        queues = [self.memory]
        if self.redis is not None and time.monotonic() >= self._redis_down_until:
            queues.append(self.redis)
        return queues

    def _write(self, batch: list[dict]) -> int | None:
        """Insert one batch; on failure keep it in this process's buffer for the next try."""
        from hplearn.stats.store import insert_events

        try:
            return insert_events(batch)
        except Exception as error:  # noqa: BLE001
            log.error("stats: writing %d events failed, will retry: %s", len(batch), error)
            for event in batch[: max(0, self.memory.capacity - len(self.memory))]:
                self.memory.push(event)
            return None

    def _ensure_thread(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        with self._start_lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._thread = threading.Thread(
                target=self._run, name="hplearn-stats-writer", daemon=True
            )
            self._thread.start()
            atexit.register(self._flush_at_exit)

    def _run(self) -> None:
        while True:
            self._wake.wait(self.interval)
            self._wake.clear()
            try:
                self.flush()
            except Exception as error:
                log.exception("stats writer: %s", error)

    def _flush_at_exit(self) -> None:
        try:
            self.flush()
        except Exception as error:  # noqa: BLE001
            log.error("stats: final flush failed: %s", error)


_recorders_lock = threading.Lock()


def recorder_for(app) -> Recorder:
    """The app's recorder, created on first use."""
    app = getattr(app, "_get_current_object", lambda: app)()
    recorder = app.extensions.get("hplearn_stats")
    if recorder is None:
        with _recorders_lock:
            recorder = app.extensions.setdefault("hplearn_stats", Recorder(app))
    return recorder
