"""In-app notifications (the inbox) with optional email when SMTP is configured."""

from hplearn.settings import Setting

SETTINGS = (
    Setting("MAIL_SERVER", "str", None, "SMTP server for notification emails; none: no mail",
            optional=True),
    Setting("MAIL_PORT", "int", 25, "SMTP port", positive=True),
    Setting("MAIL_USERNAME", "str", None, "SMTP user name", optional=True),
    Setting("MAIL_PASSWORD", "str", None, "SMTP password", optional=True, secret=True),
    Setting("MAIL_USE_TLS", "bool", False, "STARTTLS to the SMTP server"),
    Setting("MAIL_SENDER", "str", "noreply@hplearn.local", "the sender address of notification emails"),
    Setting("MAIL_TIMEOUT", "float", 10.0, "seconds to wait for the SMTP server", positive=True),
    Setting("MAIL_OUTBOX_SECONDS", "int", 15, "how often the worker sends the emails waiting in "
            "the outbox", positive=True),
    Setting("MAIL_RETRY_SECONDS", "int", 60, "the wait before the first retry of an email the "
            "SMTP server refused; each further retry waits twice as long (at most 6 hours)",
            positive=True),
    Setting("MAIL_MAX_ATTEMPTS", "int", 8, "attempts before an email is given up (logged and kept "
            "in the outbox table)", positive=True),
)


AUDIT_ACTIONS = {"notification.mail_on": "打开邮件通知", "notification.mail_off": "关闭邮件通知"}


def init_app(app) -> None:
    """The inbox, its unread badge, mail settings, and the mail outbox the worker empties."""
    from datetime import timedelta

    from hplearn import jobs, settings
    from hplearn.audit import labels
    from hplearn.notifications import api, outbox, views  # noqa: F401  (api: its routes)

    labels.register(app, actions=AUDIT_ACTIONS)
    settings.declare(app, SETTINGS, owner="notifications")
    app.register_blueprint(views.bp, url_prefix="/notifications")
    jobs.register(app, "notifications.outbox", outbox.send_due,
                  every=timedelta(seconds=app.config["MAIL_OUTBOX_SECONDS"]))
    app.add_template_global(_unread_notifications, "unread_notifications")


def _unread_notifications() -> int:
    """The header badge: the signed-in user's unread notifications (one query per request)."""
    from flask import g
    from flask_login import current_user

    from hplearn.notifications import services

    if not current_user.is_authenticated:
        return 0
    if "unread_notifications" not in g:
        g.unread_notifications = services.unread_count(current_user)
    return g.unread_notifications
