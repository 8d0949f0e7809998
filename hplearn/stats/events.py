"""The usage event recorder: one-line calls that features make when something happens.

Public API (each call returns at once, never raises, and logs in English if something is wrong):

    record_view(resource, *, user=None, school_code_hint=None, when=None, visitor=None)
        A resource page or `GET /api/v1/resources/<id>` was shown, or playback of its hosted
        video or document started (hplearn.media.services.record_media_view). Counted once per
        viewer per resource per local (Asia/Shanghai) day, whichever of these it was; the rollup
        sums these into Resource.view_count (hplearn.stats.view_counts). `user` is the
        signed-in user (anonymous users allowed); an anonymous visitor is identified by a
        random id kept in the session (pages) or a keyed hash of address and browser (API
        without cookies) and attributed to the school whose `?s=CODE` link they came through
        (remembered in the session), or to `school_code_hint`.
    record_watch(resource, seconds, *, user=None, when=None)
        Seconds of a video actually watched (clamped to 0–6 h per call).
    record_search(normalized_query, filters, result_count, *, school_id, user=None, when=None)
        A search was run. Attributed to the searcher's school only: a student searcher is kept
        as a keyed hash used to count distinct students (for the "<5" rule), never as an id;
        staff and visitors not at all.
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

import hashlib
import hmac
import logging
import secrets
from datetime import datetime

from flask import current_app, has_request_context, request, session

from hplearn.stats.recorder import recorder_for
from hplearn.stats.rollup import PERSON_KEY_LENGTH
from hplearn.timeutil import local_date, utcnow
from hplearn.vocab import Role

log = logging.getLogger("hplearn.stats")

QUESTION_KINDS = ("asked", "claimed", "answered", "accepted")
MAX_WATCH_SECONDS = 6 * 3600
MAX_QUERY_LENGTH = 100
VISITOR_SESSION_KEY = "stats_visitor"
SCHOOL_SESSION_KEY = "stats_school"

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


def request_school_id(user) -> int | None:
    """The school a request counts for: the user's own, else one remembered from a ?s= link."""
    if _signed_in(user) and user.school_id:
        return user.school_id
    return session.get(SCHOOL_SESSION_KEY) if has_request_context() else None


def record_search_performed(sender, *, query, filters, result_count, **extra) -> None:
    """Receiver of hplearn.search's search_performed signal: count it for the searcher's school."""
    from flask_login import current_user

    record_search(
        query, filters, result_count, school_id=request_school_id(current_user), user=current_user
    )


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
    return hmac.new(secret, identity.encode(), hashlib.sha256).hexdigest()[:PERSON_KEY_LENGTH]


def _user_fields(user) -> dict:
    return {
        "school_id": user.school_id,
        "person": person_key(f"user:{user.id}"),
        "student_id": user.id if user.role == Role.STUDENT else None,
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
        "grade": int(grade) if str(grade or "").isdecimal() else None,
        "subject": values.get("subject") or None,
        "resource_kind": values.get("kind") or None,
    }


def _search_event(normalized_query, filters, result_count, school_id, user, when) -> dict | None:
    query = normalize_query(normalized_query)
    if not query:
        return None
    event = _base("search", when)
    event.update(_filter_values(filters))
    # Only a student's key is kept: the "<5" rule counts students, and a staff member's or
    # visitor's searches need no one behind them counted.
    student = _signed_in(user) and user.role == Role.STUDENT
    event.update(
        query=query,
        value=max(int(result_count), 0),
        school_id=school_id,
        person=person_key(f"user:{user.id}") if student else None,
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
        event["student_id"] = user.id if getattr(user, "role", None) == Role.STUDENT else None
    else:
        event["teacher_id"] = user.id
        if asker is not None and getattr(asker, "role", None) == Role.STUDENT:
            event["person"] = person_key(f"user:{asker.id}")
    if kind == "answered" and first_response_minutes is not None:
        event["value"] = max(round(first_response_minutes), 0)
    return event


def _sign_in_event(user) -> dict:
    event = _base("sign_in", None)
    event.update(_user_fields(user))
    return event


# --- school codes from ?s= links --------------------------------------------------------------


def school_id_for_code(code: str) -> int | None:
    """The id of the school with this code, cached per process for a minute."""
    return recorder_for(current_app).school_ids.lookup(code)


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
