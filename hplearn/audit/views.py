"""/admin/audit: admins read the audit log (school admins their school's entries)."""

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required

from hplearn import policy
from hplearn.audit import services
from hplearn.pagination import parse_page

bp = Blueprint("audit", __name__)


@bp.get("")
@login_required
def log():
    """The newest audit entries this admin may read."""
    if not policy.can_read_audit_log(current_user):
        abort(403)
    page_request = parse_page(request.args, default_per_page=50, max_per_page=200)
    page = services.entries_page(
        all_schools=policy.is_district_admin(current_user),
        school_id=current_user.school_id,
        page=page_request,
    )
    return render_template("audit/log.html", page=page)
