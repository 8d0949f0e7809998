"""The statistics pages: /stats/ (school, district or teacher view) and the school CSV."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user, login_required

from hplearn import policy
from hplearn.accounts.services import school_by_code
from hplearn.qa import services as qa_services
from hplearn.stats import export, report_cache, services
from hplearn.stats.period import Period, parse_period
from hplearn.timeutil import utcnow

bp = Blueprint("stats", __name__)


def _period() -> Period:
    return parse_period(request.args)


def _visible_school_or_404(code: str):
    """The school whose figures the user may read; another school's look missing (404)."""
    school = school_by_code(code) if code and len(code) <= 32 else None
    if school is None or not policy.can_view_school_stats(current_user, school.id):
        abort(404, description=f"没有代码为“{code[:32]}”的学校。")
    return school


@bp.get("/")
@login_required
def dashboard():
    """The dashboard for the signed-in user's role."""
    if not policy.can_view_stats_area(current_user):
        abort(403, description="统计数据只对教师和管理员开放。")
    period = _period()
    if policy.is_teacher(current_user):
        report = services.teacher_report(current_user, period)
        return render_template("stats/teacher.html", report=report, period=period)
    code = request.args.get("school", "").strip()
    if policy.can_view_district_stats(current_user) and not code:
        return render_template(
            "stats/district.html", report=report_cache.district_report(period), period=period,
            schools=services.all_schools(), last_rollup=services.last_rollup_at(),
        )
    school = _visible_school_or_404(code) if code else current_user.school
    if school is None or not policy.can_view_school_stats(current_user, school.id):
        abort(403, description="你只能查看本校的统计数据。")
    return render_template(
        "stats/school.html", report=services.school_report(school, period), school=school,
        period=period, last_rollup=services.last_rollup_at(),
        schools=services.all_schools() if policy.can_view_district_stats(current_user) else [],
        backlog=qa_services.backlog_by_subject(school.id, utcnow()),
        unrouted=qa_services.unrouted_questions(school.id, utcnow()),
    )


@bp.get("/district.csv")
@login_required
def district_csv():
    """Every school's figures, the district's total and the subjects, as CSV (district admins)."""
    if not policy.can_view_district_stats(current_user):
        abort(403, description="全区统计只对区管理员开放。")
    period = _period()
    body = export.district_csv(report_cache.district_report(period))
    return Response(
        body.encode("utf-8"), mimetype="text/csv",
        headers={"Content-Disposition":
                 f'attachment; filename="hplearn-stats-district-{period.first}-{period.last}.csv"'},
    )


@bp.get("/schools/<code>.csv")
@login_required
def school_csv(code):
    """One school's statistics as CSV (UTF-8 with BOM)."""
    if not policy.is_admin(current_user):
        abort(403, description="统计数据只对学校管理员和区管理员开放。")
    school = _visible_school_or_404(code)
    period = _period()
    body = export.school_csv(services.school_report(school, period))
    filename = f"hplearn-stats-{school.code}-{period.first}-{period.last}.csv"
    return Response(
        body.encode("utf-8"),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
