"""The usage event recorder: one-line calls that features make when something happens.

Public API (each call returns at once, never raises, and logs in English if something is wrong):

    record_view(resource, *, user=None, school_code_hint=None, when=None, visitor=None)
        A resource page or `GET /api/v1/resources/<id>` was shown. Counted once per viewer per
        resource per local (Asia/Shanghai) day. `user` is the signed-in user (anonymous users
        allowed); an anonymous visitor is identified by a random id kept in the session (pages)
        or a keyed hash of address and browser (API without cookies) and attributed to the
        school whose `?s=CODE` link they came through (remembered in the session), or to
        `school_code_hint`.
    record_watch(resource, seconds, *, user=None, when=None)
        Seconds of a video actually watched (clamped to 0–6 h per call).
    record_search(normalized_query, filters, result_count, *, school_id, user=None, when=None)
        A search was run. Attributed to the searcher's school only: the searcher is kept as a
        keyed hash used to count distinct searchers (for the "<5" rule), never as an id.
        `filters` is a dict or an object with `as_args()` (stage, grade, subject, kind).
    record_question_event(kind, question_id, subject, grade, school_id, *, user,
                          first_response_minutes=None, asker=None, when=None)
        kind: "asked", "claimed", "answered" or "accepted". `user` is who acted (the student
        for asked/accepted, the teacher for claimed/answered). For the first answer pass
        `first_response_minutes`; pass `asker` when known so answered figures can apply the
        "<5 students" rule (otherwise the asker of the question's "asked" event is used).
    record_sign_in(user)
        A user signed in.
    flush()
        Write everything buffered now (tests, shutdown).

Events are buffered and written in batches: in-process (a bounded buffer flushed by size and
every STATS_FLUSH_SECONDS on a background thread, and at exit) or, with HPLEARN_REDIS_URL set, a
Redis list shared by every app server. docs/statistics.md states the most a crash can lose.
"""

from __future__ import annotations

import atexit
import hashlib
import hmac
import json
import logging
import secrets
import threading
import time
from collections import OrderedDict, deque
from datetime import date, datetime

from flask import current_app, has_request_context, request, session

from hplearn.timeutil import local_date, utcnow

log = logging.getLogger("hplearn.stats")

QUESTION_KINDS = ("asked", "claimed", "answered", "accepted")
MAX_WATCH_SECONDS = 6 * 3600
MAX_QUERY_LENGTH = 100
REDIS_KEY = "hplearn:stats:events"
VISITOR_SESSION_KEY = "stats_visitor"
SCHOOL_SESSION_KEY = "stats_school"

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


# --- public API -------------------------------------------------------------------------------


def record_view(resource, *, user=None, school_code_hint=None, when=None, visitor=None) -> None:
    """Count one view of a resource (deduplicated per viewer, resource and local day)."""
    _safely(_view_event, resource, user, school_code_hint, when, visitor)


def record_watch(resource, seconds, *, user=None, when=None) -> None:
    """Add seconds of video watched."""
    _safely(_watch_event, resource, seconds, user, when)


def record_search(
    normalized_query, filters, result_count, *, school_id, user=None, when=None
) -> None:
    """Count one search, attributed to the school and never to the searcher."""
    _safely(_search_event, normalized_query, filters, result_count, school_id, user, when)


def record_question_event(
    kind, question_id, subject, grade, school_id, *, user,
    first_response_minutes=None, asker=None, when=None,
) -> None:
    """Count a question asked, claimed, answered or accepted."""
    _safely(
        _question_event, kind, question_id, subject, grade, school_id, user,
        first_response_minutes, asker, when,
    )


def record_sign_in(user) -> None:
    """Count one sign-in."""
    _safely(_sign_in_event, user)


def flush() -> int:
    """Write every buffered event now; return how many were written."""
    return recorder_for(current_app).flush()


# --- building events --------------------------------------------------------------------------


def _safely(build, *args) -> None:
    # Statistics must never break or slow the request that triggers them.
    try:
        event = build(*args)
        if event is not None:
            recorder_for(current_app).add(event)
    except Exception as error:  # noqa: BLE001
        log.warning("stats event %s dropped: %s: %s", build.__name__, type(error).__name__, error)


def _base(kind: str, when: datetime | None) -> dict:
    moment = when or utcnow()
    return {"kind": kind, "occurred_at": moment, "day": local_date(moment)}


def _signed_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def person_key(identity: str) -> str:
    """A keyed hash standing for one person; the identity cannot be read back from it."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, identity.encode(), hashlib.sha256).hexdigest()[:16]


def _user_fields(user) -> dict:
    return {
        "school_id": user.school_id,
        "person": person_key(f"user:{user.id}"),
        "student_id": user.id if user.role == "student" else None,
    }


def _resource_fields(resource) -> dict:
    return {
        "resource_id": resource.id,
        "stage": resource.stage,
        "grade": resource.grade,
        "subject": resource.subject,
        "topic_id": resource.topic_id,
        "resource_kind": resource.kind,
    }


def _visitor_identity(create: bool) -> str | None:
    if not has_request_context():
        return None
    visitor = session.get(VISITOR_SESSION_KEY)
    if visitor:
        return f"visitor:{visitor}"
    if create:
        visitor = secrets.token_hex(8)
        session[VISITOR_SESSION_KEY] = visitor
        return f"visitor:{visitor}"
    # A client without cookies (scripts, the API): a daily keyed hash of address and browser,
    # so the raw address is never stored.
    agent = request.headers.get("User-Agent", "")[:200]
    return f"client:{local_date(utcnow())}:{request.remote_addr}:{agent}"


def _anonymous_fields(school_code_hint, visitor) -> dict:
    identity = f"visitor:{visitor}" if visitor else _visitor_identity(create=_is_page())
    school_id = school_id_for_code(school_code_hint) if school_code_hint else None
    if school_id is None and has_request_context():
        school_id = session.get(SCHOOL_SESSION_KEY)
    return {
        "school_id": school_id,
        "person": person_key(identity) if identity else None,
        "student_id": None,
    }


def _is_page() -> bool:
    return has_request_context() and not request.path.startswith("/api/")


def _view_event(resource, user, school_code_hint, when, visitor) -> dict:
    event = _base("view", when)
    event.update(_resource_fields(resource))
    if _signed_in(user):
        event.update(_user_fields(user))
    else:
        event.update(_anonymous_fields(school_code_hint, visitor), value=1)
    if event["person"]:
        raw = f"view|{event['day']}|{resource.id}|{event['person']}"
        event["dedupe_key"] = hashlib.sha1(raw.encode()).hexdigest()
    return event


def _watch_event(resource, seconds, user, when) -> dict | None:
    seconds = int(seconds)
    if seconds <= 0:
        return None
    event = _base("watch", when)
    event.update(_resource_fields(resource))
    event["value"] = min(seconds, MAX_WATCH_SECONDS)
    if _signed_in(user):
        event.update(_user_fields(user))
    else:
        event.update(_anonymous_fields(None, None))
    return event


def normalize_query(text: str) -> str:
    """Lower-case, single-spaced and at most 100 characters."""
    return " ".join(str(text or "").lower().split())[:MAX_QUERY_LENGTH]


def _filter_values(filters) -> dict:
    if filters is None:
        return {}
    values = filters.as_args() if hasattr(filters, "as_args") else dict(filters)
    grade = values.get("grade")
    return {
        "stage": values.get("stage") or None,
        "grade": int(grade) if str(grade or "").isdigit() else None,
        "subject": values.get("subject") or None,
        "resource_kind": values.get("kind") or None,
    }


def _search_event(normalized_query, filters, result_count, school_id, user, when) -> dict | None:
    query = normalize_query(normalized_query)
    if not query:
        return None
    event = _base("search", when)
    event.update(_filter_values(filters))
    identity = f"user:{user.id}" if _signed_in(user) else _visitor_identity(create=False)
    event.update(
        query=query,
        value=max(int(result_count), 0),
        school_id=school_id,
        person=person_key(identity) if identity else None,
    )
    return event


def _question_event(
    kind, question_id, subject, grade, school_id, user, first_response_minutes, asker, when
) -> dict:
    if kind not in QUESTION_KINDS:
        raise ValueError(f"unknown question event kind {kind!r}")
    event = _base(f"question_{kind}", when)
    event.update(question_id=int(question_id), subject=subject, grade=grade, school_id=school_id)
    if kind in ("asked", "accepted"):
        event["person"] = person_key(f"user:{user.id}")
        event["student_id"] = user.id if getattr(user, "role", None) == "student" else None
    else:
        event["teacher_id"] = user.id
        if asker is not None:
            event["person"] = person_key(f"user:{asker.id}")
    if kind == "answered" and first_response_minutes is not None:
        event["value"] = max(int(round(first_response_minutes)), 0)
    return event


def _sign_in_event(user) -> dict:
    event = _base("sign_in", None)
    event.update(_user_fields(user))
    return event


# --- school codes from ?s= links --------------------------------------------------------------


def school_id_for_code(code: str) -> int | None:
    """The id of the school with this code, cached per process for a minute."""
    return recorder_for(current_app).school_ids.lookup(code)


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


def remember_school_link() -> None:
    """Before each request: keep a valid `?s=CODE` in the session for anonymous attribution."""
    code = request.args.get("s")
    if not code or request.method != "GET":
        return
    try:
        school_id = school_id_for_code(code)
        if school_id is not None and session.get(SCHOOL_SESSION_KEY) != school_id:
            session[SCHOOL_SESSION_KEY] = school_id
    except Exception as error:  # noqa: BLE001
        log.warning("school link %r not remembered: %s", code[:32], error)


# --- buffering and writing --------------------------------------------------------------------


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
            except Exception as error:  # noqa: BLE001
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
