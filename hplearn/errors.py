"""Error pages and JSON errors: clients get a clear 4xx, never a traceback."""

from __future__ import annotations

import contextlib
import traceback

from flask import jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

MESSAGES = {
    400: "请求有误，请检查后重试。",
    401: "请先登录。",
    403: "你没有权限访问这个页面。",
    404: "没有找到这个页面，它可能已被移动或下架。",
    405: "不支持这种请求方式。",
    409: "操作冲突，请刷新后重试。",
    413: "文件或请求太大。",
    415: "不支持这种文件类型。",
    422: "提交的内容有误，请修改后重试。",
    429: "操作太频繁，请稍后再试。",
    500: "服务器出了点问题，我们会尽快修复，请稍后再试。",
    503: "服务暂时不可用，请稍等片刻后刷新页面重试。",
    507: "服务器的存储空间已满，请稍后再试，或联系区管理员。",
}
CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
    422: "unprocessable", 429: "rate_limited", 500: "server_error",
    503: "unavailable", 507: "storage_full",
}


class DomainError(Exception):
    """A request the rules refuse: the one root of every feature's errors.

    status: the HTTP status pages and the API answer with; code: the API's stable error code;
    the message (str(error)) is Chinese and says what to do next; field: the form field or JSON
    key it concerns, if one. Raised by services; mapped once to an error page and once to the
    API's {"error": {"code", "message"}} (handle_domain_error), so views do not translate them.
    """

    status = 400
    code = "bad_request"

    def __init__(self, message: str | None = None, field: str | None = None, *,
                 code: str | None = None):
        super().__init__(message or MESSAGES.get(self.status, "请求失败。"))
        self.field = field
        if code is not None:
            self.code = code

    @property
    def message(self) -> str:
        """The Chinese message shown to the user."""
        return str(self)

    def response_headers(self) -> dict[str, str]:
        """Headers the refusal's response carries (Retry-After for a wait); none by default."""
        return {}


class NotFound(DomainError):
    """No such object, or one the user may not know exists (the two look the same)."""

    status = 404
    code = "not_found"


class Forbidden(DomainError):
    """The user is known but may not do this."""

    status = 403
    code = "forbidden"


class Conflict(DomainError):
    """The request clashes with the object's current state."""

    status = 409
    code = "conflict"


class Invalid(DomainError):
    """Input the rules refuse."""

    status = 422
    code = "invalid"


def handle_domain_error(error: DomainError):
    """The one translation of a refused request: JSON under /api/, the error page elsewhere."""
    if wants_json():
        response, status = json_error(error.status, str(error), error.code)
        if error.field:
            body = response.get_json()
            body["error"]["field"] = error.field
            response = jsonify(body)
    else:
        response = render_template("errors/error.html", status=error.status, message=str(error))
        status = error.status
    return response, status, error.response_headers()


def wants_json() -> bool:
    """API requests (and clients that ask for JSON only) get JSON errors."""
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best == "application/json"
    )


def json_error(status: int, message: str | None = None, code: str | None = None):
    """Build the API's error response: {"error": {"code", "message"}}."""
    body = {
        "error": {
            "code": code or CODES.get(status, "error"),
            "message": message or MESSAGES.get(status, "请求失败。"),
        }
    }
    return jsonify(body), status


def _describe(error: HTTPException) -> str:
    # Our own aborts carry a Chinese description; Werkzeug's defaults are English.
    custom = getattr(error, "description", None)
    default = type(error).description if hasattr(type(error), "description") else None
    if custom and custom != default:
        return custom
    return MESSAGES.get(error.code, "请求失败。")


def handle_http_error(error: HTTPException):
    """Render a 4xx/5xx raised by abort() or Werkzeug."""
    status = error.code or 500
    message = _describe(error)
    if wants_json():
        response = json_error(status, message)
    else:
        response = render_template("errors/error.html", status=status, message=message), status
    if status == 429 or status == 405:
        return _with_headers(response, error)
    return response


def _with_headers(response, error):
    from flask import make_response

    made = make_response(response)
    made.headers.update(error_headers(error))
    return made


def error_headers(error: HTTPException) -> dict[str, str]:
    """The headers an abort carries (Allow for 405); Retry-After for a rate limit's 429.

    Flask-Limiter's own headers are off (RATELIMIT_HEADERS_ENABLED): it would put its window's
    reset on every response, over the shorter Retry-After of the sign-in back-off.
    """
    import math
    import time

    from flask_limiter.errors import RateLimitExceeded

    from hplearn.extensions import limiter

    headers = {key: value for key, value in error.get_headers() if key.lower() != "content-type"}
    current = limiter.current_limit if isinstance(error, RateLimitExceeded) else None
    if current is not None:
        headers["Retry-After"] = str(max(1, math.ceil(current.reset_at - time.time())))
    return headers


def handle_unexpected(error: Exception):
    """Log one English line for an unexpected error and show the 500 page.

    The message is folded onto one line (database errors span several) so each failed
    request is exactly one line in the log.
    """
    from flask import current_app

    from hplearn.extensions import db

    # A failed statement leaves PostgreSQL's transaction aborted; the page's own queries (the
    # admin menu's counts) would fail in turn and the error page itself would raise.
    with contextlib.suppress(Exception):
        db.session.rollback()
    frame = traceback.extract_tb(error.__traceback__)[-1] if error.__traceback__ else None
    where = f" at {frame.filename}:{frame.lineno}" if frame else ""
    current_app.logger.error(
        "request failed: %s %s -> %s: %s%s",
        request.method, request.path[:200], type(error).__name__,
        " ".join(str(error).split())[:300], where,
    )
    return handle_http_error(InternalServerError())


def handle_database_unavailable(error: Exception):
    """The database cannot be reached (restarting, failing over): 503, try again shortly."""
    from flask import current_app, g, make_response

    from hplearn.extensions import db, login_manager

    with contextlib.suppress(Exception):  # the connection is gone; the pool replaces it later
        db.session.rollback()
    # The page must not ask the database who is signed in: render it as for a visitor.
    g._login_user = login_manager.anonymous_user()
    current_app.logger.error(
        "database unavailable: %s %s -> %s: %s", request.method, request.path[:200],
        type(error).__name__, " ".join(str(error).split())[:300],
    )
    if wants_json():
        response = make_response(json_error(503))
    else:
        response = make_response(
            render_template("errors/error.html", status=503, message=MESSAGES[503]), 503
        )
    response.headers["Retry-After"] = "5"
    return response


def handle_csrf_error(error):
    """A missing or forged CSRF token: 400 with a message that says what to do."""
    message = "页面已过期或缺少安全令牌，请刷新页面后重试。"
    if wants_json():
        return json_error(400, message, code="csrf_failed")
    return render_template("errors/error.html", status=400, message=message), 400


def register(app) -> None:
    """Install the handlers on the app."""
    from flask_wtf.csrf import CSRFError
    from sqlalchemy.exc import InterfaceError, OperationalError

    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(OperationalError, handle_database_unavailable)
    app.register_error_handler(InterfaceError, handle_database_unavailable)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected)
