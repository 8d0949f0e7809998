"""Learning pages: the grade home page, 收藏, 最近学习, and remembering a PDF's page."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from hplearn import policy
from hplearn.catalog import services as catalog
from hplearn.collections.services import featured_for
from hplearn.contributions.review import featured_contributions
from hplearn.learning import services
from hplearn.vocab import GRADE_NAMES

bp = Blueprint("learning", __name__)


@bp.get("/")
def home():
    """我的学习: the grade's newest resources, this week's featured collections, 精品, and (for
    a signed-in student) where they left off and what they keep."""
    grade = services.home_grade(current_user, request.args.get("grade"))
    student = policy.can_keep_learning_record(current_user)
    return render_template(
        "learning/home.html", grade=grade, grades=GRADE_NAMES,
        resources=services.grade_resources(grade), collections=featured_for(current_user),
        featured=featured_contributions(),
        recent=services.recent(current_user, 4) if student else [],
        favourites=services.favourites(current_user, 4) if student else [],
    )


@bp.get("/favourites")
@login_required
def favourites():
    """收藏: the resources a student keeps."""
    return render_template("learning/favourites.html", resources=services.favourites(current_user))


def _back_to(resource_id: int):
    target = request.form.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect(url_for("catalog.resource", resource_id=resource_id))


@bp.post("/favourites/<int:resource_id>")
@login_required
def add_favourite(resource_id):
    """Keep a resource."""
    services.add_favourite(current_user, resource_id)
    flash("已收藏，可以在“我的学习 › 收藏”里找到。", "success")
    return _back_to(resource_id)


@bp.post("/favourites/<int:resource_id>/remove")
@login_required
def remove_favourite(resource_id):
    """Stop keeping a resource."""
    services.remove_favourite(current_user, resource_id)
    flash("已取消收藏。", "success")
    return _back_to(resource_id)


@bp.get("/history")
@login_required
def history():
    """最近学习: what the student opened last, with where to pick up."""
    return render_template("learning/history.html", recent=services.recent(current_user))


@bp.post("/history/<int:resource_id>/page")
@login_required
def save_page(resource_id):
    """Remember the PDF page the student stopped at."""
    visit = services.save_pdf_page(current_user, resource_id, request.form.get("page"))
    flash(f"已记住：下次从第 {visit.pdf_page} 页继续。", "success")
    return _back_to(resource_id)


def record_resource_visit(response):
    """After a resource page was shown to a student, put it at the top of 最近学习."""
    if request.endpoint != "catalog.resource" or response.status_code != 200:
        return response
    if not policy.can_keep_learning_record(current_user):
        return response
    try:
        resource = catalog.get_visible_resource(request.view_args["resource_id"], current_user)
        services.record_visit(current_user, resource)
    except Exception:  # the page was shown; a lost history line must not break it
        current_app.logger.exception("could not record a study visit")
    return response
