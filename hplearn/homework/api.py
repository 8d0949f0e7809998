"""/api/v1/homework-time and /api/v1/stats/homework/… (the contract: INTERFACES.md, "Parents")."""

from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user, login_required

from hplearn.api import bp, json_object
from hplearn.errors import Invalid
from hplearn.homework import services
from hplearn.stats.period import parse_period


@bp.post("/homework-time")
@login_required
def homework_time():
    """A student (for themself) or their bound parent records one evening's minutes."""
    data = json_object()
    if data is None:
        raise Invalid("请求内容必须是 JSON 对象（Content-Type: application/json）。")
    report = services.record_minutes(current_user, data.get("student_id"), data.get("date"),
                                     data.get("minutes"))
    return jsonify({"id": report.id, "student_id": report.student_id, "date": report.day.isoformat(),
                    "minutes": report.minutes,
                    "limit_minutes": services.limit_minutes(report.grade)}), 201


def _figure_json(figure) -> dict:
    return {"median_minutes": figure.median, "limit_minutes": figure.limit,
            "reports": figure.reports, "over_limit_share": figure.over_share}


@bp.get("/stats/homework/schools/<code>")
@login_required
def homework_school_stats(code):
    """Per grade of one school: median minutes against the plan's limit ("<5" rule)."""
    period = parse_period(request.args)
    school, grades = services.school_grades(current_user, code, period)
    return jsonify({"school": school.code, "from": period.first.isoformat(),
                    "to": period.last.isoformat(),
                    "grades": [{"grade": grade, **_figure_json(figure)} for grade, figure in grades]})


@bp.get("/stats/homework/district")
@login_required
def homework_district_stats():
    """Per school and grade across the district, those over the limit first."""
    period = parse_period(request.args)
    rows = services.district_grades(current_user, period)
    return jsonify({"from": period.first.isoformat(), "to": period.last.isoformat(),
                    "schools": [{"school": school.code, "school_name": school.name, "grade": grade,
                                 "exceeds_limit": figure.exceeds, **_figure_json(figure)}
                                for school, grade, figure in rows]})
