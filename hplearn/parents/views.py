"""The parents' pages (phone first): their children, binding a child with the school's code.
Thin: parse, call services, render."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from hplearn import policy
from hplearn.errors import DomainError, Forbidden
from hplearn.parents import services

bp = Blueprint("parents", __name__)

# Every Q&A page and API route: a parent's session reads none of them (policy.may_read_questions).
QUESTION_PATHS = ("/qa", "/api/v1/questions")


def refuse_questions_to_parents() -> None:
    """Answer 403 to a parent for every Q&A page and API call, before any view runs."""
    path = request.path
    if any(path == prefix or path.startswith(prefix + "/") for prefix in QUESTION_PATHS) and (
            not policy.may_read_questions(current_user)):
        raise Forbidden("家长账号不能查看答疑内容：孩子的提问只属于孩子本人和答疑老师。")


@bp.get("/")
@login_required
def home():
    """A parent's home: each child, with their after-school service, and binding another child."""
    if not policy.is_parent(current_user):
        abort(403, description="这个页面是给家长的。")
    return render_template("parents/home.html", children=services.children_of(current_user))


@bp.post("/bind")
@login_required
def bind():
    """Bind a child with the code the school printed."""
    if not policy.is_parent(current_user):
        abort(403, description="这个页面是给家长的。")
    try:
        child = services.bind(current_user, request.form.get("code", ""))
    except DomainError as error:
        if error.status != 422:
            raise
        flash(str(error), "error")
        return render_template("parents/home.html",
                               children=services.children_of(current_user)), 422
    flash(f"已绑定孩子：{child.display_name or child.alias}。", "info")
    return redirect(url_for("parents.home"))
