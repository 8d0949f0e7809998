"""/api/v1/stats: a school's statistics (S) and the district's."""

from flask import jsonify, request
from flask_login import current_user

from hplearn import policy
from hplearn.accounts.services import school_by_code
from hplearn.api import bp
from hplearn.errors import json_error
from hplearn.stats import services
from hplearn.stats.period import InvalidRange, parse_period


def _period_or_error():
    try:
        return parse_period(request.args), None
    except InvalidRange as error:
        return None, json_error(400, str(error), code="invalid_date_range")


@bp.get("/stats/schools/<code>")
def school_stats(code):
    """S for one school: its own admins and district admins."""
    if not current_user.is_authenticated:
        return json_error(401)
    school = school_by_code(code) if len(code) <= 32 else None
    if school is None:
        return json_error(404, "没有这所学校。")
    if not policy.can_view_school_stats(current_user, school.id):
        return json_error(403, "你只能查看本校的统计数据。")
    period, error = _period_or_error()
    if error:
        return error
    return jsonify(services.school_stats(school, period))


@bp.get("/stats/district")
def district_stats():
    """Every school's S: district admins."""
    if not current_user.is_authenticated:
        return json_error(401)
    if not policy.can_view_district_stats(current_user):
        return json_error(403, "只有区管理员可以查看全区统计。")
    period, error = _period_or_error()
    if error:
        return error
    return jsonify(services.district_stats(period))
