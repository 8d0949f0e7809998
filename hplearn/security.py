"""Browser-facing protections the whole site shares: CSRF rules, security headers, our own URLs.

CSRF: forms and API calls made with a signed-in session need the token (the form field, or the
`X-CSRFToken` header). An API call without a signed-in session carries no ambient authority to
forge, so it is not checked here: it reaches its view, where `@login_required` answers the
documented 401 instead of a confusing 400 about a token.

Headers: a Content-Security-Policy with no inline script or style (the templates load their
few scripts from /static), no plugins (`object-src 'none'`), no framing but a PDF of our own
framed by our own pages, and no referrer to other sites (question pages of
minors must not leak their addresses to the sites they link to).

Client addresses: with PROXY_COUNT > 0 they come from X-Forwarded-For, which only the proxies
may write; ProxyCountCheck warns (once a process) when a request arrives with fewer addresses
in it than PROXY_COUNT, the sign that the count is higher than the proxies really there.

Absolute URLs in API answers and mail come from SITE_URL when it is set, never from the Host
header a client sent.
"""

from __future__ import annotations

import logging
import threading
from urllib.parse import urlsplit

from flask import Flask, current_app, request, url_for
from flask_login import current_user

from hplearn.extensions import csrf

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' https: data:",
    "media-src 'self'",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "frame-src 'self'",  # PDFs are shown in an <iframe> of our own /media/<id>
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "geolocation=(), microphone=(), payment=()",
}


def init_app(app: Flask) -> None:
    """Check CSRF tokens in our own before_request; add the headers to every response."""
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    app.before_request(_check_csrf)
    app.after_request(_add_headers)


def _check_csrf() -> None:
    if not current_app.config["WTF_CSRF_ENABLED"]:
        return
    if request.path.startswith("/api/") and not current_user.is_authenticated:
        return
    csrf.protect(apply_exemptions=True)


# A PDF of our own may be framed by our own pages (the document viewer), by nothing else.
FRAMEABLE_POLICY = CONTENT_SECURITY_POLICY.replace("frame-ancestors 'none'",
                                                   "frame-ancestors 'self'")


def allow_same_origin_framing(response):
    """Let our own pages show this response in an <iframe> (a PDF); other sites still may not."""
    response.headers["Content-Security-Policy"] = FRAMEABLE_POLICY
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


def _add_headers(response):
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def absolute_url(endpoint: str, **values) -> str:
    """The public address of a page: SITE_URL and the path, or (unset) this request's host."""
    site = current_app.config["SITE_URL"].rstrip("/")
    if not site:
        return url_for(endpoint, _external=True, **values)
    return site + url_for(endpoint, **values)


def check_site_url(value: str) -> None:
    """A setting check: SITE_URL is empty or an http(s) address without a path."""
    if not value:
        return
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
        raise ValueError(f"must be an address such as https://hplearn.example.cn, not {value!r}")


class ProxyCountCheck:
    """WSGI middleware in front of ProxyFix: warn once if a request bypassed the proxies."""

    def __init__(self, wsgi_app, proxy_count: int, logger: logging.Logger):
        self.wsgi_app = wsgi_app
        self.proxy_count = proxy_count
        self.logger = logger
        self.warned = False
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        if not self.warned:
            self._check(environ)
        return self.wsgi_app(environ, start_response)

    def _check(self, environ) -> None:
        hops = [part for part in environ.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(hops) >= self.proxy_count:
            return
        with self._lock:
            if self.warned:
                return
            self.warned = True
        self.logger.warning(
            "PROXY_COUNT is %d but a request for %s from %s carried %d X-Forwarded-For "
            "address(es): PROXY_COUNT must equal the number of proxies really in front of the "
            "server, or any client can choose the address it is counted under (sign-in limits); "
            "ignore this only if it was a local health check (warned once per process)",
            self.proxy_count, environ.get("PATH_INFO", "")[:100], environ.get("REMOTE_ADDR"),
            len(hops),
        )
