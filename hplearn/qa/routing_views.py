"""Questions nobody of their school takes: the admins' list and naming the teacher who answers."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from hplearn.qa import forms, services
from hplearn.qa.views import bp
from hplearn.timeutil import utcnow


def _school():
    code = request.values.get("school") or None
    return services.unrouted_school(current_user, code[:32] if code else None)


def _page(school, status=200, error=None, error_question_id=None):
    now = utcnow()
    found = services.unrouted_questions(school.id if school else None, now)
    return render_template(
        "qa/unrouted.html", school=school, unrouted=found, now=now, error=error,
        error_question_id=error_question_id, assign_form=forms.AssignForm(),
        teachers={item.question.id: services.assignable_teachers(current_user, item.question)
                  for item in found},
    ), status


@bp.get("/unrouted")
def unrouted():
    """Waiting questions nobody of the school takes (district admins: every school, or ?school=)."""
    return _page(_school())


@bp.post("/<int:question_id>/assign")
def assign(question_id):
    """An admin names the teacher who answers a question; back to the page it came from."""
    form = forms.AssignForm()
    if not form.validate():
        abort(400, description="表单已过期，请刷新页面后重试。")
    try:
        question = services.assign_question(question_id, current_user, form.teacher_id.data)
    except (services.InvalidQuestion, services.AlreadyClaimed) as error:
        if request.form.get("next_page") == "unrouted":
            return _page(_school(), error.status, str(error), question_id)
        flash(str(error), "error")
        return redirect(url_for("qa.detail", question_id=question_id))
    flash(f"已指派给{question.reserved_for.display_name}，老师和学生都会收到通知。", "info")
    if request.form.get("next_page") == "unrouted":
        return redirect(url_for("qa.unrouted", school=request.form.get("school") or None))
    return redirect(url_for("qa.detail", question_id=question_id))
