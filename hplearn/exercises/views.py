"""Exercise pages: answer a set (works without JavaScript), correct rates, staff search."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import select

from hplearn import policy
from hplearn.accounts.models import School
from hplearn.exercises import searching, services
from hplearn.exercises.models import KIND_LABELS
from hplearn.extensions import db

bp = Blueprint("exercises", __name__)


def render_set(exercise_set, answered=None, status: int = 200, error=None):
    """The set page with the student's own last answers (and the one just checked)."""
    feedback = {item_id: services.feedback_from(attempt, attempt_item)
                for item_id, (attempt, attempt_item) in _previous(exercise_set).items()}
    if answered is not None:
        feedback[answered.item.id] = answered
    return render_template("exercises/set.html", exercise_set=exercise_set, feedback=feedback,
                           letters=services.LETTERS, error=error,
                           resource=services.resource_of(exercise_set)), status


def _previous(exercise_set):
    items = {item.id: item for item in exercise_set.items}
    attempts = services.last_attempts(current_user, exercise_set)
    return {item_id: (attempt, items[item_id]) for item_id, attempt in attempts.items()}


@bp.get("/<int:set_id>")
def show(set_id):
    """A set of exercises, one small form per item."""
    return render_set(services.get_visible_set(set_id, current_user))


def _form_answer(item):
    if item.kind == "multiple":
        return request.form.getlist("answer")
    if item.kind == "blank":
        return request.form.getlist("blank")
    return request.form.get("answer")


@bp.post("/items/<int:item_id>/answer")
def answer(item_id):
    """Check one answer and show the set again with the feedback beside that item."""
    item = services.get_visible_item(item_id, current_user)
    try:
        feedback = services.answer_item(current_user, item.id, _form_answer(item))
    except services.AnswerInvalid as error:
        return render_set(item.exercise_set, status=422, error=(item.id, str(error)))
    return render_set(item.exercise_set, answered=feedback)


def _rates_school():
    code = request.args.get("school")
    if code and policy.is_district_admin(current_user):
        school = db.session.scalar(select(School).where(School.code == code[:32]))
        if school is None:
            abort(404, description="没有找到这所学校。")
        return school
    if code or policy.is_district_admin(current_user):
        return None
    return db.session.get(School, current_user.school_id) if current_user.school_id else None


@bp.get("/<int:set_id>/rates")
@login_required
def rates(set_id):
    """Per-item correct rates of the teacher's school ("<5" rule)."""
    if not policy.is_staff(current_user):
        abort(403, description="只有教师和管理员可以查看练习的正确率。")
    exercise_set = services.get_visible_set(set_id, current_user)
    school = _rates_school()
    rows = services.item_rates(current_user, exercise_set, school.id if school else None)
    return render_template("exercises/rates.html", exercise_set=exercise_set, rows=rows,
                           school=school, letters=services.LETTERS)


@bp.get("/search")
@login_required
def search():
    """Published items for teachers to reuse, with each one's text to copy."""
    text, filters, results = searching.run_search(current_user, request.args, current_app.config)
    return render_template("exercises/search.html", results=results, text=text, filters=filters,
                           kinds=KIND_LABELS,
                           item_source=services.item_source)
