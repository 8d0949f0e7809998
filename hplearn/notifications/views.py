"""The inbox at /notifications."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from wtforms import BooleanField, EmailField

from hplearn import policy
from hplearn.formbase import HplearnForm
from hplearn.notifications import services

bp = Blueprint("notifications", __name__)


class EmailForm(HplearnForm):
    """A staff member's address for notification emails and the switch that turns mail on."""

    email = EmailField("通知邮箱", render_kw={"maxlength": 254})
    enabled = BooleanField("接收邮件通知（每个答疑晚上最多一封新问题汇总；紧急求助随时发送）")


class MarkReadForm(HplearnForm):
    """Mark notifications read: only the CSRF token."""


@bp.before_request
@login_required
def require_login():
    """The inbox is personal."""


@bp.get("/")
def inbox():
    """The user's notifications, unread first."""
    return render_template(
        "notifications/inbox.html",
        notes=services.inbox(current_user),
        mail_settings=policy.is_staff(current_user),
        read_form=MarkReadForm(),
    )


@bp.get("/settings")
def settings():
    """A staff member's mail settings: the address and the opt-in."""
    if not policy.is_staff(current_user):
        abort(403, description="只有老师和管理员可以设置邮件通知。")
    form = EmailForm(email=services.email_address(current_user),
                     enabled=services.mail_enabled(current_user))
    return render_template("notifications/settings.html", email_form=form,
                           mail_server=bool(current_app.config.get("MAIL_SERVER")))


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
    """Save the notification address and the mail switch (staff only)."""
    form = EmailForm()
    if not form.validate():
        abort(400, description="表单已过期，请刷新页面后重试。")
    try:
        services.set_mail_settings(current_user, form.email.data or "", bool(form.enabled.data))
    except services.NotificationError as error:
        flash(str(error), "error")
    else:
        flash("邮件通知设置已保存。", "info")
    return redirect(url_for("notifications.settings"))
