"""/api/v1 routes of the exercises: read a set, answer an item, correct rates, staff search."""

from __future__ import annotations

from flask import current_app, jsonify, request
from flask_login import current_user, login_required

from hplearn import policy
from hplearn.api import bp, json_object
from hplearn.exercises import searching, services
from hplearn.markup import render_markdown


def item_json(item) -> dict:
    """An item as students get it: no answer."""
    return {"id": item.id, "position": item.position + 1, "kind": item.kind,
            "stem": item.stem, "options": list(item.options),
            "blanks": item.blank_count if item.kind == "blank" else 0}


def set_json(exercise_set) -> dict:
    """A set with its items (answers are given only after answering)."""
    return {"id": exercise_set.id, "title": exercise_set.title,
            "resource_id": exercise_set.resource_id, "published": exercise_set.published,
            "items": [item_json(item) for item in exercise_set.items]}


def feedback_json(feedback) -> dict:
    """The instant feedback of one answer."""
    return {"item_id": feedback.item.id, "correct": feedback.correct, "given": feedback.given,
            "expected": feedback.expected,
            "explanation_html": str(render_markdown(feedback.explanation))}


@bp.get("/exercise-sets/<int:set_id>")
def exercise_set(set_id):
    """A set of exercises, without answers."""
    return jsonify(set_json(services.get_visible_set(set_id, current_user)))


@bp.post("/exercise-items/<int:item_id>/answer")
def answer_exercise(item_id):
    """Check one answer: {"answer": index | [indices] | true/false | [texts]}."""
    data = json_object()
    if data is None or "answer" not in data:
        raise services.AnswerInvalid("请求内容必须是 JSON 对象，并带有 answer。")
    return jsonify(feedback_json(services.answer_item(current_user, item_id, data["answer"])))


@bp.get("/exercise-sets/<int:set_id>/rates")
@login_required
def exercise_rates(set_id):
    """Per-item correct rates of the caller's school (district admins: the district)."""
    if not policy.is_staff(current_user):  # before the lookup: an id tells nothing to students
        raise services.ExerciseForbidden("只有教师和管理员可以查看练习的正确率。")
    exercise_set = services.get_visible_set(set_id, current_user)
    school_id = None if current_user.role == "district_admin" else current_user.school_id
    rows = services.item_rates(current_user, exercise_set, school_id)
    return jsonify(set_id=exercise_set.id, school_id=school_id, items=[
        {"id": row.item.id, "position": row.item.position + 1, "kind": row.item.kind,
         "students": row.students, "correct_rate": row.correct_rate} for row in rows])


@bp.get("/exercises/search")
@login_required
def search_exercises():
    """Published items matching q (staff only), each with its text to reuse."""
    _, _, results = searching.run_search(current_user, request.args, current_app.config)
    return jsonify(query=results.query, total=results.total, page=results.page,
                   per_page=results.per_page, results=[
                       {**item_json(hit.object), "set_id": hit.object.set_id,
                        "subject": hit.object.subject, "grade": hit.object.grade,
                        "highlight": str(hit.title_html),
                        "source": services.item_source(hit.object)} for hit in results.items])
