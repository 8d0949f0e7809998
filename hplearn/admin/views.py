"""The /admin pages."""

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from hplearn import policy
from hplearn.catalog import links as link_health

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


@bp.get("/links")
def links():
    """Broken external links and the resources and platforms that use them."""
    if not policy.can_view_link_report(current_user):
        abort(403)
    return render_template(
        "admin/links.html", broken=link_health.broken_links(), counts=link_health.link_counts()
    )
