"""In-app notifications (the inbox) with optional email when SMTP is configured."""


def init_app(app) -> None:
    """Mail queued notifications once their transaction commits; drop them on rollback."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from hplearn.notifications import services

    app.context_processor(_unread_count_helper)
    if not event.contains(Session, "after_commit", services.send_pending_mail):
        event.listen(Session, "after_commit", services.send_pending_mail)
        event.listen(Session, "after_soft_rollback", _drop_on_rollback)


def _drop_on_rollback(session, previous_transaction):
    from hplearn.notifications import services

    if previous_transaction.parent is None:
        services.drop_pending_mail(session)


def _unread_count_helper():
    """Templates call unread_notifications() for the header badge (one query, only if used)."""
    from flask import g
    from flask_login import current_user

    from hplearn.notifications import services

    def unread_notifications() -> int:
        if not current_user.is_authenticated:
            return 0
        if "unread_notifications" not in g:
            g.unread_notifications = services.unread_count(current_user)
        return g.unread_notifications

    return {"unread_notifications": unread_notifications}
