"""/news: the public posts of schools and the district; the admins' desk to write them."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from hplearn import policy
from hplearn.accounts.models import School
from hplearn.errors import DomainError
from hplearn.extensions import db
from hplearn.formbase import HplearnForm
from hplearn.news import services
from hplearn.news.models import KINDS
from hplearn.pagination import parse_page

bp = Blueprint("news", __name__)


def featured_posts():
    """Template helper for the home page: what the district features."""
    return services.featured()


def school_posts(school_id):
    """Template helper for a family's page: their school's newest posts and the district's."""
    return services.latest_of_school(school_id)


@bp.get("/")
def index():
    """Every published post, newest first, by school and kind."""
    school_id, school = services.school_filter(request.args.get("school"))
    kind = services.kind_of(request.args.get("kind"))
    page = services.published_posts(
        parse_page(request.args, default_per_page=current_app.config["PER_PAGE"],
                   max_per_page=current_app.config["MAX_PER_PAGE"]),
        school_id=school_id, kind=kind)
    schools = list(db.session.scalars(select(School).order_by(School.code)))
    return render_template("news/index.html", page=page, kinds=KINDS, kind=kind, school=school,
                           school_id=school_id, schools=schools)


@bp.get("/<int:post_id>")
def detail(post_id):
    """One post (a draft only for who may edit it)."""
    post = services.visible_post(current_user, post_id)
    return render_template("news/detail.html", post=post, form=HplearnForm())


def _require_admin():
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if not policy.is_admin(current_user):
        abort(403, description="只有学校管理员和区级管理员可以管理文章。")
    return None


@bp.get("/desk")
@login_required
def desk():
    """The posts this admin writes, with publish and feature buttons."""
    _require_admin()
    return render_template("news/desk.html", posts=services.desk_posts(current_user), form=HplearnForm())


def _checked_form():
    if not HplearnForm().validate():
        abort(400, description="表单已过期，请刷新页面后重试。")


def _values() -> dict:
    return {name: request.form.get(name, "") for name in ("kind", "title", "body", "school", "publish")}


def _form_page(values, post=None, error=None):
    schools = list(db.session.scalars(select(School).order_by(School.code)))
    return render_template("news/form.html", values=values, post=post, error=error, kinds=KINDS,
                           schools=schools, form=HplearnForm()), 422 if error else 200


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Write a post (saved as a draft, or published at once)."""
    _require_admin()
    if request.method == "GET":
        return _form_page({"kind": request.args.get("kind", "announcement")})
    _checked_form()
    try:
        post = services.create_post(current_user, _values())
    except DomainError as refusal:
        if refusal.status != 422:
            raise
        return _form_page(_values(), error=refusal)
    flash("已发布。" if post.published_at else "已保存草稿，发布后家长和学生才能看到。", "info")
    return redirect(url_for("news.detail", post_id=post.id))


@bp.route("/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit(post_id):
    """Change a post."""
    _require_admin()
    post = services.editable_post(current_user, post_id)
    if request.method == "GET":
        return _form_page({"kind": post.kind, "title": post.title, "body": post.body}, post)
    _checked_form()
    try:
        services.update_post(current_user, post_id, _values())
    except DomainError as refusal:
        if refusal.status != 422:
            raise
        return _form_page(_values(), post, refusal)
    flash("已保存。", "info")
    return redirect(url_for("news.detail", post_id=post_id))


def _step(post_id, action, message):
    _require_admin()
    _checked_form()
    action(current_user, post_id)
    flash(message, "info")
    return redirect((request.form.get("next") == "desk" and url_for("news.desk"))
                    or url_for("news.detail", post_id=post_id))


@bp.post("/<int:post_id>/publish")
@login_required
def publish(post_id):
    """Publish a draft."""
    return _step(post_id, lambda u, i: services.set_published(u, i, True), "已发布。")


@bp.post("/<int:post_id>/unpublish")
@login_required
def unpublish(post_id):
    """Take a post down."""
    return _step(post_id, lambda u, i: services.set_published(u, i, False), "已撤下。")


@bp.post("/<int:post_id>/feature")
@login_required
def feature(post_id):
    """District admins: show a post on the home page."""
    return _step(post_id, lambda u, i: services.set_featured(u, i, True), "已推荐到首页。")


@bp.post("/<int:post_id>/unfeature")
@login_required
def unfeature(post_id):
    """District admins: take a post off the home page."""
    return _step(post_id, lambda u, i: services.set_featured(u, i, False), "已取消首页推荐。")
