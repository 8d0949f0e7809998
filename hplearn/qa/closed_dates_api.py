"""/api/v1/qa/closed-dates: the days without Q&A service that admins set, for other systems."""

from __future__ import annotations

from flask import request
from flask_login import current_user, login_required

from hplearn.api import bp, json_object
from hplearn.errors import json_error
from hplearn.qa import services
from hplearn.timeutil import local_date, utcnow


def closed_date_json(closed) -> dict:
    """One closed range as the API shows it."""
    return {
        "id": closed.id,
        "first_day": closed.first_day.isoformat(),
        "last_day": closed.last_day.isoformat(),
        "reason": closed.reason or "",
        "text": services.describe_range(closed),
    }


def _scope(code):
    if code is not None and not isinstance(code, str):
        return None
    return services.scope_for(current_user, code[:32] if code else None)


def _scope_json(scope) -> dict:
    return {"school": scope.school.code if scope.school else None, "scope": scope.label}


@bp.get("/qa/closed-dates")
@login_required
def list_closed_dates():
    """The scope's closed dates that have not ended (?school= for a district admin)."""
    scope = _scope(request.args.get("school") or None)
    closed = services.list_closed_dates(scope, local_date(utcnow()))
    return {**_scope_json(scope), "results": [closed_date_json(c) for c in closed]}


@bp.post("/qa/closed-dates")
@login_required
def add_closed_dates():
    """Close a day or a range: {"first_day", "last_day"?, "reason"?, "school"?}; 201."""
    body = json_object()
    if body is None:
        return json_error(400, "请求体必须是 JSON 对象。")
    scope = _scope(body.get("school") or None)
    if scope is None:
        return json_error(400, "school 必须是学校代码（文字）。")
    for name in ("first_day", "last_day", "reason"):
        if body.get(name) is not None and not isinstance(body[name], str):
            return json_error(400, f"{name} 必须是文字。")
    closed = services.add_closed_dates(current_user, scope, body.get("first_day") or "",
                                       body.get("last_day") or "", body.get("reason") or "",
                                       utcnow())
    return {**_scope_json(scope), **closed_date_json(closed)}, 201


@bp.delete("/qa/closed-dates/<int:closed_id>")
@login_required
def remove_closed_dates(closed_id):
    """Remove one closed range of the scope (?school= for a district admin); 204."""
    services.remove_closed_dates(current_user, _scope(request.args.get("school") or None),
                                 closed_id)
    return "", 204
