"""/admin/platforms: district admins edit the platform directory shown at /platforms."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from hplearn import policy
from hplearn.formbase import HplearnForm
from hplearn.resource_admin import platforms as services
from hplearn.vocab import PLATFORM_LEVELS

bp = Blueprint("platform_admin", __name__)


@bp.before_request
@login_required
def require_district_admin():
    """Only district admins edit the directory."""
    if not policy.can_manage_platforms(current_user):
        abort(403, description="只有区级管理员可以修改学习平台目录。")


def _checked_form() -> None:
    if not HplearnForm().validate():
        abort(400, description="表单已过期，请刷新页面后重试。")


def _form_values() -> dict:
    return {name: request.form.get(name, "") for name in services.FIELDS}


def _render_form(values: dict, platform=None, error=None):
    return render_template("resource_admin/platform_form.html", values=values, platform=platform,
                           error=error, levels=PLATFORM_LEVELS, form=HplearnForm()), (422 if error else 200)


@bp.get("/")
def index():
    """Every platform, hidden ones too."""
    return render_template("resource_admin/platforms.html", platforms=services.every_platform(),
                           form=HplearnForm())


@bp.route("/new", methods=["GET", "POST"])
def new():
    """Add a platform."""
    if request.method == "GET":
        return _render_form({"level": "district", "sort_order": 1})
    _checked_form()
    try:
        platform = services.save_platform(current_user, None, _form_values())
    except services.PlatformInvalid as error:
        return _render_form(_form_values(), error=error)
    flash(f"已添加“{platform.name}”。", "info")
    return redirect(url_for("platform_admin.index"))


@bp.route("/<int:platform_id>/edit", methods=["GET", "POST"])
def edit(platform_id):
    """Change a platform's name, address, level or description."""
    platform = services.get_platform(current_user, platform_id)
    if request.method == "GET":
        values = {name: getattr(platform, name) for name in services.FIELDS}
        return _render_form(values, platform)
    _checked_form()
    try:
        services.save_platform(current_user, platform, _form_values())
    except services.PlatformInvalid as error:
        return _render_form(_form_values(), platform, error)
    flash(f"已保存“{platform.name}”。", "info")
    return redirect(url_for("platform_admin.index"))


@bp.post("/<int:platform_id>/hide")
def hide(platform_id):
    """Take a platform off the public directory."""
    _checked_form()
    platform = services.set_hidden(current_user, platform_id, True)
    flash(f"“{platform.name}”已不在学习平台页面显示。", "info")
    return redirect(url_for("platform_admin.index"))


@bp.post("/<int:platform_id>/show")
def show(platform_id):
    """List a hidden platform again."""
    _checked_form()
    platform = services.set_hidden(current_user, platform_id, False)
    flash(f"“{platform.name}”已重新显示。", "info")
    return redirect(url_for("platform_admin.index"))
