"""The mail outbox: emails written in the transaction of their cause, sent later by the worker.

A notification adds its email as an `OutboxMail` row to the same session as the notification
itself, so both are saved by the same commit or both are lost by the same rollback; nothing is
sent from the request. The `notifications.outbox` job (run by `hplearn worker`, or in-process by
`hplearn run`) sends what is due; a failure is retried with exponential back-off, and after
MAIL_MAX_ATTEMPTS failures the row is given up (logged, kept for a look). A crash or a restart
loses nothing: unsent rows wait in the table for the next worker.

Each row is claimed before it is sent by one conditional UPDATE that moves its next attempt past
a lease, so two senders never send it twice at the same time; a sender that dies between the SMTP
server's "queued" and its own commit leaves the row to be sent again when the lease ends (at least
once, never lost).
"""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select, update

from hplearn.extensions import db
from hplearn.notifications import mail
from hplearn.notifications.models import OutboxMail
from hplearn.timeutil import utcnow

log = logging.getLogger(__name__)

BATCH = 100
LEASE = timedelta(minutes=5)
LONGEST_WAIT = timedelta(hours=6)
KEEP_SENT = timedelta(days=30)


def enqueue(recipient: str, subject: str, body: str) -> OutboxMail:
    """Add one email to the outbox in the current session: it is saved by the caller's commit."""
    row = OutboxMail(recipient=recipient[:254], subject=subject[:300], body=body, attempts=0,
                     next_attempt_at=utcnow(), last_error="")
    db.session.add(row)
    return row


def retry_delay(attempts: int, base_seconds: float) -> timedelta:
    """How long to wait after the given number of failed attempts: base, 2 x base, 4 x base …"""
    return min(timedelta(seconds=base_seconds * 2 ** (attempts - 1)), LONGEST_WAIT)


def send_due(now: datetime | None = None) -> str:
    """Send every email whose time has come (the `notifications.outbox` job); say what happened."""
    settings = mail.mail_settings(current_app.config)
    if settings is None:
        return "mail not configured (HPLEARN_MAIL_SERVER): nothing sent"
    now = now or utcnow()
    sent = failed = 0
    for row_id in _due_ids(now):
        if not _claim(row_id, now):
            continue  # another sender took it
        if _send_one(row_id, settings, now):
            sent += 1
        else:
            failed += 1
    purged = _purge_sent(now)
    return f"{sent} sent, {failed} failed" + (f", {purged} old sent emails removed" if purged else "")


def pending_count() -> int:
    """How many emails wait to be sent (or retried)."""
    return db.session.scalar(
        select(func.count(OutboxMail.id)).where(OutboxMail.next_attempt_at.is_not(None))) or 0


def _due_ids(now: datetime) -> list[int]:
    return list(db.session.scalars(
        select(OutboxMail.id).where(OutboxMail.next_attempt_at <= now)
        .order_by(OutboxMail.next_attempt_at, OutboxMail.id).limit(BATCH)))


def _claim(row_id: int, now: datetime) -> bool:
    claimed = db.session.execute(
        update(OutboxMail)
        .where(OutboxMail.id == row_id, OutboxMail.next_attempt_at <= now)
        .values(next_attempt_at=now + LEASE)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return claimed == 1


def _send_one(row_id: int, settings: dict, now: datetime) -> bool:
    row = db.session.get(OutboxMail, row_id)
    message = mail.build_message(settings["sender"], row.recipient, row.subject, row.body)
    try:
        mail.deliver(settings, message)
    except (OSError, smtplib.SMTPException) as error:
        _record_failure(row, error, now)
        return False
    row.attempts += 1
    row.sent_at = utcnow()
    row.next_attempt_at = None
    row.last_error = ""
    db.session.commit()
    return True


def _record_failure(row: OutboxMail, error: Exception, now: datetime) -> None:
    row.attempts += 1
    row.last_error = f"{type(error).__name__}: {error}"[:500]
    limit = current_app.config["MAIL_MAX_ATTEMPTS"]
    if row.attempts >= limit:
        row.next_attempt_at = None
        log.error("email %s to %s given up after %d attempts: %s", row.id, row.recipient,
                  row.attempts, row.last_error)
    else:
        row.next_attempt_at = now + retry_delay(row.attempts, current_app.config["MAIL_RETRY_SECONDS"])
        log.warning("email %s to %s failed (attempt %d of %d), retrying at %s: %s", row.id,
                    row.recipient, row.attempts, limit, row.next_attempt_at.isoformat(),
                    row.last_error)
    db.session.commit()


def _purge_sent(now: datetime) -> int:
    removed = db.session.execute(
        delete(OutboxMail).where(OutboxMail.sent_at < now - KEEP_SENT)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return removed
