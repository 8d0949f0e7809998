"""Sessions: signing out everywhere, and forms kept for a browser whose session ended.

Sessions are signed cookies, so a copied cookie cannot be revoked by forgetting it on the
server. Every session id carries the user's session epoch instead (User.get_id); signing out adds
one to it, which ends that session, any copy of its cookie and the user's other devices too
(a deliberate trade: no table of revoked sessions read on every request).
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update

from hplearn.accounts.models import KeptForm, User
from hplearn.extensions import db

KEPT_FORM_MINUTES = 60
# Beyond this many kept forms waiting, new ones are not kept (anonymous posts cannot fill the
# database).
KEPT_FORM_LIMIT = 5000


def end_sessions(user: User) -> None:
    """End every session of the user (a single UPDATE, so two sign-outs never lose one)."""
    db.session.execute(
        update(User).where(User.id == user.id)
        .values(session_epoch=func.coalesce(User.session_epoch, 0) + 1)
    )
    db.session.commit()
    db.session.refresh(user)


def keep_form(endpoint: str, page: str, fields: dict, now: datetime) -> str | None:
    """Keep the fields posted to endpoint, to be filled in on page; the token, or None if full."""
    db.session.execute(
        delete(KeptForm).where(KeptForm.created_at < now - timedelta(minutes=KEPT_FORM_MINUTES))
    )
    waiting = db.session.scalar(select(func.count()).select_from(KeptForm))
    if waiting >= KEPT_FORM_LIMIT:
        db.session.commit()
        return None
    token = secrets.token_urlsafe(32)
    db.session.add(KeptForm(token=token, endpoint=endpoint, page=page[:255], fields=fields,
                            created_at=now))
    db.session.commit()
    return token


def take_kept_form(token: str, now: datetime) -> KeptForm | None:
    """The kept form with this token if still fresh, removed from the store (read once)."""
    if not isinstance(token, str) or len(token) > 43:
        return None
    kept = db.session.get(KeptForm, token)
    if kept is None:
        return None
    db.session.delete(kept)
    db.session.commit()
    if kept.created_at < now - timedelta(minutes=KEPT_FORM_MINUTES):
        return None
    return kept
