"""Recording and reading the audit log."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from hplearn.audit.models import AuditEntry
from hplearn.extensions import db
from hplearn.pagination import Page


def record(actor, action: str, obj=None, *, school_id=None, **details) -> AuditEntry:
    """Add an audit entry to the session (committed with the action it records).

    actor: the User doing it, or None for the system/CLI.
    action: a dotted verb such as "resource.publish".
    obj: the model instance acted on, if any.
    """
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=type(obj).__name__.lower() if obj is not None else "",
        object_id=getattr(obj, "id", None),
        school_id=school_id if school_id is not None else getattr(obj, "school_id", None),
        details=details,
    )
    db.session.add(entry)
    return entry


def recent_entries(*, school_id=None, limit: int = 200) -> list[AuditEntry]:
    """Return the newest entries, optionally only those of one school."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if school_id is not None:
        query = query.where(AuditEntry.school_id == school_id)
    return list(db.session.scalars(query))


def entries_page(*, all_schools: bool, school_id, page):
    """One page of entries, newest first: all of them, or only one school's.

    all_schools: True for district admins.
    school_id: the school whose entries a school admin reads (ignored when all_schools).
    page: a PageRequest.
    """
    query = select(AuditEntry)
    if not all_schools:
        query = query.where(AuditEntry.school_id == school_id, AuditEntry.school_id.is_not(None))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(
        query.options(joinedload(AuditEntry.actor))
        .order_by(AuditEntry.id.desc())
        .offset(page.offset)
        .limit(page.per_page)
    )
    items = [(entry, entry.actor.username if entry.actor else None) for entry in rows]
    return Page(items=items, total=total, page=page.page, per_page=page.per_page)
