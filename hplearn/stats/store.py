"""Writing raw events in batches, ignoring repeated views of the same day."""

from __future__ import annotations

from hplearn.extensions import db
from hplearn.stats.models import StatEvent

EVENT_COLUMNS = tuple(c.name for c in StatEvent.__table__.columns if c.name != "id")


def _insert_statement(dialect: str):
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        raise RuntimeError(f"statistics need SQLite or PostgreSQL, not {dialect}")
    return insert(StatEvent.__table__).on_conflict_do_nothing()


def _unique_rows(events: list[dict]) -> list[dict]:
    seen: set[str] = set()
    rows = []
    for event in events:
        key = event.get("dedupe_key")
        if key is not None:
            if key in seen:
                continue
            seen.add(key)
        rows.append({name: event.get(name) for name in EVENT_COLUMNS})
    return rows


def insert_events(events: list[dict]) -> int:
    """Insert events in one transaction; return how many were offered (duplicates skipped)."""
    rows = _unique_rows(events)
    if not rows:
        return 0
    engine = db.engine
    with engine.begin() as connection:
        connection.execute(_insert_statement(engine.dialect.name), rows)
    return len(rows)
