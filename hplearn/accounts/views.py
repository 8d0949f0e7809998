"""Sign-in, sign-out and password change pages; the forced password change at first sign-in."""

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from hplearn import usage
from hplearn.accounts import services
from hplearn.accounts.forms import LoginForm, PasswordChangeForm
from hplearn.accounts.ratelimit import limit_failed_sign_ins
from hplearn.errors import error_headers, json_error

bp = Blueprint("accounts", __name__)

# What a user who must change their password may still reach.
ALLOWED_BEFORE_PASSWORD_CHANGE = {
    "accounts.change_password", "accounts.login", "accounts.logout", "api.auth_login",
    "api.auth_logout", "api.auth_password", "static",
}


def safe_next(target: str | None) -> str:
    """The ?next= target if it is a path on this site, else the home page (no open redirects)."""
    target = target or ""
    if (
        target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and not any(ord(c) < 33 for c in target)
    ):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("catalog.home")


def unauthorized():
    """Flask-Login's answer to an anonymous request: JSON 401 for the API, the sign-in page else."""
    if request.path.startswith("/api/"):
        return json_error(401, "请先登录。", code="unauthorized")
    flash("请先登录。", "info")
    next_path = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("accounts.login", next=next_path))


@bp.before_app_request
def require_password_change():
    """Users with a one-time or reset password must choose their own before anything else."""
    if not current_user.is_authenticated or not current_user.must_change_password:
        return None
    if request.endpoint in ALLOWED_BEFORE_PASSWORD_CHANGE:
        return None
    if request.path.startswith("/api/"):
        return json_error(403, "请先修改初始密码。", code="password_change_required")
    return redirect(url_for("accounts.change_password", next=request.full_path.rstrip("?")))


@bp.route("/login", methods=["GET", "POST"])
@limit_failed_sign_ins
def login():
    """Sign in with username and password."""
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.username.data, form.password.data,
                                         request.remote_addr)
        except services.SignInThrottled as error:
            return _refused_form(form, error.message, error.response_headers())
        except services.InvalidCredentials as error:
            form.password.errors.append(str(error))
        else:
            login_user(user)
            usage.signed_in.send(user)
            return redirect(safe_next(request.args.get("next")))
    status = 422 if form.errors else 200
    return render_template("accounts/login.html", form=form), status


@bp.errorhandler(429)
def too_many_failed_sign_ins(error):
    """The sign-in form again, with the rate limiter's message instead of a bare error page."""
    return _refused_form(LoginForm(), error.description, error_headers(error))


def _refused_form(form: LoginForm, message: str, headers: dict):
    form.password.errors = [message]
    response = make_response(render_template("accounts/login.html", form=form), 429)
    response.headers.update(headers)
    return response


@bp.post("/logout")
@login_required
def logout():
    """Sign out here and on every other device (POST only, so a link cannot sign anyone out)."""
    services.end_sessions(current_user._get_current_object())
    logout_user()
    flash("你已退出登录。", "info")
    return redirect(url_for("catalog.home"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's own password (forced after an admin created or reset the account)."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                current_user, form.current_password.data, form.new_password.data,
                form.confirm_password.data,
            )
        except services.InvalidCredentials as error:
            form.current_password.errors.append(str(error))
        except services.AccountError as error:
            form.new_password.errors.append(str(error))
        else:
            login_user(current_user._get_current_object())  # new fingerprint; other sessions end
            flash("密码已修改。", "info")
            return redirect(safe_next(request.args.get("next")))
    status = 422 if form.errors else 200
    return render_template("accounts/password.html", form=form), status
