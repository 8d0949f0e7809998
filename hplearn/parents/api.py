"""/api/v1 routes of the parents' feature (the contract: shared/INTERFACES.md, "Parents")."""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user, login_required

from hplearn.api import bp, json_object
from hplearn.errors import Invalid
from hplearn.parents import services
from hplearn.vocab import grade_label


def child_json(child) -> dict:
    """A bound child as their parent sees them."""
    return {"id": child.id, "display_name": child.display_name or child.alias,
            "school": child.school.code if child.school else None,
            "school_name": child.school.name if child.school else None,
            "grade": child.grade, "grade_name": grade_label(child.grade),
            "class_name": child.class_name}


def _body() -> dict:
    data = json_object()
    if data is None:
        raise Invalid("请求内容必须是 JSON 对象（Content-Type: application/json）。")
    return data


@bp.post("/schools/<code>/students/<int:student_id>/binding-code")
@login_required
def parents_binding_code(code, student_id):
    """Print a one-use code with which the student's parent binds their account."""
    school = services.managed_school(current_user, code)
    student = services.school_student(school, student_id)
    text, record = services.issue_binding_code(current_user, school, student)
    return jsonify({"code": text, "expires_at": record.expires_at.isoformat(),
                    "student_id": student.id}), 201


@bp.post("/parents/bind")
@login_required
def parents_bind():
    """A parent types the code the school printed and is bound to the child."""
    data = _body()
    services.bind(current_user, data.get("code"), data.get("school"))
    return jsonify({"children": [child_json(c) for c in services.children_of(current_user)]})


@bp.get("/parents/children")
@login_required
def parents_children():
    """The parent's bound children."""
    return jsonify({"children": [child_json(c) for c in services.children_of(current_user)]})
