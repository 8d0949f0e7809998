"""Keep the index in step with the database: collect after each flush, apply after commit.

Changed rows of registered models are turned into SearchDocuments in after_flush (while their
state is loaded); after_commit analyzes and writes them as one batch per commit. A rollback
discards them. Inside `bulk_indexing(session, expected)` (an import that commits every 500 rows)
each commit's batch goes to one bulk writer instead, written once at the end.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app, has_app_context
from sqlalchemy import inspect
from sqlalchemy.orm import Session

from hplearn.extensions import db
from hplearn.search import engine
from hplearn.search.backends.base import IndexUnavailable
from hplearn.search.documents import (
    DocumentType,
    document_key,
    document_type,
    document_type_for,
    document_types,
    indexed,
)
from hplearn.search.rebuild import candidate_count

log = logging.getLogger(__name__)
PENDING = "hplearn_search_pending"
BULK = "hplearn_search_bulk"


def init_app(app) -> None:
    """Follow the database: collect on flush, write in the "index" phase after commit."""
    from hplearn import dispatch

    dispatch.on_flush(app, _collect)
    dispatch.after_commit(app, "index", _apply)
    dispatch.on_rollback(app, _discard)


def _pending(session) -> dict:
    return session.info.setdefault(PENDING, {})


def mark_for_reindex(session, doc_type_name: str, instance) -> None:
    """Reindex instance after the next commit even if none of its own columns changed."""
    _remember(_pending(session), document_type(doc_type_name), instance)


def remember_inserted(session, doc_type_name: str, rows) -> None:
    """Index rows a Core INSERT wrote (no flush saw them) after the next commit, as new objects.

    rows: objects with the attributes the document type's to_document and is_indexable read.
    """
    if not has_app_context() or not engine.is_enabled():
        return
    pending, doc_type = _pending(session), document_type(doc_type_name)
    for row in rows:
        _remember(pending, doc_type, row)


def _relevant_change(instance, ignored: frozenset[str] = frozenset()) -> bool:
    state = inspect(instance)
    for attr in state.mapper.column_attrs:
        if attr.key in ignored:
            continue
        if state.attrs[attr.key].history.has_changes():
            return True
    return False


def _collect_related(pending: dict, instance) -> None:
    # A renamed topic changes the documents of its resources, and so on.
    for doc_type in document_types():
        affected = doc_type.related.get(type(instance))
        if affected is not None and _relevant_change(instance):
            for row in affected(instance):
                _remember(pending, doc_type, row)


def _remember(pending: dict, doc_type: DocumentType, instance) -> None:
    key = document_key(doc_type.name, instance.id)
    try:
        if doc_type.is_indexable(instance):
            pending[key] = (doc_type.name, doc_type.to_document(instance))
        else:
            pending[key] = None
    except Exception as error:  # noqa: BLE001 - a search bug must not stop the save
        log.error("cannot build search document %s: %s", key, error)
        pending[key] = None


def _collect(session, flush_context) -> None:
    if not has_app_context() or not engine.is_enabled():
        return
    pending = _pending(session)
    for instance in session.new:
        doc_type = document_type_for(instance)
        if doc_type is None:
            _collect_related(pending, instance)  # a new answer changes its question's document
        else:
            _remember(pending, doc_type, instance)
    for instance in session.dirty:
        doc_type = document_type_for(instance)
        if doc_type is None:
            _collect_related(pending, instance)
        elif _relevant_change(instance, doc_type.ignored_attributes):
            _remember(pending, doc_type, instance)
    for instance in session.deleted:
        doc_type = document_type_for(instance)
        if doc_type is not None:
            pending[document_key(doc_type.name, instance.id)] = None


def _apply(session) -> None:
    pending = session.info.pop(PENDING, None)
    if not pending or not has_app_context() or not engine.is_enabled():
        return
    upserts = [indexed(name, document) for name, document in filter(None, pending.values())]
    deletes = [key for key, value in pending.items() if value is None]
    try:
        bulk = session.info.get(BULK)
        if bulk is not None:
            bulk.add(upserts, deletes)
            return
        _create_index_if_batch_is_everything(upserts)
        engine.backend().apply(upserts, deletes)
    except IndexUnavailable as error:
        engine.record_problem(f"{len(pending)} 条更改没有写入搜索索引：{error}")
    except Exception as error:
        current_app.logger.exception("search index update failed")
        engine.record_problem(f"搜索索引更新失败（{type(error).__name__}），请运行 hplearn reindex。")


@contextmanager
def bulk_indexing(session, expected: int) -> Iterator[None]:
    """Send the search changes of session's commits to one bulk writer, committed on the way out.

    expected: about how many documents will come (a big run writes with one process per core).
    On an error the rows already committed are still indexed; on an interrupt (Ctrl+C) what was
    written is dropped, and `repair_index` (which the importer runs) adds it later.
    Without an index (nothing to add to) the commits are indexed one by one as usual.
    """
    if not engine.is_enabled() or not engine.backend().ready():
        yield
        return
    bulk = engine.backend().bulk_writer(expected)
    session.info[BULK] = bulk
    try:
        yield
    except Exception:
        _finish(bulk)
        raise
    except BaseException:
        bulk.cancel()
        raise
    else:
        _finish(bulk)
    finally:
        session.info.pop(BULK, None)


def _finish(bulk) -> None:
    # The rows are committed whatever happens here; repair_index or reindex mends the index.
    try:
        bulk.commit()
    except IndexUnavailable as error:
        engine.record_problem(f"批量更改没有写入搜索索引：{error}")
    except Exception as error:  # a search failure must not fail the import
        current_app.logger.exception("search index bulk write failed")
        engine.record_problem(f"搜索索引批量写入失败（{type(error).__name__}），请运行 hplearn reindex。")


def _create_index_if_batch_is_everything(upserts) -> None:
    # A missing index may be created empty only if this batch holds every indexable row
    # (a new site or a test); otherwise it needs a full `hplearn reindex`.
    backend = engine.backend()
    if backend.ready():
        return
    with Session(db.engine) as fresh:
        if candidate_count(fresh) != len(upserts):
            return
    backend.create_if_missing()


def _discard(session) -> None:
    session.info.pop(PENDING, None)
