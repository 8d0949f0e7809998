"""Creating, listing and reading notifications; their emails go to the outbox (outbox.py)."""

from __future__ import annotations

import re

from flask import current_app
from sqlalchemy import func, select, update

from hplearn.audit.services import record as audit
from hplearn.errors import Invalid
from hplearn.extensions import db
from hplearn.notifications import mail, outbox
from hplearn.notifications.models import (
    DIGEST_KINDS,
    INBOX_ONLY_KINDS,
    KINDS,
    Notification,
    NotificationEmail,
)
from hplearn.timeutil import utcnow
from hplearn.vocab import Role

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


class NotificationError(Invalid):
    """A request the notification rules refuse; its message is shown to the user."""


def notify(users, kind: str, message: str, link: str = "", topic: str = "") -> list[Notification]:
    """Add a notification for each user (deduplicated) to the session, and its email to the outbox.

    users: User objects to tell.
    kind: one of notifications.models.KINDS.
    message: one Chinese sentence; link: a site path to the thing it is about.
    topic: what it is about ("question:42"), for told_about; mail follows the kind (models.py).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    created = []
    seen: set[int] = set()
    for user in users:
        if user is None or user.id in seen:
            continue
        seen.add(user.id)
        note = Notification(user_id=user.id, kind=kind, message=message[:300], link=link[:300],
                            topic=topic[:64])
        db.session.add(note)
        created.append(note)
    _queue_emails(created)
    return created


def told_about(topic: str, kinds, user_ids=None) -> set[int]:
    """The users who already have a notification of one of these kinds about this topic."""
    query = select(Notification.user_id).where(Notification.topic == topic,
                                               Notification.kind.in_(tuple(kinds)))
    if user_ids is not None:
        query = query.where(Notification.user_id.in_(tuple(user_ids)))
    return set(db.session.scalars(query))


def mail_recipients(user_ids) -> dict[int, str]:
    """The addresses of those of these users who switched mail on, by user id."""
    return dict(db.session.execute(
        select(NotificationEmail.user_id, NotificationEmail.email).where(
            NotificationEmail.user_id.in_(tuple(user_ids)), NotificationEmail.enabled.is_(True))
    ).all())


def _queue_emails(notes: list[Notification]) -> None:
    """Put the notes' emails in the outbox, in this session: saved or lost with the notes.

    The evening digest mails the kinds that enter a teacher's queue; some kinds are for the
    inbox only (models.py)."""
    notes = [note for note in notes if note.kind not in DIGEST_KINDS | INBOX_ONLY_KINDS]
    if mail.mail_settings(current_app.config) is None or not notes:
        return
    addresses = mail_recipients({note.user_id for note in notes})
    base = current_app.config.get("SITE_URL", "").rstrip("/")
    for note in notes:
        if note.user_id in addresses:
            outbox.enqueue(
                addresses[note.user_id],
                f"和平学习：{note.kind_label}",
                f"{note.message}\n\n{base}{note.link}\n\n（和平学习通知，请勿直接回复。）",
            )


def unread_count(user) -> int:
    """How many unread notifications a user has."""
    return db.session.scalar(
        select(func.count(Notification.id)).where(
            Notification.user_id == user.id, Notification.read_at.is_(None)
        )
    ) or 0


def inbox(user, limit: int = 100) -> list[Notification]:
    """A user's newest notifications, unread ones first."""
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user.id)
            .order_by(Notification.read_at.is_not(None), Notification.id.desc())
            .limit(limit)
        )
    )


def mark_read(user, notification_id: int | None = None) -> int:
    """Mark one (or, with None, every) unread notification of the user read; return how many."""
    statement = update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    if notification_id is not None:
        statement = statement.where(Notification.id == notification_id)
    result = db.session.execute(statement.values(read_at=utcnow()))
    db.session.commit()
    return result.rowcount


def open_notification(user, notification_id: int) -> Notification | None:
    """The user's notification with this id, now marked read; None if it is not theirs."""
    note = db.session.get(Notification, notification_id)
    if note is None or note.user_id != user.id:
        return None
    if note.read_at is None:
        note.read_at = utcnow()
        db.session.commit()
    return note


def email_address(user) -> str:
    """The address notifications are mailed to, or an empty string."""
    row = db.session.get(NotificationEmail, user.id)
    return row.email if row else ""


def mail_enabled(user) -> bool:
    """Whether this user switched notification mail on (off until they do)."""
    row = db.session.get(NotificationEmail, user.id)
    return bool(row and row.enabled)


def set_mail_settings(user, email: str, enabled: bool) -> None:
    """Set a staff member's notification address and whether mail is sent to it.

    email: an address, or an empty string to remove it (and with it all mail).
    enabled: mail on (needs an address) or off. Raises NotificationError for students, a bad
    address or mail switched on without one. A change of the switch is audited.
    """
    if user.role == Role.STUDENT:
        raise NotificationError("为保护未成年人，学生账号不保存邮箱。")
    email = (email or "").strip()
    if email and (len(email) > 254 or not _EMAIL.match(email)):
        raise NotificationError("邮箱地址格式不正确，例如 name@example.com。")
    if enabled and not email:
        raise NotificationError("请先填写邮箱地址，再打开邮件通知。")
    row = db.session.get(NotificationEmail, user.id)
    was_enabled = bool(row and row.enabled)
    if not email:
        if row is not None:
            db.session.delete(row)
    elif row is None:
        db.session.add(NotificationEmail(user_id=user.id, email=email, enabled=enabled))
    else:
        row.email, row.enabled = email, enabled
    if was_enabled != enabled:
        audit(user, "notification.mail_on" if enabled else "notification.mail_off", user)
    db.session.commit()
