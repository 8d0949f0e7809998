"""/api/v1 routes of the parents' feature (the contract: shared/INTERFACES.md, "Parents")."""

from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user, login_required

from hplearn import policy
from hplearn.api import bp, json_object
from hplearn.errors import Invalid
from hplearn.markup import render_markdown
from hplearn.parents import feedback, services
from hplearn.timeutil import utcnow
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


def feedback_json(item, viewer) -> dict:
    """A 意见建议 as the viewer may see it: the writer's name only for the school's admins, and
    never when it was sent anonymously."""
    now = utcnow()
    data = {"id": item.id, "school": item.school.code, "school_name": item.school.name,
            "category": item.category, "body_html": str(render_markdown(item.body)),
            "status": item.status(now), "anonymous": item.anonymous,
            "created_at": item.created_at.isoformat(), "due_at": item.due_at.isoformat(),
            "reply_html": str(render_markdown(item.reply)) if item.reply else None,
            "replied_at": item.replied_at.isoformat() if item.replied_at else None}
    if policy.can_see_feedback_author(viewer, item):
        data["parent"] = item.parent.display_name or item.parent.username
    return data


@bp.post("/feedback")
@login_required
def feedback_submit():
    """A parent writes to a school of one of their children."""
    data = _body()
    item = feedback.submit(current_user, data.get("school"), data.get("category"),
                           data.get("body"), data.get("anonymous"))
    return jsonify(feedback_json(item, current_user)), 201


@bp.get("/feedback")
@login_required
def feedback_list():
    """A parent's own feedback, or (admins) the school's."""
    items = feedback.visible_to(current_user, request.args.get("school"))
    return jsonify([feedback_json(item, current_user) for item in items])


@bp.get("/feedback/<int:feedback_id>")
@login_required
def feedback_one(feedback_id):
    """One feedback: its writer, the school's admins, district admins."""
    return jsonify(feedback_json(feedback.readable(current_user, feedback_id), current_user))


@bp.post("/feedback/<int:feedback_id>/reply")
@login_required
def feedback_reply(feedback_id):
    """The school's admins answer a feedback (once)."""
    data = _body()
    item = feedback.reply(current_user, feedback_id, data.get("body"))
    return jsonify(feedback_json(item, current_user)), 201
