"""How big a request body may be, route by route (issue 11, item 4).

Flask's MAX_CONTENT_LENGTH is one limit for every request, and it has to be as big as the
biggest video upload; so anyone, signed in or not, could make a worker hold hundreds of
megabytes by posting them to the sign-in form. Here every route takes at most MAX_BODY_BYTES
(JSON and forms: a few hundred KB), except the routes a feature names with `allow_bodies`
(uploads: their kind's limit). MAX_CONTENT_LENGTH stays the ceiling over everything.

The limit is enforced twice:
- before any hook or view reads the body: a declared Content-Length over the limit is refused
  at once with 413 and a Chinese message (JSON under /api/, the error page elsewhere);
- on the stream itself (HplearnRequest.max_content_length): a body sent without a length
  (chunked) is cut off at the limit, and the reader gets the same 413.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wsgi import LimitedStream

from hplearn.errors import DomainError

EXTENSION = "hplearn_body_limits"


class BodyTooLarge(DomainError):
    """A request body over its route's limit."""

    status = 413
    code = "too_large"


@dataclass(frozen=True)
class BodyLimit:
    """What one route accepts: `size()` in bytes, and the error to refuse more with.

    Both are called in the request (they may read the config and request.view_args).
    """

    size: Callable[[], int]
    refusal: Callable[[], DomainError] | None = None


def init_app(app: Flask) -> None:
    """Refuse bodies over their route's limit before anything reads them."""
    app.extensions[EXTENSION] = {}
    # First of the app's before_request hooks that may read a body (CSRF reads the form).
    app.before_request(refuse_oversized_body)


def allow_bodies(app: Flask, limits: dict[str, BodyLimit]) -> None:
    """Let these endpoints take bigger bodies than MAX_BODY_BYTES (uploads)."""
    app.extensions[EXTENSION].update(limits)


def describe_size(limit: int) -> str:
    """A size limit as users read it: 10 MB, 512 KB."""
    return f"{limit / (1024 * 1024):g} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"


def _entry() -> BodyLimit | None:
    limits = current_app.extensions.get(EXTENSION, {})
    return limits.get(request.endpoint) if request.endpoint else None


def body_limit() -> int:
    """The largest body this request's route accepts, in bytes."""
    entry = _entry()
    size = entry.size() if entry is not None else current_app.config["MAX_BODY_BYTES"]
    return min(size, current_app.config["MAX_CONTENT_LENGTH"])


def refusal(limit: int) -> DomainError:
    """The error for a body over this route's limit."""
    entry = _entry()
    if entry is not None and entry.refusal is not None:
        return entry.refusal()
    return BodyTooLarge(f"提交的内容太大：最大 {describe_size(limit)}。")


def refuse_oversized_body() -> None:
    """Before request: a declared Content-Length over the route's limit is refused unread."""
    length = request.content_length
    if length is None:
        return  # no length: the stream itself stops at the limit
    limit = body_limit()
    if length > limit:
        raise refusal(limit)


class BoundedStream(LimitedStream):
    """A body without Content-Length, read up to `limit` bytes: one byte more is a 413.

    Werkzeug's stream for such bodies stops quietly at the limit, so a reader would get the
    first bytes of a body that was cut short; here reaching the limit looks one byte further.
    """

    def __init__(self, stream, limit: int) -> None:
        super().__init__(stream, limit, is_max=True)

    def on_exhausted(self) -> None:
        """At the limit: more bytes waiting mean the body is too large."""
        if self._stream.read(1):
            raise RequestEntityTooLarge(f"提交的内容太大：最大 {describe_size(self.limit)}。")

    def readinto(self, buffer) -> int | None:
        """Read on; at the limit, check at once (readall stops there without asking)."""
        count = super().readinto(buffer)
        if self.is_exhausted:
            self.on_exhausted()
        return count
