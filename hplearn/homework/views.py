"""/homework: students and parents record tonight's minutes; admins read the weekly medians."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from hplearn import policy
from hplearn.errors import DomainError
from hplearn.formbase import HplearnForm
from hplearn.homework import services
from hplearn.stats.period import parse_period, today

bp = Blueprint("homework", __name__)


@bp.before_request
@login_required
def require_login():
    """Every page here needs a signed-in user."""


def _evenings():
    now = today()
    return [now - timedelta(days=offset) for offset in range(services.DAYS_BACK + 1)]


@bp.route("/", methods=["GET", "POST"])
def record():
    """One tap for tonight's minutes; the last week's records beside it."""
    students = services.reportable_students(current_user)
    if not students:
        abort(403, description="作业时间由学生本人或绑定的家长记录。")
    error = None
    if request.method == "POST":
        if not HplearnForm().validate():
            abort(400, description="表单已过期，请刷新页面后重试。")
        # Enter in the number field submits with the form's first button (没有书面作业, 0), so
        # a typed number wins over the button's value.
        minutes = request.form.get("other_minutes", "").strip() or request.form.get("minutes")
        try:
            report = services.record_minutes(current_user, request.form.get("student_id"),
                                             request.form.get("date"), minutes)
        except DomainError as refusal:
            if refusal.status not in (400, 422):
                raise
            error = str(refusal)
        else:
            flash(f"已记录：{report.day.month}月{report.day.day}日书面作业 {report.minutes} 分钟。", "info")
            return redirect(url_for("homework.record", student_id=report.student_id))
    chosen = _chosen(students)
    return render_template(
        "homework/record.html", students=students, chosen=chosen, evenings=_evenings(),
        reports=services.recent_reports(chosen), limit=services.limit_minutes(chosen.grade),
        quick=services.QUICK_MINUTES, error=error, form=HplearnForm(),
    ), 422 if error else 200


def _chosen(students):
    wanted = request.values.get("student_id", "")
    return next((student for student in students if str(student.id) == wanted), students[0])


@bp.get("/schools/<code>")
def school(code):
    """A school's weekly medians by grade and class against the limits."""
    period = parse_period(request.args)
    found, grades = services.school_grades(current_user, code, period)
    weeks = services.school_weeks(current_user, code, period)
    return render_template("homework/school.html", school=found, grades=grades, weeks=weeks,
                           period=period)


@bp.get("/district")
def district():
    """Which schools' grades are over the limits."""
    if not policy.is_district_admin(current_user):
        abort(403, description="只有区级管理员可以查看全区的作业时长。")
    period = parse_period(request.args)
    return render_template("homework/district.html", rows=services.district_grades(current_user, period),
                           period=period)
