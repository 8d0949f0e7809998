"""/api/v1/auth: sign in, sign out and change the password with JSON."""

from flask import jsonify, request
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf.csrf import generate_csrf

from hplearn import usage
from hplearn.accounts import services
from hplearn.accounts.api_schools import user_json
from hplearn.accounts.ratelimit import limit_failed_sign_ins
from hplearn.api import bp, json_object
from hplearn.errors import json_error
from hplearn.extensions import csrf


@bp.post("/auth/login")
@csrf.exempt  # No session yet to hold a token; a JSON body cannot be sent by a cross-site form.
@limit_failed_sign_ins
def auth_login():
    """Sign in; answers the user, a CSRF token for later unsafe calls and the session cookie."""
    data = json_object()
    if data is None:
        return json_error(400, "请以 JSON 对象提交 username 和 password。", code="bad_request")
    username, password = data.get("username"), data.get("password")
    if not isinstance(username, str) or not isinstance(password, str) or not username:
        return json_error(422, "请提供用户名和密码。", code="invalid_credentials")
    user = services.authenticate(username, password, request.remote_addr)
    login_user(user)
    usage.signed_in.send(user)
    return jsonify(user=user_json(user, user), csrf_token=generate_csrf())


@bp.post("/auth/logout")
@login_required
def auth_logout():
    """Sign out, ending every session of this user (a copied cookie too)."""
    services.end_sessions(current_user._get_current_object())
    logout_user()
    return jsonify({})


@bp.post("/auth/password")
@login_required
def auth_password():
    """Change one's own password: {"current_password", "new_password"}."""
    data = json_object() or {}
    new = data.get("new_password")
    services.change_password(
        current_user, str(data.get("current_password") or ""), str(new or ""), str(new or "")
    )
    login_user(current_user._get_current_object())  # new fingerprint; other sessions end
    return jsonify(user=user_json(current_user, current_user))
