"""The inbox at /notifications."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms import EmailField

from hplearn import policy
from hplearn.formbase import HplearnForm
from hplearn.notifications import services

bp = Blueprint("notifications", __name__)


class EmailForm(HplearnForm):
    """A staff member's address for notification emails."""

    email = EmailField("通知邮箱（留空则不发邮件）", render_kw={"maxlength": 254})


class MarkReadForm(HplearnForm):
    """Mark notifications read: only the CSRF token."""


@bp.before_request
@login_required
def require_login():
    """The inbox is personal."""


@bp.get("/")
def inbox():
    """The user's notifications, unread first."""
    form = EmailForm(email=services.email_address(current_user))
    return render_template(
        "notifications/inbox.html",
        notes=services.inbox(current_user),
        email_form=form if policy.is_staff(current_user) else None,
        read_form=MarkReadForm(),
    )


@bp.post("/read")
def mark_all_read():
    """Mark every notification read."""
    if not MarkReadForm().validate():
        abort(400, description="表单已过期，请刷新页面后重试。")
    services.mark_read(current_user)
    return redirect(url_for("notifications.inbox"))


@bp.post("/<int:notification_id>/open")
def open_notification(notification_id):
    """Mark one notification read and go to what it is about."""
    if not MarkReadForm().validate():
        abort(400, description="表单已过期，请刷新页面后重试。")
    note = services.open_notification(current_user, notification_id)
    if note is None:
        abort(404)
    return redirect(note.link or url_for("notifications.inbox"))


@bp.post("/email")
def set_email():
    """Set or remove the notification email address (staff only)."""
    form = EmailForm()
    if not form.validate():
        abort(400, description="表单已过期，请刷新页面后重试。")
    try:
        services.set_email_address(current_user, form.email.data or "")
    except services.NotificationError as error:
        flash(str(error), "error")
    else:
        flash("通知邮箱已保存。", "info")
    return redirect(request.referrer or url_for("notifications.inbox"))
