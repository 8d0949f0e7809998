"""Rebuild the whole index from the database."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from sqlalchemy import func, select

from hplearn.extensions import db
from hplearn.search import engine
from hplearn.search.documents import (
    DocumentType,
    IndexedDocument,
    document_type,
    document_types,
    indexed,
)

BATCH_SIZE = 1000


def _candidates(doc_type: DocumentType):
    return doc_type.rebuild_query() if doc_type.rebuild_query else select(doc_type.model)


def _rows(doc_type: DocumentType):
    return db.session.scalars(_candidates(doc_type).execution_options(yield_per=BATCH_SIZE))


def candidate_count(session=None) -> int:
    """How many rows a rebuild will read (in session, default the app's)."""
    session = session or db.session
    return sum(
        session.scalar(select(func.count()).select_from(_candidates(t).order_by(None).subquery()))
        for t in document_types()
    )


def indexed_batches(batch_size: int = BATCH_SIZE) -> Iterator[list[IndexedDocument]]:
    """Every indexable row of every registered type, analyzed, batch_size at a time."""
    for doc_type in document_types():
        batch: list[IndexedDocument] = []
        for row in _rows(doc_type):
            if doc_type.is_indexable(row):
                batch.append(indexed(doc_type.name, doc_type.to_document(row)))
            if len(batch) >= batch_size:
                yield batch
                batch = []
        if batch:
            yield batch


def reindex_keys(keys: list[str]) -> None:
    """Bring these documents up to date from the database (write or remove each)."""
    upserts, deletes = [], []
    for key in keys:
        name, _, object_id = key.partition(":")
        doc_type = document_type(name)
        row = db.session.get(doc_type.model, int(object_id), populate_existing=True)
        if row is not None and doc_type.is_indexable(row):
            upserts.append(indexed(name, doc_type.to_document(row)))
        else:
            deletes.append(key)
    engine.backend().apply(upserts, deletes)


def rebuild_index(progress: Callable[[int], None] = lambda done: None) -> int:
    """Build a new index beside the live one and swap it in; return the documents written."""
    backend = engine.backend()
    written = backend.rebuild(indexed_batches(), progress, expected=candidate_count())
    reindex_keys(backend.changed_during_rebuild())
    engine.clear_problem()
    return written
