"""Cross-site request forgery: which requests must carry a CSRF token.

Forms and API calls made with a signed-in session need the token (the form field, or the
`X-CSRFToken` header). An API call without a signed-in session carries no ambient authority
to forge, so it is not checked here: it reaches its view, where `@login_required` answers the
documented 401 instead of a confusing 400 about a token.
"""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_login import current_user

from hplearn.extensions import csrf


def init_app(app: Flask) -> None:
    """Check CSRF tokens in our own before_request instead of Flask-WTF's default one."""
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    app.before_request(_check_csrf)


def _check_csrf() -> None:
    if not current_app.config["WTF_CSRF_ENABLED"]:
        return
    if request.path.startswith("/api/") and not current_user.is_authenticated:
        return
    csrf.protect(apply_exemptions=True)
