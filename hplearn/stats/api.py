"""/api/v1/stats: a school's statistics (S) and the district's."""

from flask import jsonify, request
from flask_login import current_user, login_required

from hplearn import policy
from hplearn.accounts.services import school_by_code
from hplearn.api import bp
from hplearn.errors import json_error
from hplearn.stats import report_cache, services
from hplearn.stats.period import parse_period


@bp.get("/stats/schools/<code>")
@login_required
def school_stats(code):
    """S for one school: its own admins and district admins."""
    if not policy.is_admin(current_user):
        return json_error(403, "统计数据只对学校管理员和区管理员开放。")
    school = school_by_code(code) if len(code) <= 32 else None
    # Another school's figures look missing (404), as an unknown code does.
    if school is None or not policy.can_view_school_stats(current_user, school.id):
        return json_error(404, "没有这所学校。")
    return jsonify(services.school_stats(school, parse_period(request.args)))


@bp.get("/stats/district")
@login_required
def district_stats():
    """Every school's S: district admins."""
    if not policy.can_view_district_stats(current_user):
        return json_error(403, "只有区管理员可以查看全区统计。")
    return jsonify(report_cache.district_stats(parse_period(request.args)))
