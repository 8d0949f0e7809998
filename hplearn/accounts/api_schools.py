"""/api/v1/schools/<code>/users: a school's accounts for its admins and district admins."""

from flask import jsonify, request
from flask_login import current_user, login_required

from hplearn import policy
from hplearn.accounts import services
from hplearn.api import bp, json_object
from hplearn.errors import json_error
from hplearn.pagination import parse_page


def user_json(user, viewer) -> dict:
    """A user as the API shows it to `viewer` (names through policy.public_name)."""
    return {
        "id": user.id,
        "username": user.username,
        "display_name": policy.public_name(user, viewer),
        "role": user.role,
        "school": user.school.code if user.school else None,
        "grade": user.grade,
        "class": user.class_name,
        "subjects": list(user.subjects or []),
        "grades": list(user.grades or []),
        "is_counsellor": user.is_counsellor,
        "active": user.active,
        "must_change_password": user.must_change_password,
    }


@bp.get("/schools/<code>/users")
@login_required
def school_users(code):
    """The accounts of one school, optionally of one role."""
    school = services.managed_school(current_user, code)
    page_request = parse_page(request.args, default_per_page=100, max_per_page=500)
    page = services.list_users(
        school_id=school.id, role=request.args.get("role") or None,
        query=request.args.get("q"), page_request=page_request,
    )
    return jsonify(
        total=page.total, page=page.page, per_page=page.per_page,
        results=[user_json(user, current_user) for user in page.items],
    )


@bp.post("/schools/<code>/users")
@login_required
def create_school_user(code):
    """Create one account in the school; the answer carries its one-time password."""
    data = json_object()
    if data is None:
        return json_error(400, "请求体必须是 JSON 对象。", code="bad_request")
    unknown = set(data) - {"username", "role", "grade", "class", "subjects", "grades",
                           "display_name", "is_counsellor"}
    if unknown:
        return json_error(422, f"无法识别的字段：{'、'.join(sorted(unknown))}。", code="invalid_account")
    school = services.managed_school(current_user, code)
    created = services.admin_create_user(
        current_user, school, username=data.get("username"), role=data.get("role"),
        grade=data.get("grade"), class_name=data.get("class"),
        subjects=data.get("subjects") or (), grades=data.get("grades") or (),
        display_name=data.get("display_name"), is_counsellor=data.get("is_counsellor") is True,
    )
    body = user_json(created.user, current_user)
    body["one_time_password"] = created.one_time_password
    response = jsonify(body)
    response.status_code = 201
    response.headers["Cache-Control"] = "no-store"
    return response


# The API's names of the fields update_user changes ("class" is class_name there).
EDITABLE_API_FIELDS = {"display_name": "display_name", "grade": "grade", "class": "class_name",
                       "subjects": "subjects", "grades": "grades",
                       "is_counsellor": "is_counsellor", "role": "role", "school": "school"}


def _school_user(code: str, user_id: int):
    """The account with this id if it belongs to this school and the caller manages both."""
    school = services.managed_school(current_user, code)
    user = services.managed_user(current_user, user_id)
    if user.school_id != school.id:
        raise services.UserNotFound("没有找到这个账号。")
    return user


@bp.patch("/schools/<code>/users/<int:user_id>")
@login_required
def update_school_user(code, user_id):
    """Change some fields of one account of the school; fields left out keep their value."""
    data = json_object()
    if data is None:
        return json_error(400, "请求体必须是 JSON 对象。", code="bad_request")
    unknown = set(data) - set(EDITABLE_API_FIELDS)
    if unknown:
        return json_error(422, f"无法修改的字段：{'、'.join(sorted(unknown))}。", code="invalid_account")
    user = _school_user(code, user_id)
    services.update_user(current_user, user,
                         **{EDITABLE_API_FIELDS[name]: value for name, value in data.items()})
    return jsonify(user_json(user, current_user))
