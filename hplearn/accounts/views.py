"""Sign-in and sign-out pages."""

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from hplearn.accounts import services
from hplearn.accounts.forms import LoginForm
from hplearn.stats import events as stats_events

bp = Blueprint("accounts", __name__)


def _safe_next(target: str | None) -> str:
    # Only same-site paths, so a link cannot bounce a student to another site.
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("catalog.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with username and password."""
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.username.data, form.password.data)
        except services.InvalidCredentials as error:
            form.password.errors.append(str(error))
        else:
            login_user(user)
            stats_events.record_sign_in(user)
            return redirect(_safe_next(request.args.get("next")))
    status = 422 if form.errors else 200
    return render_template("accounts/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    """Sign out (POST only, so a link or image cannot sign a student out)."""
    logout_user()
    flash("你已退出登录。", "info")
    return redirect(url_for("catalog.home"))
