"""/api/v1/notifications/settings: a staff member's mail address and opt-in."""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user, login_required

from hplearn import policy
from hplearn.api import bp, json_object
from hplearn.errors import json_error
from hplearn.notifications import services


def _settings_json(user) -> dict:
    return {"email": services.email_address(user), "enabled": services.mail_enabled(user)}


@bp.get("/notifications/settings")
@login_required
def get_mail_settings():
    """The caller's notification address and whether mail is on (staff only)."""
    if not policy.is_staff(current_user):
        return json_error(403, "只有老师和管理员可以设置邮件通知。")
    return jsonify(_settings_json(current_user))


@bp.put("/notifications/settings")
@login_required
def put_mail_settings():
    """Replace the caller's address and mail switch; 422 for a bad address."""
    if not policy.is_staff(current_user):
        return json_error(403, "只有老师和管理员可以设置邮件通知。")
    body = json_object()
    if body is None:
        return json_error(400, "请求体必须是 JSON 对象。")
    email, enabled = body.get("email", ""), body.get("enabled")
    if email is None:
        email = ""
    if not isinstance(email, str):
        return json_error(400, "email 必须是字符串（留空表示不保存邮箱）。")
    if not isinstance(enabled, bool):
        return json_error(400, "enabled 必须是 true 或 false。")
    services.set_mail_settings(current_user, email, enabled)
    return jsonify(_settings_json(current_user))
