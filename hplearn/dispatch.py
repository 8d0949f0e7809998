"""One dispatcher for what must follow the database: named phases after each commit.

Features do not listen to SQLAlchemy sessions themselves. Each registers its handlers with the
app's dispatcher from its `init_app`, and the dispatcher calls them in a fixed order:

- on_flush(fn(session, flush_context)): after each flush, while changed rows are still loaded
  (the search index collects its documents, the cache notes catalog changes);
- on_bulk(fn(execute_state)): for each ORM-enabled INSERT/UPDATE/DELETE statement;
- after_commit(phase, fn(session)): after a commit, phase by phase in PHASES order, so the index
  is written before the cache is invalidated (a search between the two would cache old results
  under the new generation); `events` and `mail` are for what must come after those (mail
  itself goes through the notifications' outbox, written in the transaction, not after it);
- on_rollback(fn(session)): when the outermost transaction rolls back: forget what was pending.

A failing after-commit handler is logged and the next one still runs: the data is saved.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

PHASES = ("index", "cache", "events", "mail")
EXTENSION = "hplearn_dispatch"

log = logging.getLogger(__name__)
_installed = False


class Dispatcher:
    """The handlers of one app, by kind and phase."""

    def __init__(self):
        self.flush: list[Callable] = []
        self.bulk: list[Callable] = []
        self.commit: dict[str, list[Callable]] = {phase: [] for phase in PHASES}
        self.rollback: list[Callable] = []


def init_app(app: Flask) -> None:
    """Give the app its dispatcher and listen to every session (once per process)."""
    app.extensions[EXTENSION] = Dispatcher()
    _install()


def _dispatcher(app: Flask | None = None) -> Dispatcher:
    return (app or current_app).extensions[EXTENSION]


def on_flush(app: Flask, handler: Callable) -> None:
    """Call handler(session, flush_context) after every flush."""
    _dispatcher(app).flush.append(handler)


def on_bulk(app: Flask, handler: Callable) -> None:
    """Call handler(execute_state) for every ORM-enabled bulk INSERT, UPDATE or DELETE."""
    _dispatcher(app).bulk.append(handler)


def after_commit(app: Flask, phase: str, handler: Callable) -> None:
    """Call handler(session) after every commit, in the given phase (one of PHASES)."""
    if phase not in PHASES:
        raise ValueError(f"unknown after-commit phase {phase!r}; use one of {', '.join(PHASES)}")
    _dispatcher(app).commit[phase].append(handler)


def on_rollback(app: Flask, handler: Callable) -> None:
    """Call handler(session) when the outermost transaction rolls back."""
    _dispatcher(app).rollback.append(handler)


def _active() -> Dispatcher | None:
    if not has_app_context():
        return None
    return current_app.extensions.get(EXTENSION)


def _flushed(session, flush_context) -> None:
    dispatcher = _active()
    if dispatcher is not None:
        for handler in dispatcher.flush:
            handler(session, flush_context)


def _executing(execute_state) -> None:
    dispatcher = _active()
    if dispatcher is None:
        return
    if execute_state.is_insert or execute_state.is_update or execute_state.is_delete:
        for handler in dispatcher.bulk:
            handler(execute_state)


def _committed(session) -> None:
    dispatcher = _active()
    if dispatcher is None:
        return
    for phase in PHASES:
        for handler in dispatcher.commit[phase]:
            try:
                handler(session)
            except Exception:  # the commit happened; the next handler still runs
                log.exception("after-commit handler %s (%s) failed", handler.__qualname__, phase)


def _rolled_back(session, previous_transaction) -> None:
    dispatcher = _active()
    if dispatcher is None or previous_transaction.parent is not None:
        return
    for handler in dispatcher.rollback:
        handler(session)


def _install() -> None:
    global _installed
    if _installed:
        return
    event.listen(Session, "after_flush", _flushed)
    event.listen(Session, "do_orm_execute", _executing)
    event.listen(Session, "after_commit", _committed)
    event.listen(Session, "after_soft_rollback", _rolled_back)
    _installed = True
