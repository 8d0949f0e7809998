"""The /admin pages."""

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from hplearn import policy

bp = Blueprint("admin", __name__)


@bp.before_request
@login_required
def require_admin():
    """Every admin page needs a signed-in admin."""
    if not policy.can_view_admin_area(current_user):
        abort(403)


@bp.get("/")
def index():
    """The admin home page."""
    return render_template("admin/index.html")
